"""User datasets from local CSV / JSONL / parquet files with configurable columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cod import paths
from cod.data.corpus import Corpus, complete_splits, normalise_frame, sha256_file
from cod.errors import DataError

READERS = {
    "csv": pd.read_csv,
    "jsonl": lambda p: pd.read_json(p, lines=True),
    "parquet": pd.read_parquet,
}
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: Path, fmt: str | None, where: str) -> pd.DataFrame:
    """Read one file; the format comes from ``fmt`` or the file suffix."""
    fmt = fmt or SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"{where}: cannot tell the format of {path.name}; set format: csv | jsonl | parquet")
    if not path.is_file():
        raise DataError(f"{where}: file {path} not found (paths are relative to the repository root)")
    try:
        return READERS[fmt](path)
    except Exception as exc:  # a parser error of any reader becomes one readable message
        raise DataError(f"{where}: cannot read {path} as {fmt}: {exc}") from None


def encode_labels(
    frames: dict[str, pd.DataFrame], label_names: list[str] | None, where: str
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Map raw labels (names or integers) of all splits to 0..C-1 with one shared list of names."""
    values = sorted({v for df in frames.values() for v in df["label"].tolist()}, key=str)
    if label_names is not None:
        names = list(label_names)
        lookup = {name: i for i, name in enumerate(names)} | {i: i for i in range(len(names))}
        unknown = [v for v in values if v not in lookup]
        if unknown:
            raise DataError(f"{where}: labels {unknown[:5]} are neither in label_names {names} nor 0..{len(names) - 1}")
    else:
        if all(isinstance(v, int | float) and float(v).is_integer() for v in values):
            values = sorted(int(v) for v in values)
        names = [str(v) for v in values]
        lookup = {v: i for i, v in enumerate(values)}
    out = {split: df.assign(label=[lookup[v] for v in df["label"].tolist()]) for split, df in frames.items()}
    return out, names


def load_local(
    name: str,
    *,
    files: dict[str, str],
    text_column: str,
    label_column: str,
    text_pair_column: str | None,
    label_names: list[str] | None,
    format: str | None,
    split_seed: int,
    validation_fraction: float,
    test_fraction: float,
) -> Corpus:
    """Read ``files`` (train required), normalise columns and labels, carve missing splits."""
    frames, digests = {}, {}
    for split, rel in files.items():
        where = f"data.local.{name}.files.{split}"
        path = paths.root() / rel
        raw = read_table(path, format, where)
        frames[split] = normalise_frame(
            raw, text=text_column, label=label_column, text_pair=text_pair_column, where=where
        )
        digests[split] = {"path": rel, "sha256": sha256_file(path)}
    frames, names = encode_labels(frames, label_names, f"data.local.{name}")
    notes = [f"{s} carved from train (data.split_seed={split_seed})" for s in ("validation", "test") if s not in frames]
    splits = complete_splits(
        frames, validation_fraction=validation_fraction, test_fraction=test_fraction, seed=split_seed
    )
    return Corpus(name, names, splits, {"kind": "local", "files": digests}, notes)
