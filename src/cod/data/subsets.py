"""Few-shot draws: stratified, seeded, nested across k, with the CoD originals inside the clean set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cod import paths
from cod.data.budget import check_k_fits
from cod.data.corpus import load_meta, load_split

FILES = ("train.jsonl", "cod_originals.jsonl", "manifest.json")


@dataclass
class Subset:
    """One draw: the k-row clean set, the CoD originals (a prefix of it) and a manifest."""

    clean: pd.DataFrame
    cod_originals: pd.DataFrame
    manifest: dict[str, Any]


def few_shot_order(labels: np.ndarray, seed: int) -> np.ndarray:
    """Row indices in draw order: a seeded permutation of every class, interleaved class by class.

    Any prefix whose length is a multiple of the number of classes is exactly balanced, so the
    draw for a smaller k is a prefix of the draw for a larger k, and the CoD originals (the first
    k*(1-cfe_fraction) rows) are a subset of the clean set of the same k and seed.
    """
    rng = np.random.default_rng(seed)
    classes = sorted(np.unique(labels).tolist())
    perms = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    depth = min(len(p) for p in perms)
    return np.stack([p[:depth] for p in perms], axis=1).reshape(-1)


def _class_counts(frame: pd.DataFrame, label_names: list[str]) -> dict[str, int]:
    return {name: int((frame["label"] == i).sum()) for i, name in enumerate(label_names)}


def draw(
    train: pd.DataFrame,
    *,
    dataset: str,
    k: int,
    seed: int,
    cfe_fraction: float,
    label_names: list[str],
    source: dict[str, Any],
) -> Subset:
    """Draw the clean k-shot set and the CoD originals from a prepared training split."""
    check_k_fits(dataset, k, _class_counts(train, label_names), cfe_fraction)
    order = few_shot_order(train["label"].to_numpy(), seed)
    n_orig = round(k * (1 - cfe_fraction))
    clean_idx, orig_idx = order[:k], order[:n_orig]
    clean = train.iloc[clean_idx].assign(idx=clean_idx).reset_index(drop=True)
    originals = train.iloc[orig_idx].assign(idx=orig_idx).reset_index(drop=True)
    manifest = {
        "dataset": dataset,
        "k": k,
        "seed": seed,
        "cfe_fraction": cfe_fraction,
        "label_names": label_names,
        "source": source,
        "clean": {"indices": clean_idx.tolist(), "class_counts": _class_counts(clean, label_names)},
        "cod_originals": {
            "indices": orig_idx.tolist(),
            "class_counts": _class_counts(originals, label_names),
        },
        "cod_budget": {"originals": n_orig, "cfes": k - n_orig},
        "order": "per-class seeded permutation, interleaved by class; draws for smaller k are prefixes",
    }
    return Subset(clean, originals, manifest)


def make(dataset: str, k: int, seed: int, cfe_fraction: float) -> Subset:
    """Draw from the prepared dataset and write the subset files; returns the subset."""
    meta = load_meta(dataset)
    train = load_split(dataset, "train")
    source = {
        "file": paths.prepared_split(dataset, "train").relative_to(paths.root()).as_posix(),
        "sha256": meta["splits"]["train"]["sha256"],
    }
    subset = draw(
        train,
        dataset=dataset,
        k=k,
        seed=seed,
        cfe_fraction=cfe_fraction,
        label_names=meta["label_names"],
        source=source,
    )
    write(subset)
    return subset


def make_all(dataset: str, ks: list[int], seeds: list[int], cfe_fraction: float) -> list[Subset]:
    """Every draw of a dataset (one per seed and k), written under data/subsets/clean/<dataset>/seed<s>/k<k>."""
    return [make(dataset, k, seed, cfe_fraction) for seed in seeds for k in sorted(ks)]


def _columns(frame: pd.DataFrame) -> list[str]:
    return ["idx", *[c for c in ("text", "text_pair") if c in frame.columns], "label"]


def write(subset: Subset) -> None:
    """Write train.jsonl (the clean set), cod_originals.jsonl and manifest.json (deterministic bytes)."""
    m = subset.manifest
    outdir = paths.subset_dir(m["dataset"], m["k"], m["seed"])
    outdir.mkdir(parents=True, exist_ok=True)
    for name, frame in (("train.jsonl", subset.clean), ("cod_originals.jsonl", subset.cod_originals)):
        records = frame[_columns(frame)].to_dict(orient="records")
        (outdir / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    (outdir / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")


def load_subset(dataset: str, k: int, seed: int, part: str = "train") -> pd.DataFrame:
    """Read a written part of a clean draw: ``train`` (the clean set) or ``cod_originals``."""
    return pd.read_json(paths.subset_file(dataset, k, seed, f"{part}.jsonl"), lines=True)


def load_manifest(dataset: str, k: int, seed: int) -> dict[str, Any]:
    """Read a subset's manifest."""
    return json.loads(paths.subset_file(dataset, k, seed, "manifest.json").read_text())
