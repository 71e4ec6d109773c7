"""The offline counterfactual editor on a tiny trained teacher, lexicons, validity filter and metrics."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from cod import config
from cod.counterfactuals import lexicon
from cod.counterfactuals.editor import render
from cod.counterfactuals.generate import make_cod_sets, summarise, training_rows
from cod.counterfactuals.generators.adversarial import AdversarialEditor, operators
from cod.counterfactuals.generators.semantic import SemanticGenerator
from cod.counterfactuals.metrics import word_levenshtein
from cod.counterfactuals.scorer import Scorer
from cod.models.teacher import load_teacher
from tests.conftest import REPO
from tests.reliability_cases import cases, ids

THIS = "tests/training/test_counterfactuals.py"

TEXTS = [
    "the movie was good",
    "a very dull plot",
    "the plot was great",
    "the movie was awful",
    "love the movie",
    "hate the plot",
    "a fine movie",
    "the movie was bad",
]


@pytest.fixture
def editor(bert_run):
    """Today's adversarial search (lexical edits, free deletions, HotFlip) on the tiny teacher."""
    teacher, tok, _ = load_teacher("rt_sentences")
    return AdversarialEditor(Scorer(teacher, tok, max_length=32), "sentiment", bert_run.counterfactuals.editor)


def test_lexicons_give_polarity_filtered_antonyms():
    assert lexicon.valences()["good"] > 0 > lexicon.valences()["bad"]
    assert "bad" in lexicon.opposite_words("good") and "hate" in lexicon.opposite_words("love")
    assert all(lexicon.valences().get(w, 0) <= 0 for w in lexicon.opposite_words("good"))
    assert "interesting" in lexicon.antonyms()["boring"]  # satellite -> head -> antonym
    assert "hates" in lexicon.opposite_words("loves") and "failed" in lexicon.opposite_words("succeeded")


def test_editor_flips_the_tiny_teacher_minimally_and_deterministically(editor):
    results = [editor.edit(t) for t in TEXTS]
    flipped = [r for r in results if r.flipped]
    assert len(flipped) >= 0.8 * len(TEXTS)
    for r in flipped:
        p = editor.scorer.probs([r.original, r.text])
        assert p[0].argmax() == r.source and p[1].argmax() == r.target != r.source
        assert 1 <= len(r.edits) <= 3
        words = r.original.split()
        state = {e.slot: e.new for e in r.edits}
        for slot in state:  # pruning: undoing any single edit loses the flip
            undone = render(words, {s: v for s, v in state.items() if s != slot})
            assert editor.scorer.probs([undone])[0].argmax() != r.target
    again = [editor.edit(t) for t in TEXTS]
    assert [(r.text, r.edits) for r in again] == [(r.text, r.edits) for r in results]


def test_a_long_text_adds_the_best_edits_in_order_and_prunes_with_far_fewer_teacher_passes(editor):
    """A text the teacher reads at least long_text_words words of: each stage's best edits are added in order and
    the first accepted prefix is pruned (not a beam search); texts below the threshold keep the beam search."""
    texts = [f"{t} and the rest was as one would expect from it" for t in TEXTS]
    beam = [editor.edit(t) for t in texts]
    long_cfg = editor.cfg.model_copy(update={"long_text_words": 5})
    long = AdversarialEditor(editor.scorer, "sentiment", long_cfg)
    added = [long.edit(t) for t in texts]
    assert sum(r.forward_passes for r in added) < 0.5 * sum(r.forward_passes for r in beam)
    assert sum(r.flipped for r in added) >= 0.75 * len(texts)
    for r in added:
        if not r.flipped:
            continue
        assert editor.scorer.probs([r.text])[0].argmax() == r.target and 1 <= len(r.edits) <= long.depth(
            len(r.original.split())
        )
        words, state = r.original.split(), {e.slot: e.new for e in r.edits}
        for slot in state:  # pruned: each kept edit is needed
            undone = render(words, {s: v for s, v in state.items() if s != slot})
            assert editor.scorer.probs([undone])[0].argmax() != r.target
    short_cfg = editor.cfg.model_copy(update={"long_text_words": 1000})
    same = [AdversarialEditor(editor.scorer, "sentiment", short_cfg).edit(t) for t in texts]
    assert [(r.text, r.edits) for r in same] == [(r.text, r.edits) for r in beam]


