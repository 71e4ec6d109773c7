"""Sentence pairs end to end in the CoD path: a local premise/hypothesis dataset through subset → CFE → distill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from cod import paths
from cod.counterfactuals import generate
from cod.data import subsets
from cod.data.corpus import load_meta, load_split
from cod.data.sources import prepare
from cod.explore import counterfactual_edits
from cod.training import distill as D
from cod.training.teacher import save_teacher, train_teacher
from tests import tiny
from tests.training.conftest import tiny_params

DATASET = "pairs"


def pair_rows(n: int, seed: int) -> pd.DataFrame:
    """The label is the hypothesis's sentiment; the premise is a toy review of an unrelated sentiment."""
    hyp, premise = tiny.sentences(n, seed), tiny.sentences(n, seed + 100).sample(frac=1.0, random_state=seed)
    labels = ["negative", "positive"]
    return pd.DataFrame(
        {"premise": premise["text"].to_numpy(), "hypothesis": hyp["text"], "y": [labels[v] for v in hyp["label"]]}
    )


@pytest.fixture
def pair_run(repo, tmp_path):
    """A tiny BERT teacher trained on a local sentence-pair dataset (declared in params.yaml) and its k=8 subset."""
    teacher = tiny.save_bert(tmp_path / "teacher", layers=4)
    student = tiny.save_bert(tmp_path / "student", layers=2)
    (repo / "data" / "raw").mkdir(parents=True)
    pair_rows(160, 0).to_csv(repo / "data" / "raw" / "pairs.csv", index=False)
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["data"]["local"] = {
        DATASET: {
            "files": {"train": "data/raw/pairs.csv"},
            "text_column": "premise",
            "text_pair_column": "hypothesis",
            "label_column": "y",
            "label_names": ["negative", "positive"],
        }
    }
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    params = tiny_params(repo, teacher, student)
    prepare(DATASET, params.data)
    splits = {s: load_split(DATASET, s) for s in ("train", "validation", "test")}
    save_teacher(train_teacher(splits, load_meta(DATASET)["label_names"], params.teacher), DATASET)
    subsets.make(DATASET, 8, 0, 0.5)
    return params


def test_sentence_pairs_through_subset_cfe_and_distill(pair_run, monkeypatch):
    originals = subsets.load_subset(DATASET, 8, 0, "cod_originals")
    assert "text_pair" in originals.columns
    records, summaries = generate.make_cod_sets(DATASET, [8], [0], pair_run.counterfactuals)
    assert summaries.iloc[0]["valid_cfes"] >= 1
    by_idx = originals.set_index("idx")
    # the records hold the edited hypothesis and its unchanged premise
    assert records["premise"].tolist() == by_idx.loc[records["idx"], "text"].tolist()
    assert records["original"].tolist() == by_idx.loc[records["idx"], "text_pair"].tolist()
    valid = records[records["valid"]]
    assert (valid["cfe"] != valid["original"]).all()

    rows = pd.read_json(paths.train_set(DATASET, 8, 0, "cod"), lines=True)
    assert rows["text_pair"].notna().all()
    cfes = rows[rows["is_cfe"]]
    assert len(cfes) == len(valid)
    for cfe in cfes.itertuples(index=False):
        orig = by_idx.loc[cfe.pair_id]
        assert cfe.text.encode() == orig["text"].encode()  # the premise, byte for byte
        assert cfe.text_pair != orig["text_pair"]  # only the hypothesis differs
        assert cfe.text_pair == valid.set_index("idx").loc[cfe.pair_id, "cfe"]
    shown = counterfactual_edits(DATASET, 8, 0)
    assert list(shown.columns[:2]) == ["premise", "edit"] and shown["premise"].tolist() == records["premise"].tolist()

    seen = []
    real = D.make_batches

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(out[0])
        return out

    monkeypatch.setattr(D, "make_batches", spy)
    result = D.distill(DATASET, 8, 0, "kd", "cod", pair_run.distill)
    assert result.summary["train_cfe_rows"] == len(cfes)
    assert seen, "the distiller built no training batches"
    types = np.concatenate([b["token_type_ids"].flatten().numpy() for b in seen[0]])
    assert (types == 1).any()  # the second segment (the hypothesis) reaches the student and the teacher


def test_the_llm_backend_edits_only_the_hypothesis_and_the_teacher_reads_the_pair(pair_run, tmp_path, monkeypatch):
    """backend: llm on a sentence pair: the prompt shows premise and hypothesis and asks for the hypothesis only;
    the answer becomes the CFE's text_pair after the unchanged premise, checked by the teacher as a pair."""
    from cod.counterfactuals.scorer import Scorer
    from cod.models.teacher import load_teacher
    from tests.llm.server import FakeOpenAI, flip

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-pairs")
    clean = subsets.load_subset(DATASET, 8, 0)  # the originals and the reserves that may replace them
    with FakeOpenAI() as server:
        llm = pair_run.counterfactuals.llm.model_copy(
            update={"base_url": server.url, "cache_dir": str(tmp_path / "cache"), "fallback": "none", "concurrency": 1}
            | {"feedback_rounds": 0, "critique_revision": False}  # one request per original: the answers are known
        )
        cfg = pair_run.counterfactuals.model_copy(update={"backend": "llm", "llm": llm, "min_confidence": 0.0})
        records, summaries = generate.make_cod_sets(DATASET, [8], [0], cfg)
    first = [p for p in server.prompts if "Current label:" in p]  # the first request of every row tried
    assert len(first) == len(records) >= 4 and set(records["idx"]) <= set(clean["idx"])
    for row in clean[clean["idx"].isin(records["idx"])].itertuples(index=False):
        assert sum(f"\nPremise: {row.text}\nHypothesis: {row.text_pair}\n" in p for p in first) >= 1
    assert all("Edit only the hypothesis" in p for p in first)
    by_idx = clean.set_index("idx")
    assert records["premise"].tolist() == by_idx.loc[records["idx"], "text"].tolist()
    valid = records[records["valid"]]
    assert len(valid) >= 1 and summaries.iloc[0]["valid_cfes"] == len(valid)
    assert (valid["cfe"] == valid["original"].map(flip)).all()  # the server's answer, as the hypothesis
    teacher, tokenizer, _ = load_teacher(DATASET)
    pairs = Scorer(teacher, tokenizer, 64).probs(by_idx.loc[valid["idx"], "text"].tolist(), valid["cfe"].tolist())
    assert np.allclose(pairs.max(-1), valid["p_new_class"], atol=1e-5)  # the verdict on (premise, CFE)
    rows = pd.read_json(paths.train_set(DATASET, 8, 0, "cod"), lines=True)
    cfes = rows[rows["is_cfe"]].set_index("pair_id")
    assert len(cfes) == len(valid)
    assert (cfes.loc[valid["idx"], "text"] == by_idx.loc[valid["idx"], "text"]).all()
    assert cfes.loc[valid["idx"], "text_pair"].tolist() == valid["cfe"].tolist()
