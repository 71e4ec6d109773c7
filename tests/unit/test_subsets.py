"""Few-shot draws: deterministic, stratified, nested across k, CoD originals inside the clean set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cod.data import subsets
from cod.errors import ConfigError

LABELS = ["negative", "positive"]


def train_frame(n_neg: int = 300, n_pos: int = 200) -> pd.DataFrame:
    labels = [0] * n_neg + [1] * n_pos
    rng = np.random.default_rng(123)
    rng.shuffle(labels)
    return pd.DataFrame({"text": [f"sentence {i}" for i in range(len(labels))], "label": labels})


def draw(k: int, seed: int, frame: pd.DataFrame | None = None, cfe_fraction: float = 0.5):
    frame = train_frame() if frame is None else frame
    return subsets.draw(
        frame,
        dataset="toy",
        k=k,
        seed=seed,
        cfe_fraction=cfe_fraction,
        label_names=LABELS,
        source={"sha256": "x"},
    )


@pytest.mark.parametrize("k", [8, 16, 32, 64, 128, 256])
def test_clean_is_stratified_and_cod_takes_k_over_4_per_class(k):
    s = draw(k, seed=0)
    assert len(s.clean) == k
    assert s.clean["label"].value_counts().to_dict() == {0: k // 2, 1: k // 2}
    assert s.cod_originals["label"].value_counts().to_dict() == {0: k // 4, 1: k // 4}
    assert s.manifest["cod_budget"] == {"originals": k // 2, "cfes": k // 2}
    assert s.clean["idx"].is_unique


def test_same_seed_same_draw_and_other_seed_other_draw():
    a, b, c = draw(32, 0), draw(32, 0), draw(32, 1)
    assert a.manifest == b.manifest
    pd.testing.assert_frame_equal(a.clean, b.clean)
    assert a.manifest["clean"]["indices"] != c.manifest["clean"]["indices"]


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_cod_originals_are_a_strict_subset_of_clean(seed):
    for k in (8, 64, 512):
        s = draw(k, seed, train_frame(600, 600))
        orig, clean = set(s.cod_originals["idx"]), set(s.clean["idx"])
        assert orig < clean
        assert s.manifest["cod_originals"]["indices"] == s.manifest["clean"]["indices"][: k // 2]


def test_smaller_k_is_a_prefix_of_larger_k():
    ks = [8, 16, 32, 64, 128, 256]
    draws = {k: draw(k, seed=3).manifest["clean"]["indices"] for k in ks}
    for small, large in zip(ks, ks[1:], strict=False):
        assert draws[large][:small] == draws[small]


def test_rows_are_the_training_rows_they_claim():
    frame = train_frame()
    s = draw(16, 0, frame)
    for _, row in s.clean.iterrows():
        assert frame.loc[row["idx"], "text"] == row["text"]
        assert frame.loc[row["idx"], "label"] == row["label"]


def test_k_larger_than_smallest_class_is_refused():
    with pytest.raises(ConfigError, match=r"k=512 needs k/2=256 examples per class.*only 200.*k <= 400"):
        draw(512, 0)


def test_other_cfe_fraction():
    s = draw(16, 0, cfe_fraction=0.25)
    assert len(s.cod_originals) == 12 and set(s.cod_originals["idx"]) < set(s.clean["idx"])


def test_make_writes_files_and_manifest(repo):
    from cod import paths
    from cod.data.corpus import Corpus, save

    frame = train_frame(40, 40)
    splits = {"train": frame, "validation": frame.head(10), "test": frame.tail(10)}
    save(Corpus("rt_sentences", LABELS, splits, {"kind": "test"}))
    s = subsets.make("rt_sentences", 8, 2, 0.5)
    files = sorted(p.name for p in paths.subset_dir("rt_sentences", 8, 2).iterdir())
    assert files == sorted(subsets.FILES)
    m = subsets.load_manifest("rt_sentences", 8, 2)
    assert m["source"]["file"] == "data/prepared/rt_sentences/train.parquet"
    assert len(m["source"]["sha256"]) == 64
    assert m == s.manifest
    back = subsets.load_subset("rt_sentences", 8, 2)
    assert back["idx"].tolist() == m["clean"]["indices"]
    assert back.columns.tolist() == ["idx", "text", "label"]
    first = paths.subset_file("rt_sentences", 8, 2, "train.jsonl").read_bytes()
    subsets.make("rt_sentences", 8, 2, 0.5)
    assert paths.subset_file("rt_sentences", 8, 2, "train.jsonl").read_bytes() == first