def test_the_language_model_reads_what_the_teacher_reads(editor):
    """Scorer.read_part: a text that fits the teacher's max_length is returned as it is (spacing too); a longer
    one, its leading words the teacher reads (the LM's fluency and perplexity ratio are measured on that part)."""
    short = "the  movie was good"
    assert editor.scorer.read_part(short) == short
    long = " ".join(["the movie was good"] * 20)
    part = editor.scorer.read_part(long)
    assert long.startswith(part) and len(part.split()) == editor.scorer.visible_words(long.split()) < 80
    pair = editor.scorer.read_part(long, first="a premise of a few words")
    assert long.startswith(pair) and len(pair.split()) < len(part.split())


def test_negation_and_acceptability_operators():
    ops = dict((name, change) for name, change in operators(["it", "is", "good"], 1, "sentiment", []))
    assert ops["negation_insert"] == {1: "is not"}
    ops = dict(operators(["it", "is", "not", "good"], 2, "sentiment", []))
    assert ops["negation_remove"] == {2: ""}
    acc = {name for name, _ in operators(["she", "is", "going", "home"], 1, "acceptability", [])}
    assert {"agreement", "drop", "swap"} <= acc
    acc2 = dict(operators(["she", "is", "going", "home"], 2, "acceptability", []))
    assert acc2["verb_form"] in ({2: "go"}, {2: "goings"})


def test_word_levenshtein():
    assert word_levenshtein("a b c".split(), "a x c".split()) == 1
    assert word_levenshtein("a b c".split(), "a c".split()) == 1
    assert word_levenshtein([], "a b".split()) == 2
    assert word_levenshtein("a b c d".split(), "b a c".split()) == 3  # no transpositions: 2 swaps + 1 delete


def test_validity_filter_keeps_flips_only_and_reports_failures():
    originals = pd.DataFrame({"idx": [5, 9], "text": ["good", "bad"], "label": [1, 0]})
    records = pd.DataFrame(
        {
            "idx": [5, 9],
            "original": ["good", "bad"],
            "cfe": ["bad", "bad"],
            "gold": [1, 0],
            "teacher_cfe": [0, 0],
            "flipped": [True, False],
            "valid": [True, False],
            "p_new_class": [0.9, 0.6],
            "delta_p": [0.8, 0.0],
            "word_edits": [1, 0],
            "word_edits_norm": [1.0, 0.0],
            "lexicon_edits": [1, 0],
            "content_edits": [2, 0],  # "good" -> "bad" and a slot no lexicon word or negation covers
            "closeness": [0.5, 1.0],
            "ppl_ratio": [1.2, 1.0],
            "edits": [
                [
                    {"slot": 0, "op": "antonym", "old": "good", "new": "bad"},
                    {"slot": 2, "op": "broad_antonym", "old": "open", "new": "closed"},
                    {"slot": 3, "op": "antonym", "old": "a", "new": "an"},
                ],
                [],
            ],
            "calls": [10, 30],
            "seconds": [0.1, 0.2],
        }
    )
    rows = training_rows(originals, records, "valid", "teacher")
    assert rows["is_cfe"].tolist() == [False, False, True]
    assert rows.loc[rows["is_cfe"], ["pair_id", "label"]].values.tolist() == [[5, 0]]
    paper = training_rows(originals, records, "all", "flip")
    assert paper.loc[paper["is_cfe"], "label"].tolist() == [0, 1]  # 1 - y, flipped or not
    s = summarise(records, rows, SemanticGenerator(config.load_params(REPO / "params.yaml").counterfactuals))
    assert s["originals_without_valid_cfe"] == 1 and s["flip_rate"] == 0.5 and s["any_flip_rate"] == 0.5
    assert s["calls_per_valid_cfe"] == 40.0 and s["calls_are"] == "teacher forward passes"
    assert s["lexicon_edit_share"] == 0.5 and s["last_resort_share"] == 1.0  # the article agrees: not an edit
    assert s["p_target_median"] == 0.9 and s["ppl_ratio_median"] == 1.2
    assert s["training_rows"] == 3 and s["cfe_rows"] == 1 and s["same_label_share"] == 0.0
    changed = training_rows(originals, records, "changed", "teacher")  # the random control: every edited text
    assert changed.loc[changed["is_cfe"], "idx"].tolist() == [5]


