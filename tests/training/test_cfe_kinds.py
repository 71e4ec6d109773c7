"""Kinds of counterfactual: the semantic editor, the min-confidence filter, the random control, the ablation modes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod import config, paths
from cod.counterfactuals import generate
from cod.counterfactuals.editor import (
    SALIENT_IN_CONTEXT,
    SALIENT_MIN_DELTA,
    SALIENT_WINDOW,
    Editor,
    in_context,
    random_edits,
    target_class,
)
from cod.counterfactuals.fluency import FluencyLM
from cod.counterfactuals.generators.random import RandomGenerator
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.operators import LEXICON_OPS
from cod.counterfactuals.scorer import Scorer
from cod.data.registry import describe
from cod.data.subsets import load_subset
from cod.errors import ConfigError
from cod.models.teacher import load_teacher
from cod.report import samples
from tests.conftest import REPO

TEXTS = ["the movie was good", "a very dull plot", "love the movie", "the movie was bad", "hate the plot"]


@pytest.fixture
def scorer(bert_run):
    teacher, tok, _ = load_teacher("rt_sentences")
    return Scorer(teacher, tok, max_length=32)


def semantic(bert_run, scorer, **settings) -> Editor:
    cfg = bert_run.counterfactuals
    fluency = FluencyLM.from_spec(cfg.fluency_lm)
    return Editor(
        scorer,
        "sentiment",
        cfg.editor.model_copy(update=settings),
        "semantic",
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
    strict_editor = Editor(
        scorer,
        "sentiment",
        bert_run.counterfactuals.editor,
        "semantic",
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
    editor = Editor(scorer, "sentiment", bert_run.counterfactuals.editor, "adversarial")
    words = "it was a waste of time".split()
    ops = {3: [("phrase_swap", {3: "joy to watch", 4: "", 5: ""})], 1: [("negation_insert", {1: "was not"})]}
    state = {1: "was not", 3: "joy to watch", 4: "", 5: ""}
    accepted = lambda p, target: True  # noqa: E731  every trial keeps the flip: prune as far as groups allow
    monkeypatch.setattr(editor, "_accepted", accepted)
    pruned, _ = editor._prune(words, state, np.array([0.5, 0.5]), 1, None, ops)
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


def test_the_random_control_takes_the_semantic_sets_replacements(bert_run, monkeypatch):
    real = generate.generate
    first = load_subset("rt_sentences", 8, 0, "cod_originals")["idx"].tolist()[0]

    def reject_first(originals, scorer, fluency, dataset, generator, *a):  # semantic "cannot flip" the first one
        made, records = real(originals, scorer, fluency, dataset, generator, *a)
        if generator.name == "semantic":
            records = records.assign(valid=records["valid"] & (records["idx"] != first))
        return made, records

    monkeypatch.setattr(generate, "generate", reject_first)
    modes = ["clean", "cod", "cod-random"]
    records, _ = generate.make_cod_sets("rt_sentences", [8], [0], bert_run.counterfactuals, modes)
    semantic, control = records[records["mode"] == "cod"], records[records["mode"] == "cod-random"]
    assert semantic.set_index("idx").loc[first, "role"] in {"replaced", "original"}  # rejected, replaced if it could be
    assert sorted(control["idx"]) == sorted(semantic.loc[semantic["in_set"], "idx"])  # the control's originals
    rows = pd.read_json(paths.train_set("rt_sentences", 8, 0, "cod-random"), lines=True)
    assert sorted(rows.loc[~rows["is_cfe"], "idx"]) == sorted(control["idx"]) and len(control) == 4
    if semantic.set_index("idx").loc[first, "role"] == "replaced":
        assert first not in set(rows["idx"])  # the rejected original is edited by neither kind
