"""The references stage: chance, lexicon and linear-probe levels of one dataset on the students' evaluation splits."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cod import config, paths, tracking
from cod.config import DistillConfig
from cod.data.corpus import load_meta, load_split
from cod.data.subsets import load_subset
from cod.references import embed, probe
from cod.references.chance import chance_level
from cod.references.lexicon_classifier import lexicon_level
from cod.references.schema import ACCURACY_UNIT, PROBE_COLUMNS, accuracy_key, tie_key
from cod.training.device import device

EVAL_SPLITS = ("validation", "test")
SMOKE_ROWS_PER_CLASS = 16  # smoke=True: the first rows of each class per evaluation split, the first seed and k


@dataclass
class References:
    """What the stage wrote (levels.json's mapping, probe.csv's rows) and its seconds (kept out of both)."""

    levels: dict[str, Any]
    probe: pd.DataFrame
    timings: dict[str, float]


def evaluation_splits(dataset: str, smoke: bool) -> dict[str, pd.DataFrame]:
    """The prepared validation and test splits the students are scored on (smoke: a few rows of each class)."""
    splits = {split: load_split(dataset, split) for split in EVAL_SPLITS}
    if smoke:
        splits = {
            split: frame.groupby("label", sort=True).head(SMOKE_ROWS_PER_CLASS).reset_index(drop=True)
            for split, frame in splits.items()
        }
    return splits


def grid_cells(ks: list[int], seeds: list[int], smoke: bool) -> list[tuple[int, int]]:
    """The (k, seed) pairs probed: the whole grid (smoke: the smallest k and the first seed)."""
    ks, seeds = sorted(ks), list(seeds)
    if smoke:
        ks, seeds = ks[:1], seeds[:1]
    return [(k, seed) for k in ks for seed in seeds]


def distinct_rows(subsets: list[pd.DataFrame]) -> pd.DataFrame:
    """Every training row that some k-shot set holds, once (by its training-split index ``idx``)."""
    return pd.concat(subsets, ignore_index=True).drop_duplicates("idx").sort_values("idx").reset_index(drop=True)


def run_probe(
    dataset: str,
    cells: list[tuple[int, int]],
    evals: dict[str, pd.DataFrame],
    label_names: list[str],
    cfg: DistillConfig,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, float]]:
    """probe.csv's rows, the probe's levels.json entry and its seconds: each distinct text embedded once (the
    evaluation splits once, the training rows once by ``idx``), reading distill.{student, student_layers,
    max_length, eval_batch_size} only."""
    started = time.perf_counter()
    where = device()
    model, tokenizer = embed.load_encoder(cfg.student, cfg.student_layers, label_names, where)
    loaded = time.perf_counter()
    subsets = {cell: load_subset(dataset, *cell) for cell in cells}
    train = distinct_rows(list(subsets.values()))
    options = {"max_length": cfg.max_length, "batch_size": cfg.eval_batch_size, "device": where}
    train_x = embed.embed(model, tokenizer, train, **options)
    by_idx = dict(zip(train["idx"].astype(int), train_x, strict=True))
    scored = {split: (embed.embed(model, tokenizer, f, **options), f["label"].to_numpy()) for split, f in evals.items()}
    embedded = time.perf_counter()
    rows = [
        probe.probe_row(dataset, k, seed, probe.train_features(subsets[(k, seed)], by_idx), scored) for k, seed in cells
    ]
    table = pd.DataFrame(rows, columns=list(PROBE_COLUMNS))
    entry = {
        "encoder": cfg.student,
        "layers": cfg.student_layers,
        "max_length": cfg.max_length,
        "pooling": embed.POOLING,
        "classifier": probe.CLASSIFIER,
        "rows_file": paths.references_probe(dataset).name,
        "train_rows_embedded": len(train),
        "by_k": probe.summary_by_k(table),
    }
    seconds = {
        "probe_load_seconds": loaded - started,
        "probe_embed_seconds": embedded - loaded,
        "probe_fit_seconds": time.perf_counter() - embedded,
    }
    return table, entry, seconds


def run_references(dataset: str, *, smoke: bool = False) -> References:
    """Compute and write results/references/<dataset>/{levels.json, probe.csv}; seconds to results/timings."""
    started = time.perf_counter()
    grid = config.load("grid", dataset=dataset)  # grid.k and grid.seeds only
    cfg = config.load("distill", dataset=dataset)
    meta = load_meta(dataset)
    names, fields = meta["label_names"], meta["text_fields"]
    evals = evaluation_splits(dataset, smoke)
    chance = chance_level(load_split(dataset, "train"), evals, names)
    t0 = time.perf_counter()
    lexicon = lexicon_level(evals, names, fields)
    lexicon_seconds = time.perf_counter() - t0
    table, probe_entry, probe_seconds = run_probe(dataset, grid_cells(grid.k, grid.seeds, smoke), evals, names, cfg)
    levels = {
        "dataset": dataset,
        "label_names": names,
        "smoke": smoke,
        "accuracy_unit": ACCURACY_UNIT,
        "eval_rows": {split: len(frame) for split, frame in evals.items()},
        "chance": chance,
        "lexicon": lexicon,
        "probe": probe_entry,
    }
    out = paths.references_dir(dataset)
    out.mkdir(parents=True, exist_ok=True)
    paths.references_levels(dataset).write_text(json.dumps(levels, indent=2) + "\n")
    table.to_csv(paths.references_probe(dataset), index=False)
    timings = {"lexicon_seconds": lexicon_seconds, **probe_seconds, "total_seconds": time.perf_counter() - started}
    tracking.write_timings(out, timings)
    return References(levels, table, timings)


def levels_table(levels: dict[str, Any]) -> pd.DataFrame:
    """levels.json as one row per level (per k for the probe: mean and sample std over seeds), in %, for display."""
    val, test = accuracy_key("validation"), accuracy_key("test")

    def pct(value: float | None) -> float | None:
        return None if value is None else 100.0 * value

    lexicon = levels["lexicon"]
    rows = [
        {"level": "chance", "val %": pct(levels["chance"][val]), "test %": pct(levels["chance"][test])},
        {
            "level": "lexicon",
            "val %": pct(lexicon[val]),
            "test %": pct(lexicon[test]),
            "test ties %": pct(lexicon[tie_key("test")]),
            "note": lexicon["reason"] or "",
        },
    ]
    for entry in levels["probe"]["by_k"]:
        rows.append(
            {
                "level": "probe",
                "k": entry["k"],
                "n": entry["n"],
                "val %": pct(entry[f"{val}_mean"]),
                "test %": pct(entry[f"{test}_mean"]),
                "test std %": pct(entry[f"{test}_std"]),
            }
        )
    columns = ["level", "k", "n", "val %", "test %", "test std %", "test ties %", "note"]
    return pd.DataFrame(rows, columns=columns).astype({"k": "Int64", "n": "Int64"}).fillna({"note": ""})