def make_cod_set(dataset: str, k: int, seed: int, cfg):
    """One CoD set through the stage's entry point: (records, its metrics)."""
    records, summaries = make_cod_sets(dataset, [k], [seed], cfg)
    return records, summaries.iloc[0].to_dict()


def test_make_cod_set_writes_a_training_set_the_distiller_reads(bert_run):
    from cod import paths
    from cod.training.distill import distill, training_frame

    cfg = bert_run.counterfactuals
    records, summary = make_cod_set("rt_sentences", 8, 0, cfg)
    assert summary["originals"] == 4 and summary["valid_cfes"] + summary["originals_without_valid_cfe"] == 4
    frame = training_frame("rt_sentences", 8, 0, "cod")
    assert len(frame) == 4 + summary["valid_cfes"]
    assert set(frame.loc[frame["is_cfe"], "pair_id"]) <= set(frame.loc[~frame["is_cfe"], "idx"])
    assert paths.cfe_metrics("rt_sentences", 8, 0).is_file()
    result = distill("rt_sentences", 8, 0, "kd", "cod", bert_run.distill)
    assert result.summary["train_cfe_rows"] == summary["valid_cfes"]


def test_llm_backend_end_to_end_with_local_server_and_free_rerun(bert_run, monkeypatch):
    from tests.llm.server import FakeOpenAI

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
    with FakeOpenAI() as server:
        llm = bert_run.counterfactuals.llm.model_copy(
            update={"base_url": server.url, "max_retries": 0, "timeout": 5, "fallback": "none"}
        )
        cfg = bert_run.counterfactuals.model_copy(update={"backend": "llm", "llm": llm})
        records, summary = make_cod_set("rt_sentences", 8, 0, cfg)
        assert summary["kind"] == "llm" and summary["calls_are"] == "LLM requests"
        assert summary["llm_requests_sent"] == summary["llm_calls"] >= 4
        if summary["valid_cfes"]:  # the set's own rows' calls (llm_calls is the seed's, over every k)
            assert summary["llm_calls_per_valid_cfe"] == records["calls"].sum() / summary["valid_cfes"]
        sent = sum(server.requests.values())
        _, again = make_cod_set("rt_sentences", 8, 0, cfg)
        assert again["llm_requests_sent"] == 0 and sum(server.requests.values()) == sent
        assert again["valid_cfes"] == summary["valid_cfes"]
        replay = cfg.model_copy(update={"llm": llm.model_copy(update={"mode": "replay"})})
        assert make_cod_set("rt_sentences", 8, 0, replay)[1]["llm_requests_sent"] == 0
        assert sum(server.requests.values()) == sent


