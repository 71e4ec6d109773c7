"""Kinds of counterfactual: the semantic editor, the min-confidence filter, the random, copy and lexicon controls,
the ablation modes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod import config, paths
from cod.counterfactuals import generate, lexicon
from cod.counterfactuals.acceptance import accepts
from cod.counterfactuals.editor import Edit, Editor, EditResult, target_class
from cod.counterfactuals.fluency import FluencyLM
from cod.counterfactuals.generators.adversarial import AdversarialEditor
from cod.counterfactuals.generators.copy import CopyGenerator
from cod.counterfactuals.generators.lexicon import LexiconGenerator, lexicon_edits
from cod.counterfactuals.generators.llm import Attempts, ask, revise
from cod.counterfactuals.generators.random import RandomGenerator, random_edits
from cod.counterfactuals.generators.semantic import (
    SALIENT_IN_CONTEXT,
    SALIENT_MIN_DELTA,
    SALIENT_WINDOW,
    SemanticEditor,
    in_context,
)
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.operators import LEXICON_OPS, OPERATOR_NAMES, TASK_FAMILIES
from cod.counterfactuals.scorer import Scorer
from cod.data.registry import describe
from cod.data.subsets import load_subset
from cod.errors import ConfigError
from cod.models.teacher import load_teacher
from cod.report import samples
from cod.training.distill import as_training_frame
from cod.training.targets import cfe_labels
from tests.conftest import REPO

TEXTS = ["the movie was good", "a very dull plot", "love the movie", "the movie was bad", "hate the plot"]


@pytest.fixture
def scorer(bert_run):
    teacher, tok, _ = load_teacher("rt_sentences")
    return Scorer(teacher, tok, max_length=32)


def semantic(bert_run, scorer, **settings) -> Editor:
    cfg = bert_run.counterfactuals
    fluency = FluencyLM.from_spec(cfg.fluency_lm)
    return SemanticEditor(
        scorer,
        "sentiment",
        cfg.editor.model_copy(update=settings),
        min_confidence=settings.get("min_confidence", 0.0),
        fluency=fluency,
    )


def test_semantic_editor_uses_only_meaning_changing_operators(bert_run, scorer):
    editor = semantic(bert_run, scorer)
    results = [editor.edit(t) for t in TEXTS]
    assert any(r.flipped for r in results)
    for r in results:
        assert all(e.op in LEXICON_OPS for e in r.edits), r.edits  # no HotFlip swaps, no free deletions
        if r.flipped:
            assert scorer.probs([r.text])[0].argmax() == r.target
    assert [e.text for e in (editor.edit(t) for t in TEXTS)] == [r.text for r in results]  # deterministic


def test_min_confidence_keeps_searching_and_filters(bert_run, scorer):
    loose = [semantic(bert_run, scorer).edit(t) for t in TEXTS]
    strict_editor = SemanticEditor(
        scorer,
        "sentiment",
        bert_run.counterfactuals.editor,
        min_confidence=0.999999,
        fluency=FluencyLM.from_spec(bert_run.counterfactuals.fluency_lm),
    )
    strict = [strict_editor.edit(t) for t in TEXTS]
    for r in strict:  # nothing reaches p = 0.999999 on the tiny teacher: flips are reported, none accepted
        assert r.p_target_after < 0.999999 or not r.flipped
    originals = pd.DataFrame({"idx": range(len(TEXTS)), "text": TEXTS, "label": [1, 0, 1, 0, 0]})
    fluency = FluencyLM.from_spec(bert_run.counterfactuals.fluency_lm)
    records = generate.assess(originals, strict, scorer, fluency, min_confidence=0.999999)
    assert not records["valid"].any() and (records["flipped"] == [r.flipped for r in strict]).all()
    assert generate.assess(originals, loose, scorer, fluency, 0.0)["valid"].sum() == sum(r.flipped for r in loose)


def test_target_is_the_runner_up_class_for_any_number_of_classes():
    assert target_class(np.array([0.1, 0.9])) == 0
    assert target_class(np.array([0.2, 0.5, 0.3])) == 2
    assert target_class(np.array([0.6, 0.1, 0.05, 0.25])) == 3
    assert target_class(np.array([0.4, 0.3, 0.3])) == 1  # ties: the lower class index, deterministically


def test_random_edits_change_exactly_n_distinct_visible_words():
    words = "the movie was very good and the plot was fine".split()
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        edits = random_edits(words, n, visible=6, vocabulary=["alpha", "beta", "the"], rng=rng)
        assert len({e.slot for e in edits}) == n and all(e.slot < 6 for e in edits)
        assert all(e.new.lower() != e.old.lower() for e in edits)
        new = [next((e.new for e in edits if e.slot == i), w) for i, w in enumerate(words)]
        assert word_levenshtein(words, new) == n


def test_random_control_matches_semantic_edit_counts_and_never_asks_the_teacher_for_guidance(
    bert_run, scorer, monkeypatch
):
    originals = pd.DataFrame({"idx": range(len(TEXTS)), "text": TEXTS, "label": [1, 0, 1, 0, 0]})
    reference = [semantic(bert_run, scorer).edit(t) for t in TEXTS]
    seen: list[list[str]] = []
    real_probs = scorer.probs
    monkeypatch.setattr(scorer, "gradients", lambda *a, **k: pytest.fail("random control asked for gradients"))
    monkeypatch.setattr(scorer, "probs", lambda texts, pairs=None: seen.append(list(texts)) or real_probs(texts, pairs))
    made = RandomGenerator(bert_run.counterfactuals).generate(
        originals, scorer, describe("rt_sentences"), [], reference
    )
    assert len(seen) == 1  # one labelling pass over originals + results, after every edit was made
    assert seen[0][: len(TEXTS)] == TEXTS and seen[0][len(TEXTS) :] == [r.text for r in made.results]
    for ref, r in zip(reference, made.results, strict=True):
        assert len(r.edits) == max(1, len(ref.edits)) and {e.op for e in r.edits} == {"random"}
    again = RandomGenerator(bert_run.counterfactuals).generate(
        originals, scorer, describe("rt_sentences"), [], reference
    )
    assert [r.text for r in again.results] == [r.text for r in made.results]  # seeded by the original's idx


def test_ablation_modes_write_each_kind_beside_the_cod_set_and_samples(bert_run):
    cfg = bert_run.counterfactuals
    modes = ["clean", "cod", "cod-adversarial", "cod-random"]
    records, summaries = generate.make_cod_sets("rt_sentences", [8], [0], cfg, modes)
    assert summaries.set_index("mode")["kind"].to_dict() == {
        "cod": "semantic",
        "cod-adversarial": "adversarial",
        "cod-random": "random",
    }
    for mode in modes[1:]:
        rows = pd.read_json(paths.train_set("rt_sentences", 8, 0, mode), lines=True)
        assert rows["is_cfe"].sum() == summaries.set_index("mode").loc[mode, "training_rows"] - 4
        assert paths.cfe_metrics("rt_sentences", 8, 0, mode).is_file()
    assert (
        paths.subset_dir("rt_sentences", 8, 0, "cod-random").parent
        == paths.subset_seed_dir("rt_sentences", 0, "cod") / "cod-random"
    )
    random_rows = records[records["mode"] == "cod-random"]
    semantic_rows = records[records["mode"] == "cod"]
    final = semantic_rows[semantic_rows["in_set"]].set_index("idx")  # after any replacement of rejected originals
    assert sorted(random_rows["idx"]) == sorted(final.index)  # the control edits the semantic set's final originals
    for idx, edits in zip(random_rows["idx"], random_rows["edits"], strict=True):
        assert len(edits) == max(1, len(final.loc[idx, "edits"]))
    kinds = {"cod": "semantic", "cod-adversarial": "adversarial", "cod-random": "random"}
    grid = bert_run.grid.model_copy(update={"k": [8], "seeds": [0], "data_modes": modes})
    [written] = samples.write_all(bert_run.model_copy(update={"grid": grid}), kinds)
    sample = written.read_text()
    assert "## cod: semantic" in sample and "## cod-random: random" in sample and "## cod-adversarial" in sample
    shown = sample.count("\n| 0 | ")  # rows of seed 0: every kept CFE (fewer than 30 here)
    assert shown == int(summaries["valid_cfes"][summaries["mode"] != "cod-random"].sum()) + int(
        (random_rows["cfe"] != random_rows["original"]).sum()
    )


def test_ablation_mode_repeating_the_cod_arm_and_random_with_flip_labels_are_refused(repo):
    import yaml

    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["grid"]["data_modes"] = ["clean", "cod", "cod-semantic"]
    (repo / "params.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"cod-semantic repeats the cod arm"):
        config.load_params()
    raw["grid"]["data_modes"] = ["clean", "cod", "cod-random"]
    raw["counterfactuals"]["keep"], raw["distill"]["cfe_label"] = "all", "flip"
    (repo / "params.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"random control .* distill.cfe_label: teacher"):
        config.load_params()
    raw["grid"]["data_modes"] = ["clean", "cod-bogus"]
    (repo / "params.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"cod-bogus"):
        config.load_params()


def test_a_multi_slot_change_is_undone_as_one_edit():
    ops = {
        2: [("phrase_swap", {2: "joy to watch", 3: "", 4: ""})],
        0: [("antonym", {0: "bad"})],
        5: [("swap", {5: "b", 6: "a"})],
    }
    state = {0: "bad", 2: "joy to watch", 3: "", 4: "", 5: "b", 6: "a"}
    assert Editor.edit_groups(state, ops) == [(0,), (2, 3, 4), (5, 6)]
    assert Editor.edit_groups({1: "x"}, ops) == [(1,)]  # a change no operator explains stands alone


def test_pruning_keeps_a_phrase_swap_whole(bert_run, scorer, monkeypatch):
    editor = AdversarialEditor(scorer, "sentiment", bert_run.counterfactuals.editor)
    words = "it was a waste of time".split()
    ops = {3: [("phrase_swap", {3: "joy to watch", 4: "", 5: ""})], 1: [("negation_insert", {1: "was not"})]}
    state = {1: "was not", 3: "joy to watch", 4: "", 5: ""}
    accepted = lambda p, source, target: True  # noqa: E731  every trial keeps the flip: prune as far as groups allow
    monkeypatch.setattr(editor, "_accepted", accepted)
    pruned, _ = editor._prune(words, state, np.array([0.5, 0.5]), 0, 1, None, ops)
    assert pruned in ({1: "was not"}, {3: "joy to watch", 4: "", 5: ""})  # one whole edit left, never "of time"


class TableLM:
    """A language model stub: each text's total log-probability from a table."""

    def __init__(self, totals: dict[str, float]) -> None:
        self.table, self.asked = totals, []

    def totals(self, texts: list[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([self.table[t] for t in texts])


def test_salient_swaps_are_ranked_by_the_lm_in_context_and_floored():
    words = ["a", "dull", "film"]
    names = ["bad", "fine", "great", "odd", "nice", "grand"]
    swaps = [("salient_swap", {1: w}) for w in names]
    lm = TableLM(
        {
            "a dull film": -10.0,
            "a bad film": -9.0,
            "a fine film": -11.0,
            "a great film": -8.0,
            "a odd film": -10.0 + SALIENT_MIN_DELTA - 0.1,
            "a nice film": -12.0,
            "a grand film": -13.0,
        }
    )
    got = [c[1] for _, c in in_context(lm, words, {1: swaps})[1]]
    assert got == ["great", "bad", "fine", "nice"][:SALIENT_IN_CONTEXT]  # "odd" costs more than the floor
    assert lm.asked == [["a dull film"] + [f"a {w} film" for w in names]]
    assert in_context(None, words, {1: swaps}) == {1: swaps[:SALIENT_IN_CONTEXT]}  # no LM: the caller's order
    assert in_context(lm, words, {1: []}) == {1: []}
    long = ["w"] * 40 + words + ["w"] * 40  # a long review: only the swap's neighbourhood is scored
    left, right = " ".join(["w"] * (SALIENT_WINDOW - 1)), " ".join(["w"] * (SALIENT_WINDOW - 1))  # 41 ± window
    lm = TableLM({f"{left} a {w} film {right}": v for w, v in [("dull", -10.0), ("bad", -9.0), ("great", -8.0)]})
    swaps = [("salient_swap", {41: "bad"}), ("salient_swap", {41: "great"})]
    assert in_context(lm, long, {41: swaps}) == {41: swaps[::-1]}
    # several slots: one call to the language model, each slot judged against its own unedited window
    lm = TableLM({"a dull film": -10.0, "a bad film": -9.0, "a dull movie": -9.5, "a dull odd": -30.0})
    per_slot = {1: [("salient_swap", {1: "bad"})], 2: [("broad_swap", {2: "movie"}), ("broad_swap", {2: "odd"})]}
    assert in_context(lm, words, per_slot) == {1: per_slot[1], 2: per_slot[2][:1]} and len(lm.asked) == 1


def test_every_ablation_arm_edits_the_cod_arms_final_originals():
    refs = generate.reference_kinds(
        {"cod": "semantic", "cod-adversarial": "adversarial", "cod-random": "random", "cod-copy": "copy"}
    )
    assert refs == {"semantic": None, "adversarial": "semantic", "random": "semantic", "copy": "semantic"}
    assert generate.generation_order(refs)[0] == "semantic"
    # no cod arm: the adversarial kind picks and fills its own originals; the random control still needs semantic
    alone = generate.reference_kinds({"cod-adversarial": "adversarial", "cod-random": "random"})
    assert alone == {"adversarial": None, "semantic": None, "random": "semantic"}
    assert generate.generation_order(alone) == ["adversarial", "semantic", "random"]
    # an LLM cod arm anchors the offline kinds beside it, and the random control follows semantic
    llm = generate.reference_kinds({"cod": "llm", "cod-semantic": "semantic", "cod-random": "random"})
    assert llm == {"llm": None, "semantic": "llm", "random": "semantic"}
    assert generate.generation_order(llm) == ["llm", "semantic", "random"]


def test_the_random_control_takes_the_semantic_sets_replacements(bert_run, monkeypatch):
    real = generate.generate
    first = load_subset("rt_sentences", 8, 0, "cod_originals")["idx"].tolist()[0]

    def reject_first(originals, scorer, fluency, dataset, generator, *a):  # semantic "cannot flip" the first one
        made, records = real(originals, scorer, fluency, dataset, generator, *a)
        if generator.name == "semantic":
            records = records.assign(valid=records["valid"] & (records["idx"] != first))
        return made, records

    monkeypatch.setattr(generate, "generate", reject_first)
    modes = ["clean", "cod", "cod-random", "cod-adversarial"]
    records, _ = generate.make_cod_sets("rt_sentences", [8], [0], bert_run.counterfactuals, modes)
    semantic, control = records[records["mode"] == "cod"], records[records["mode"] == "cod-random"]
    assert semantic.set_index("idx").loc[first, "role"] in {"replaced", "original"}  # rejected, replaced if it could be
    assert sorted(control["idx"]) == sorted(semantic.loc[semantic["in_set"], "idx"])  # the control's originals
    adversarial = records[records["mode"] == "cod-adversarial"]  # no budget filling of its own: the same originals
    assert sorted(adversarial["idx"]) == sorted(control["idx"]) and set(adversarial["role"]) == {"original"}
    rows = pd.read_json(paths.train_set("rt_sentences", 8, 0, "cod-random"), lines=True)
    assert sorted(rows.loc[~rows["is_cfe"], "idx"]) == sorted(control["idx"]) and len(control) == 4
    if semantic.set_index("idx").loc[first, "role"] == "replaced":
        assert first not in set(rows["idx"])  # the rejected original is edited by neither kind


SENTIMENT_OPS = frozenset().union(*(OPERATOR_NAMES[f] for f in TASK_FAMILIES["sentiment"]))
REVIEWS = [
    "the movie was good and the acting was great",  # positive: two polar words to turn
    "a waste of time",  # negative: a phrase swap of three slots
    "I loved this wonderful movie",
    "the plot is what it is",  # no rewrite moves VADER's score: no CFE
]
GOLD = [1, 0, 1, 1]
BUDGET = [2, 3, 3, 1]  # the edits of each original's (stand-in) semantic CFE


class FixedTeacher:
    """A scorer stub that gives every text the same probabilities and records what it was asked."""

    def __init__(self, p: list[float]) -> None:
        self.p, self.asked = np.array(p), []

    def visible_words(self, words: list[str], first: list[str] | None = None) -> int:
        return len(words)

    def probs(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        self.asked.append(list(pairs if pairs is not None else texts))
        return np.tile(self.p, (len(self.asked[-1]), 1))


def stand_in_reference(texts: list[str], budgets: list[int]) -> list[EditResult]:
    """Semantic results with ``budgets[i]`` edits each: all the controls read of their reference."""
    edit = Edit(0, "antonym", "a", "b")
    return [EditResult(t, t, 0, 1, True, 0.0, 1.0, [edit] * n) for t, n in zip(texts, budgets, strict=True)]


def params_counterfactuals() -> config.CounterfactualsConfig:
    return config.load_params(REPO / "params.yaml").counterfactuals


def test_lexicon_edits_move_vaders_score_toward_the_other_label_greedily_and_deterministically():
    for text, gold, n in zip(REVIEWS, GOLD, BUDGET, strict=True):
        words = text.split()
        toward = 1 - 2 * gold  # positive gold: lower the score
        edits = lexicon_edits(words, n, len(words), toward)
        cfe = " ".join(s for s in ({e.slot: e.new for e in edits}.get(i, w) for i, w in enumerate(words)) if s)
        assert len(edits) <= n and {e.op for e in edits} <= SENTIMENT_OPS
        if edits:
            assert (lexicon.compound(cfe) - lexicon.compound(text)) * toward > 0
        assert lexicon_edits(words, n, len(words), toward) == edits
    good = "the movie was good and the acting was great".split()
    assert [(e.old, e.op) for e in lexicon_edits(good, 2, len(good), -1)] == [("good", "antonym"), ("great", "antonym")]
    assert [e.old for e in lexicon_edits(good, 2, 4, -1)] == ["good"]  # only the words the teacher reads
    assert len(lexicon_edits("a waste of time".split(), 3, 4, 1)) == 3  # one phrase swap: its three slots
    waste = lexicon_edits("a waste of time".split(), 2, 4, 1)  # a budget of two cannot hold it: the best that fits
    assert [(e.op, e.old, e.new) for e in waste] == [("polarity_swap", "waste", "fun")]
    assert lexicon_edits("the plot is what it is".split(), 1, 6, -1) == []


def test_lexicon_control_needs_no_teacher_to_choose_and_keeps_flipped_gold_labels():
    originals = pd.DataFrame({"idx": range(len(REVIEWS)), "text": REVIEWS, "label": GOLD})
    reference = stand_in_reference(REVIEWS, BUDGET)
    says_negative, says_positive = FixedTeacher([0.9, 0.1]), FixedTeacher([0.2, 0.8])
    made = [
        LexiconGenerator(params_counterfactuals()).generate(
            originals, t, describe("rt_sentences"), ["negative", "positive"], reference
        )
        for t in (says_negative, says_positive)
    ]
    assert [r.text for r in made[0].results] == [r.text for r in made[1].results]  # two teachers, the same edits
    for teacher, m in zip((says_negative, says_positive), made, strict=True):  # one verdict pass, after editing
        assert teacher.asked == [REVIEWS + [r.text for r in m.results]]
    results = made[0].results
    assert [len(r.edits) for r in results] == [2, 3, 2, 0]  # the budget, or fewer when no rewrite moves further
    assert [r.text for r in results[:3]] == [
        "the movie was evil and the acting was bad",
        "a joy to watch",
        "I hated this grim movie",
    ]
    assert results[3].text == REVIEWS[3] and not results[3].flipped  # no rewrite moves the score: no CFE
    assert all(e.op in SENTIMENT_OPS for r in results for e in r.edits)
    records = pd.DataFrame(
        {"idx": originals["idx"], "original": REVIEWS, "cfe": [r.text for r in results], "gold": GOLD, "valid": False}
    ).assign(teacher_cfe=0)
    gen = LexiconGenerator(params_counterfactuals())
    rows = generate.training_rows(originals, records, *generate.selection(gen, "all"), gen.fixed_label())
    cfes = rows[rows["is_cfe"]]
    assert cfes["idx"].tolist() == [0, 1, 2] and cfes["label"].tolist() == [0, 1, 0]  # 1 − gold, unflipped or not
    assert cfes["fixed_label"].all() and not rows.loc[~rows["is_cfe"], "fixed_label"].any()
    assert generate.same_label_share(rows) == 0.0
    assert gen.set_metrics(records.assign(in_set=True), {}) == {"originals_without_lexicon_edit": 1}


def test_lexicon_control_refuses_a_dataset_that_is_not_binary_sentiment():
    originals = pd.DataFrame({"idx": [0], "text": ["a good film"], "label": [1]})
    gen, reference = LexiconGenerator(params_counterfactuals()), stand_in_reference(["a good film"], [1])
    three = ["negative", "neutral", "positive"]
    with pytest.raises(ConfigError, match=r"grid.data_modes: cod-lexicon .* binary sentiment .* Drop cod-lexicon"):
        gen.generate(originals, FixedTeacher([0.3, 0.3, 0.4]), describe("rt_sentences"), three, reference)
    with pytest.raises(ConfigError, match=r"snli is a generic task"):
        gen.check(describe("snli"), list(describe("snli").label_names))


def test_copy_control_repeats_each_original_with_its_gold_label():
    texts = ["the movie was good", "a  dull plot", "hate the plot"]  # a double space stays: an exact copy
    originals = pd.DataFrame({"idx": [3, 5, 8], "text": texts, "label": [1, 0, 0]})
    teacher = FixedTeacher([0.3, 0.7])
    gen = CopyGenerator(params_counterfactuals())
    made = gen.generate(originals, teacher, describe("rt_sentences"), [], stand_in_reference(texts, [1, 2, 0]))
    assert [r.text for r in made.results] == texts and all(not r.edits and not r.flipped for r in made.results)
    assert teacher.asked == [texts + texts]
    records = pd.DataFrame({"idx": [3, 5, 8], "original": texts, "cfe": texts, "gold": [1, 0, 0], "valid": False})
    for keep in ("valid", "all"):  # counterfactuals.keep does not touch the copy control
        selected = generate.selection(gen, keep)
        rows = generate.training_rows(originals, records.assign(teacher_cfe=1), *selected, gen.fixed_label())
        cfes = rows[rows["is_cfe"]].set_index("pair_id")
        assert cfes["text"].tolist() == texts and cfes["label"].tolist() == [1, 0, 0] and cfes["fixed_label"].all()
        assert generate.same_label_share(rows) == 1.0


def test_same_label_share_counts_cfe_rows_labelled_as_their_original():
    originals = pd.DataFrame({"idx": [0, 1, 2, 3], "text": ["a", "b", "c", "d"], "label": [1, 0, 1, 0]})
    records = pd.DataFrame(
        {
            "idx": [0, 1, 2, 3],
            "original": ["a", "b", "c", "d"],
            "cfe": ["x", "y", "z", "d"],  # the last one unchanged
            "gold": [1, 0, 1, 0],
            "teacher_cfe": [0, 0, 1, 1],
            "valid": [True, False, True, True],
        }
    )
    share = {
        (keeps, label): generate.same_label_share(generate.training_rows(originals, records, keeps, label))
        for keeps, label in [("valid", "teacher"), ("changed", "teacher"), ("all", "gold"), ("changed", "flip")]
    }
    assert share == {
        ("valid", "teacher"): pytest.approx(1 / 3),  # teacher_cfe == gold for idx 2 of 0, 2, 3
        ("changed", "teacher"): pytest.approx(2 / 3),  # idx 1 and 2 of 0, 1, 2
        ("all", "gold"): 1.0,
        ("changed", "flip"): 0.0,
    }
    assert generate.same_label_share(originals.assign(is_cfe=False, pair_id=originals["idx"])) is None


@pytest.mark.parametrize("how", ["teacher", "flip"])
def test_fixed_labels_survive_either_cfe_label(how):
    frame = as_training_frame(
        pd.DataFrame(
            {
                "idx": [0, 1, 0, 1, 2, 2],
                "text": ["a", "b", "a", "b2", "c", "c2"],
                "label": [1, 0, 1, 1, 1, 1],  # copy of 0 (gold 1), lexicon CFE of 1 (1 − 0), a teacher-labelled CFE
                "is_cfe": [False, False, True, True, False, True],
                "pair_id": [0, 1, 0, 1, 2, 2],
                "fixed_label": [False, False, True, True, False, None],
            }
        )
    )
    teacher_pred = np.array([0, 1, 0, 0, 0, 1])  # against every fixed label: the teacher would change each
    labels = cfe_labels(frame, teacher_pred, how, 2)
    assert labels[:5].tolist() == [1, 0, 1, 1, 1]  # originals and fixed CFE rows: their file label
    assert labels[5] == (1 if how == "teacher" else 0)  # an unfixed CFE: the teacher's class, or 1 − gold


def test_copy_and_lexicon_sets_take_the_semantic_originals_and_keep_their_labels(bert_run):
    from cod.training.distill import training_frame

    modes = ["clean", "cod", "cod-copy", "cod-lexicon"]
    records, summaries = generate.make_cod_sets("rt_sentences", [8], [0], bert_run.counterfactuals, modes)
    metrics = summaries.set_index("mode")
    semantic = records[(records["mode"] == "cod") & records["in_set"]].set_index("idx")
    sets = {mode: pd.read_json(paths.train_set("rt_sentences", 8, 0, mode), lines=True) for mode in modes[1:]}
    assert list(sets["cod"].columns) == ["idx", "text", "label", "is_cfe", "pair_id"]  # no fixed_label: as before
    assert metrics.loc["cod", "labelled_by"] == "teacher" and metrics.loc["cod", "keep"] == "valid"
    for mode in modes[2:]:  # both controls edit the semantic set's final originals
        rows = sets[mode]
        assert sorted(rows.loc[~rows["is_cfe"], "idx"]) == sorted(semantic.index)
        assert rows["fixed_label"].tolist() == rows["is_cfe"].tolist()
        assert metrics.loc[mode, "cfe_rows"] == rows["is_cfe"].sum() == metrics.loc[mode, "training_rows"] - 4
    copies = sets["cod-copy"]
    originals, cfes = copies[~copies["is_cfe"]].set_index("idx"), copies[copies["is_cfe"]].set_index("pair_id")
    assert len(cfes) == 4 and (cfes["text"] == originals.loc[cfes.index, "text"]).all()  # every original, copied
    assert (cfes["label"] == originals.loc[cfes.index, "label"]).all()
    assert metrics.loc["cod-copy", "same_label_share"] == 1.0 and metrics.loc["cod-copy", "labelled_by"] == "gold"
    lexical = records[records["mode"] == "cod-lexicon"].set_index("idx")
    for idx, r in lexical.iterrows():
        assert len(r["edits"]) <= max(1, len(semantic.loc[idx, "edits"]))
        assert {e["op"] for e in r["edits"]} <= SENTIMENT_OPS
        toward = 1 - 2 * int(r["gold"])
        assert not r["edits"] or (lexicon.compound(r["cfe"]) - lexicon.compound(r["original"])) * toward > 0
    lex_rows = sets["cod-lexicon"]
    edited = lexical[lexical["cfe"] != lexical["original"]]
    assert sorted(lex_rows.loc[lex_rows["is_cfe"], "idx"]) == sorted(edited.index)
    assert (lex_rows.loc[lex_rows["is_cfe"]].set_index("idx")["label"] == 1 - edited["gold"]).all()
    assert metrics.loc["cod-lexicon", "originals_without_lexicon_edit"] == 4 - len(edited)
    assert len(edited) and metrics.loc["cod-lexicon", "same_label_share"] == 0.0
    frame = training_frame("rt_sentences", 8, 0, "cod-copy")
    against = 1 - frame["label"].to_numpy()  # a teacher that disagrees with every row
    for how in ("teacher", "flip"):
        assert (cfe_labels(frame, against, how, 2) == frame["label"].to_numpy()).all()
    kinds = {"cod": "semantic", "cod-copy": "copy", "cod-lexicon": "lexicon"}
    grid = bert_run.grid.model_copy(update={"k": [8], "seeds": [0], "data_modes": modes})
    [written] = samples.write_all(bert_run.model_copy(update={"grid": grid}), kinds)
    text = written.read_text()
    assert "## cod-copy: copy (4 kept of 4 rows tried)" in text and text.count("| copy (no edit) |") == 4
    assert f"## cod-lexicon: lexicon ({len(edited)} kept of 4 rows tried)" in text


# A 3-class teacher on which the old rules disagreed: "the film was awful" moves the original (class 0, whose runner-up
# and so target is class 1) to class 2, the class nobody asked for, with p = 0.9; the LLM's rule took it.
THREE = {
    "the film was good": [0.6, 0.3, 0.1],  # class 0; the runner-up (the target): class 1
    "the film was awful": [0.05, 0.05, 0.9],  # to class 2, confidently: no counterfactual of the target
    "the film was fine": [0.3, 0.65, 0.05],  # to the target, confidently
    "the film was odd": [0.3, 0.4, 0.3],  # to the target, below min_confidence
}
NAMES = ["negative", "neutral", "positive"]


class ThreeClassTeacher:
    """A stand-in teacher with the probabilities of ``THREE`` (a forward pass counted per text)."""

    forward_passes = 0

    def probs(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        self.forward_passes += len(texts)
        return np.array([THREE[t] for t in texts], dtype=float)

    def embed(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        return np.ones((len(texts), 2))

    def read_part(self, text: str, first: str | None = None) -> str:
        return text


class TwoAnswers:
    """A stand-in chat: the first request of a conversation is answered ``first``, any later one ``later``."""

    def __init__(self, first: str, later: str = "") -> None:
        self.first, self.later = first, later

    def complete_many(self, convs, judges=None):
        answer = lambda conv: self.first if len(conv) == 1 else self.later  # noqa: E731
        return [{"text": f'{{"counterfactual": "{answer(c)}"}}', "refusal": None} for c in convs]


def attempt() -> Attempts:
    """One original, "the film was good" (class 0), whose prompt asks for class 1."""
    return Attempts(
        ["the film was good"], [[{"role": "user", "content": "ask"}]], np.array([0]), np.array([1]), [None], [0]
    )


def test_a_move_to_a_third_class_is_rejected_by_the_rule_the_editor_and_the_records():
    p = {text: np.array(v) for text, v in THREE.items()}
    assert not accepts(p["the film was awful"], 0, 1, 0.6)  # the old LLM rule (a new class, p >= 0.6) took it
    assert accepts(p["the film was fine"], 0, 1, 0.6) and not accepts(p["the film was odd"], 0, 1, 0.6)
    assert not accepts(p["the film was good"], 0, 0, 0.0)  # a target equal to the source is no counterfactual
    # the editor's search: the confident move to class 2 is neither accepted nor kept as a flip
    settings = config.load_params(REPO / "params.yaml").counterfactuals.editor
    editor = Editor(ThreeClassTeacher(), "acceptability", settings, min_confidence=0.6)  # type: ignore[arg-type]
    words = "the film was good".split()
    assert editor._search(words, {3: [("swap", {3: "awful"})]}, 0, 1, None, 1) == (None, None)
    state, _ = editor._search(words, {3: [("swap", {3: "awful"}), ("swap", {3: "fine"})]}, 0, 1, None, 1)
    assert state == {3: "fine"}
    # the records: valid only for the target class at min_confidence, flipped for any change of class
    originals = pd.DataFrame({"idx": [0, 1, 2], "text": ["the film was good"] * 3, "label": [0, 0, 0]})
    results = [
        EditResult("the film was good", f"the film was {w}", 0, 1, True, 0.3, 0.0) for w in ("awful", "fine", "odd")
    ]
    lm = type("LM", (), {"logprobs": lambda self, texts: np.zeros(len(texts))})()
    records = generate.assess(originals, results, ThreeClassTeacher(), lm, min_confidence=0.6)  # type: ignore[arg-type]
    assert records["valid"].tolist() == [False, True, False] and records["flipped"].tolist() == [True, True, True]


def test_a_move_to_a_third_class_is_rejected_by_the_llm_and_a_weak_revision_is_not_kept():
    a = attempt()
    ask(TwoAnswers("the film was awful"), ThreeClassTeacher(), a, NAMES, 1, 0.6)  # type: ignore[arg-type]
    assert a.best == [None] and a.calls == [1]  # no CFE: the feedback round (here none left) would ask again
    for revision in ("the film was odd", "the film was awful"):  # below min_confidence; to class 2
        a = attempt()
        chat = TwoAnswers("the film was fine", revision)
        ask(chat, ThreeClassTeacher(), a, NAMES, 1, 0.6)  # type: ignore[arg-type]
        assert a.best == ["the film was fine"]
        revise(chat, ThreeClassTeacher(), a, NAMES, 0.6)  # type: ignore[arg-type]
        assert a.best == ["the film was fine"] and a.calls == [2], revision
    a = attempt()
    chat = TwoAnswers("the film was fine", "the film was fine")
    ask(chat, ThreeClassTeacher(), a, NAMES, 1, 0.6)  # type: ignore[arg-type]
    revise(chat, ThreeClassTeacher(), a, NAMES, 0.6)  # type: ignore[arg-type]
    assert a.best == ["the film was fine"]


def test_every_registered_kind_names_its_generator_and_agrees_with_it():
    """kind_registry.KINDS is the one list: each kind's module defines a GENERATOR of its name, and what config reads
    from the registry (teacher labels only, a control's reference, the chat backends) matches the generator."""
    from cod import kind_registry
    from cod.chat import client_class
    from cod.counterfactuals.generators import GENERATORS

    for kind, entry in kind_registry.KINDS.items():
        made = GENERATORS[kind]
        assert made.name == kind
        assert entry.teacher_labels == (made.keeps == "changed" and made.label == "teacher"), kind
        assert entry.role != "control" or made.reference is not None, kind
        if entry.role == "chat":  # its chat backend has its name
            assert client_class(kind).__name__ in ("LLM", "LocalLM")
    assert set(kind_registry.kind_names("chat")) == set(kind_registry.CHAT_BACKENDS)
    assert [kind_registry.fallback_search(k) for k in ("semantic", "adversarial", "random")] == [
        "semantic",
        "adversarial",
        "semantic",
    ]
    with pytest.raises(ConfigError, match="counterfactuals.editor.kind"):
        config.load_params(REPO / "params.yaml", raw=_with_editor_kind("llm"))  # a chat kind is no editor kind


def _with_editor_kind(kind: str) -> dict:
    """The project's params.yaml with counterfactuals.editor.kind set to ``kind``."""
    import yaml

    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["counterfactuals"]["editor"]["kind"] = kind
    return raw