def test_garbage_endpoint_counts_each_seed_by_reason_and_names_the_fallback(bert_run, monkeypatch):
    from collections import Counter

    from cod import paths
    from cod.chat.cache import ResponseCache
    from cod.data import subsets
    from tests.llm.server import GARBAGE, FakeOpenAI, flip

    found = {
        c["id"]: c for c in cases(f"{THIS}::test_garbage_endpoint_counts_each_seed_by_reason_and_names_the_fallback")
    }
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
    subsets.make("rt_sentences", 8, 1, 0.5)  # a second seed: each seed's ledger must count its own requests
    with FakeOpenAI() as server:
        server.garbage = True  # refusal, prose, empty, wrong key, unchanged, refusal in words, then one usable answer
        llm = bert_run.counterfactuals.llm.model_copy(
            update={"base_url": server.url, "max_retries": 0, "timeout": 5, "concurrency": 1, "fallback": "editor"}
        )
        cfg = bert_run.counterfactuals.model_copy(update={"backend": "llm", "llm": llm})
        with pytest.warns(UserWarning) as caught:
            records, summaries = make_cod_sets("rt_sentences", [8], [0, 1], cfg)
        sent = server.fields["counterfactual"]
    [message] = [str(w.message) for w in caught if "were unusable" in str(w.message)]  # one line, every seed
    for piece in [p for case in found.values() for p in case.get("expect", [])]:
        assert piece in message and "\n" not in message, (piece, message)
    # ledger.jsonl: every request with the reason its answer was unusable, in the order the cycle gave them
    lines = ResponseCache(paths.root() / llm.cache_dir).ledger.records()
    assert len(lines) == sent
    want = {"REFUSE": "refusal", "SORRY": "refusal", "JUNK": "prose", "EMPTY": "empty", "WRONGKEY": "wrong_key"}
    want |= {"SAME": "unchanged", "GOOD": "ok"}
    for i, line in enumerate(lines):
        status = want[GARBAGE[i % len(GARBAGE)]]
        assert line["status"] == status or (status, line["status"]) == ("ok", "unchanged"), (i, line)  # no good/bad
    assert Counter(r["status"] for r in lines)["ok"] <= -(-sent // len(GARBAGE))
    # each seed's metrics: its own requests only (the two sum to the file), every answer it used by reason
    by_seed = {int(s["seed"]): s for s in summaries.to_dict(orient="records")}
    assert sum(s["ledger"]["requests"] for s in by_seed.values()) == sent
    for seed, s in by_seed.items():
        assert s["ledger"]["requests"] == s["llm_requests_sent"] > 0
        assert sum(s["answers"].values()) == s["llm_calls"] and s["answers"]["ok"] * 2 < s["llm_calls"]
        assert s["ledger"]["refusals"] + s["ledger"]["prose"] + s["ledger"]["wrong_key"] > 0
        # every record names its maker; the set's metrics count the fallback's among the CFEs it keeps
        mine = records[records["seed"] == seed]
        assert set(mine["generator"]) <= {"llm", "editor:semantic"}
        kept = mine[mine["in_set"] & mine["valid"]]
        llm_made = kept[kept["generator"] == "llm"]
        assert (llm_made["cfe"] == llm_made["original"].map(flip)).all()  # the usable answer only: no garbage kept
        assert s["fallback_cfes"] == int((kept["generator"] == "editor:semantic").sum())
        assert s["made_by"] == kept["generator"].value_counts(sort=False).to_dict()
        assert s["fallback_share"] == (s["fallback_cfes"] / len(kept) if len(kept) else None)
        assert s["fell_back_to_editor"] >= s["fallback_cfes"]  # the seed's, over the rows of every k
    on_disk = pd.read_json(paths.cfe_records("rt_sentences", 8, 0), lines=True)
    assert (
        "generator" in on_disk and json.loads(paths.cfe_metrics("rt_sentences", 8, 0).read_text())["generator"] == "llm"
    )


def test_a_toy_kind_is_one_module_and_one_registry_line(bert_run, monkeypatch):
    """A kind registered by one line of kind_registry.KINDS (its module: tests/training/toy_kind.py) passes config
    validation as counterfactuals.editor.kind and as an ablation mode, and makes the CoD set of the stage."""
    from cod import kind_registry, paths

    raw = yaml.safe_load(paths.params_file().read_text())
    raw["counterfactuals"]["editor"]["kind"] = "toy"
    with pytest.raises(config.ConfigError, match=r"counterfactuals\.editor\.kind"):
        config.load_params(raw=raw)  # not registered yet: refused by name
    monkeypatch.setitem(kind_registry.KINDS, "toy", kind_registry.KindEntry("tests.training.toy_kind", "editor"))
    assert "cod-toy" in config.data_modes()
    cfg = config.load_params(raw=raw).counterfactuals
    assert config.cod_kind("cod", cfg) == "toy"
    records, summary = make_cod_set("rt_sentences", 8, 0, cfg)
    assert records["cfe"].tolist() == [" ".join(reversed(t.split())) for t in records["original"]]
    assert set(records["generator"]) == {"toy"}  # the records name the generator that made them
    assert records["calls"].tolist() == [2] * len(records)  # the set's originals and any reserves tried
    assert summary["kind"] == "toy" and summary["calls_are"] == "toy calls"
    assert summary["toy_prompts"] == "sentiment" and summary["toy_valid"] == summary["valid_cfes"]
    rows = pd.read_json(paths.train_set("rt_sentences", 8, 0, "cod"), lines=True)
    assert len(rows) == 4 + summary["valid_cfes"]
    raw["counterfactuals"]["editor"]["kind"] = "semantic"
    raw["grid"]["data_modes"] = ["clean", "cod", "cod-toy"]
    assert config.load_params(raw=raw).cod_kind("cod-toy") == "toy"


def test_an_unknown_generator_names_the_key_and_the_choices():
    from cod.counterfactuals import generators
    from cod.errors import ConfigError

    cfg = config.load_params(REPO / "params.yaml").counterfactuals.model_copy(update={"backend": "nope"})
    with pytest.raises(ConfigError, match=r"unknown kind of counterfactual 'nope' \(data mode cod\).*'adversarial'"):
        generators.build(cfg)


def test_local_causal_lm_backend_runs_the_same_prompts_behind_the_cache(bert_run, tmp_path):
    from tests import tiny

    folder = tiny.save_causal_lm(tmp_path / "tiny-lm", arch="qwen2")
    local = bert_run.counterfactuals.local.model_copy(
        update={"model": str(folder), "max_tokens": 16, "fallback": "none", "feedback_rounds": 0}
    )
    # section llm is never read by backend local: an unusable one proves it
    llm = bert_run.counterfactuals.llm.model_copy(update={"mode": "replay", "cache_dir": "nowhere"})
    cfg = bert_run.counterfactuals.model_copy(update={"backend": "local", "llm": llm, "local": local})
    _, first = make_cod_set("rt_sentences", 8, 0, cfg)
    assert first["kind"] == "local" and first["llm_requests_sent"] == first["originals_tried"]  # one per row tried
    if first["valid_cfes"] == 0:  # a random LM: answers, no valid JSON; every reserve was tried too
        assert first["originals_tried"] == 8 and first["replaced_originals"] == 0
    assert first["originals_without_valid_cfe"] == 4 - first["valid_cfes"]
    _, again = make_cod_set("rt_sentences", 8, 0, cfg)
    assert again["llm_requests_sent"] == 0


def test_each_row_is_generated_once_and_smaller_k_start_from_the_same_originals(bert_run, monkeypatch):
    from cod import paths
    from cod.counterfactuals import generate
    from cod.data import subsets

    subsets.make("rt_sentences", 16, 0, 0.5)
    calls = []
    real = generate.generate
    monkeypatch.setattr(
        generate, "generate", lambda originals, *a: calls.append(list(originals["idx"])) or real(originals, *a)
    )
    records, summaries = generate.make_cod_sets("rt_sentences", [8, 16], [0], bert_run.counterfactuals)
    largest = subsets.load_subset("rt_sentences", 16, 0, "cod_originals")["idx"].tolist()
    assert calls[0] == largest  # one batch for the largest k's originals, which hold every smaller k's
    made = [i for call in calls for i in call]
    assert len(made) == len(set(made))  # later calls only for reserves, each row once
    assert summaries["k"].tolist() == [8, 16] and summaries["originals"].tolist() == [4, 8]
    small = pd.read_json(paths.cfe_records("rt_sentences", 8, 0), lines=True)
    large = pd.read_json(paths.cfe_records("rt_sentences", 16, 0), lines=True)
    assert sorted(p.name for p in paths.subset_dir("rt_sentences", 8, 0, "cod").iterdir()) == ["train.jsonl"]
    assert small["idx"].head(4).tolist() == large["idx"].head(4).tolist() == largest[:4]
    same = small.head(4).drop(columns=["edits", "role", "in_set", "replaces"])
    assert same.equals(large.head(4).drop(columns=["edits", "role", "in_set", "replaces"]))
    assert len(records) == len(large) and set(records["seed"]) == {0}


def test_fill_budget_replaces_rejected_originals_by_the_next_reserve_of_their_label():
    from cod.counterfactuals.generate import fill_budget

    originals = pd.DataFrame({"idx": [10, 11, 12, 13], "text": list("abcd"), "label": [0, 1, 0, 1]})
    reserves = pd.DataFrame({"idx": [20, 21, 22, 23], "text": list("efgh"), "label": [0, 1, 0, 1]})
    rejected, asked = {10, 11, 20}, []

    def accepted(rows: pd.DataFrame) -> list[bool]:
        asked.append(rows["idx"].tolist())
        return [i not in rejected for i in rows["idx"]]

    plan = fill_budget(originals, reserves, accepted)
    # 10 (label 0) tries 20 (rejected) then 22; 11 (label 1) gets 21; rounds batch the open originals
    assert asked == [[10, 11, 12, 13], [20, 21], [22]]
    assert plan.originals["idx"].tolist() == [22, 21, 12, 13] and plan.originals["label"].tolist() == [0, 1, 0, 1]
    assert plan.originals["text"].tolist() == ["g", "f", "c", "d"] and plan.originals["idx"].dtype == int
    assert plan.replaced == {10: 22, 11: 21} and plan.tried == [10, 11, 12, 13, 20, 21, 22]
    none_left = fill_budget(originals, reserves.head(0), accepted)  # no reserves: the set stays short
    assert none_left.originals["idx"].tolist() == [10, 11, 12, 13] and none_left.replaced == {}


def test_the_cod_set_trains_on_replacements_and_its_records_say_which(bert_run, monkeypatch):
    from cod import paths
    from cod.counterfactuals import generate
    from cod.data import subsets

    real = generate.generate
    first = subsets.load_subset("rt_sentences", 8, 0, "cod_originals")["idx"].tolist()[0]

    def reject_first(originals, *a):  # the teacher "rejects" the first original's CFE, whatever it is
        made, records = real(originals, *a)
        return made, records.assign(valid=records["valid"] & (records["idx"] != first))

    monkeypatch.setattr(generate, "generate", reject_first)
    records, summaries = generate.make_cod_sets("rt_sentences", [8], [0], bert_run.counterfactuals)
    s = summaries.iloc[0]
    role = records.set_index("idx")["role"]
    assert role[first] == "replaced" and not records.set_index("idx").loc[first, "in_set"]
    assert s["originals"] == 4 and s["replaced_originals"] == int((records["role"] == "replacement").sum())
    assert s["originals_tried"] == len(records) > 4 and s["fill_budget"]
    rows = pd.read_json(paths.train_set("rt_sentences", 8, 0, "cod"), lines=True)
    in_set = records[records["in_set"]]
    assert sorted(rows.loc[~rows["is_cfe"], "idx"]) == sorted(in_set["idx"]) and first not in set(rows["idx"])
    assert rows["is_cfe"].sum() == s["valid_cfes"] == in_set["valid"].sum()
    clean = subsets.load_subset("rt_sentences", 8, 0)
    assert set(rows["idx"]) <= set(clean["idx"])  # only rows of the clean k-shot set: the same labelled budget
    labels = clean.set_index("idx")["label"]
    assert rows.loc[~rows["is_cfe"]].apply(lambda r: labels[r["idx"]] == r["label"], axis=1).all()
    if s["replaced_originals"]:  # the replacement has the replaced original's label
        new = int(records.loc[records["replaces"] == first, "idx"].iloc[0])
        assert labels[new] == labels[first]
    off = bert_run.counterfactuals.model_copy(update={"fill_budget": False})
    records, summaries = generate.make_cod_sets("rt_sentences", [8], [0], off)
    assert len(records) == 4 and summaries.iloc[0]["originals_without_valid_cfe"] >= 1
    assert set(records["role"]) == {"original"} and records["in_set"].all()


def llm_params(repo, **llm_updates) -> None:
    """Switch the repo's params.yaml to the LLM backend with ``llm_updates`` (no fallback, no retries)."""
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["counterfactuals"]["backend"] = "llm"
    raw["counterfactuals"]["llm"].update(max_retries=0, timeout=5, fallback="none", **llm_updates)
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))


def stage_outputs(repo) -> list[str]:
    """Files the counterfactuals stage of rt_sentences wrote (its DVC outs, executed notebook aside)."""
    outs = [repo / "data" / "subsets" / "cod" / "rt_sentences", repo / "results" / "counterfactuals" / "rt_sentences"]
    return [str(f) for out in outs if out.exists() for f in out.rglob("*")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", cases(f"{THIS}::test_unreachable_endpoint_fails_the_stage_and_writes_nothing"), ids=ids
)
def test_unreachable_endpoint_fails_the_stage_and_writes_nothing(bert_run, repo, monkeypatch, case):
    from cod import nb, paths
    from tests.llm.test_llm import free_url

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
    url = free_url()
    llm_params(repo, base_url=url)
    with pytest.raises(nb.NotebookFailed) as info:
        nb.run("notebooks/40_counterfactuals.py", {"dataset": "rt_sentences"})
    msg = str(info.value)
    assert info.value.exit_code == 1 and "sk-test-local" not in msg
    for piece in case["expect"]:
        assert piece.format(url=url) in msg, (piece, msg)
    assert stage_outputs(repo) == []
    assert paths.executed_notebook("40_counterfactuals.py", {"dataset": "rt_sentences"}).is_file()
    cache = repo / "data" / "llm_cache"
    assert not (cache / "responses.jsonl").exists() and (cache / "ledger.jsonl").read_text().count('"error"') >= 1


@pytest.mark.parametrize(
    "case", cases(f"{THIS}::test_endpoint_failing_mid_stage_keeps_answers_and_writes_nothing"), ids=ids
)
def test_endpoint_failing_mid_stage_keeps_answers_and_writes_nothing(bert_run, repo, monkeypatch, case):
    from cod.chat.cache import ResponseCache
    from cod.chat.client import EndpointError
    from cod.counterfactuals import generate
    from cod.data import subsets
    from tests.llm.server import FakeOpenAI

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
    seed1 = set(subsets.make("rt_sentences", 8, 1, 0.5).cod_originals["idx"])
    real, answered = generate.generate, []

    def seed_by_seed(originals, *args):
        if set(originals["idx"]) == seed1 and not answered:  # down once seed 0 (and its reserves) is answered
            answered.append(sum(server.requests.values()))
            server.fail_status = case["setup"]["status"]
        return real(originals, *args)

    monkeypatch.setattr(generate, "generate", seed_by_seed)
    with FakeOpenAI() as server:
        llm_params(repo, base_url=server.url, feedback_rounds=0)
        cfg = config.load("counterfactuals", dataset="rt_sentences")
        with pytest.raises(EndpointError) as info:
            generate.make_cod_sets("rt_sentences", [8], [0, 1], cfg)
        for piece in case["expect"]:
            assert piece.format(url=server.url) in str(info.value), (piece, str(info.value))
        assert stage_outputs(repo) == []  # seed 0 was complete, yet nothing is written
        assert len(ResponseCache(repo / cfg.llm.cache_dir)) == answered[0] >= 4  # seed 0's answers are kept
        server.fail_status = None
        _, summaries = generate.make_cod_sets("rt_sentences", [8], [0, 1], cfg)
    sent = dict(zip(summaries["seed"], summaries["llm_requests_sent"], strict=True))
    assert sent[0] == 0 and sent[1] >= 1  # the re-run asks only what is missing
    assert len(stage_outputs(repo)) > 0 and summaries["originals"].tolist() == [4, 4]
