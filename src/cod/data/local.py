"""User datasets from local CSV / JSONL / parquet files with configurable columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cod import paths
from cod.data.corpus import Corpus, complete_splits, normalise_frame, require_columns
from cod.errors import DataError
from cod.fetch import sha256_file

# Rows with an empty text or a missing label are dropped (and counted in meta.json) while they are at
# most this share of a file; above it the file is refused with the row numbers, since it is then more
# likely a wrong column or a broken export than a few holes.
MAX_DROPPED_SHARE = 0.10
# How many row numbers an error message and meta.json list.
SHOWN_ROWS = 20

READERS = {
    # only an empty field is missing: a text such as "NA", "null" or "None" stays text
    "csv": lambda p: pd.read_csv(p, keep_default_na=False, na_values=[""]),
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
    except pd.errors.EmptyDataError:  # an empty file: no header, no rows
        return pd.DataFrame()
    except Exception as exc:  # a parser error of any reader becomes one readable message
        raise DataError(f"{where}: cannot read {path} as {fmt}: {exc}") from None


def require_rows(raw: pd.DataFrame, rel: str, where: str) -> None:
    """Refuse a file without data rows (empty, or a header only)."""
    if len(raw) == 0:
        raise DataError(
            f"{where}: {rel} has no data rows (a header only, or nothing); add labelled rows to it or name another "
            "file here"
        )


def blank(column: pd.Series) -> pd.Series:
    """True where a cell is missing (NaN / None) or only whitespace."""
    return column.isna() | column.astype(str).str.strip().eq("")


def row_numbers(mask: pd.Series) -> list[int]:
    """1-based numbers of the rows where ``mask`` is true (1 = first record after the header)."""
    return [int(i) + 1 for i in mask.to_numpy().nonzero()[0]]


def shown(numbers: list[int]) -> str:
    """The first SHOWN_ROWS row numbers as text, with how many more there are."""
    text = ", ".join(map(str, numbers[:SHOWN_ROWS]))
    return text + (f" and {len(numbers) - SHOWN_ROWS} more" if len(numbers) > SHOWN_ROWS else "")


def incomplete(raw: pd.DataFrame, text_columns: list[str], label_column: str) -> dict[str, pd.Series]:
    """Masks of the rows with an empty text (in any text column) and of those with a missing label."""
    empty_text = pd.concat([blank(raw[c]) for c in text_columns], axis=1).any(axis=1)
    return {"empty_text": empty_text, "missing_label": blank(raw[label_column])}


def drop_incomplete(
    raw: pd.DataFrame, text_columns: list[str], label_column: str, where: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Drop rows with an empty text or a missing label and count them; refuse a file with too many."""
    masks = incomplete(raw, text_columns, label_column)
    bad = masks["empty_text"] | masks["missing_label"]
    numbers = row_numbers(bad)
    record = {
        "rows_read": len(raw),
        "dropped": len(numbers),
        "empty_text": int(masks["empty_text"].sum()),
        "missing_label": int(masks["missing_label"].sum()),
        "row_numbers": numbers[:SHOWN_ROWS],
    }
    if len(numbers) > MAX_DROPPED_SHARE * len(raw):
        raise DataError(
            f"{where}: {len(numbers)} of {len(raw)} rows have an empty {' / '.join(text_columns)} or a missing "
            f"{label_column} (rows {shown(numbers)}; row 1 = first record after the header), more than "
            f"{MAX_DROPPED_SHARE:.0%} of the file, so it is refused rather than thinned: fill or remove those rows, "
            "or check text_column / label_column"
        )
    return raw.loc[~bad].reset_index(drop=True), record


def dropped_note(split: str, record: dict[str, Any]) -> str | None:
    """A one-line note for the prepare notebook when rows of ``split`` were dropped."""
    if not record["dropped"]:
        return None
    return (
        f"{split}: dropped {record['dropped']} of {record['rows_read']} rows ({record['empty_text']} with an empty "
        f"text, {record['missing_label']} with a missing label; rows {shown(record['row_numbers'])})"
    )


def unknown_labels(frames: dict[str, pd.DataFrame], known: dict[Any, int]) -> dict[Any, dict[str, int]]:
    """Labels not in ``known``, each with its row count per split."""
    out: dict[Any, dict[str, int]] = {}
    for split, df in frames.items():
        for value, count in df["label"].value_counts(sort=False).items():
            if value not in known:
                out.setdefault(value, {})[split] = int(count)
    return out


def encode_labels(
    frames: dict[str, pd.DataFrame], label_names: list[str] | None, where: str
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Map raw labels (names or integers) of all splits to 0..C-1 with one shared list of names."""
    values = sorted({v for df in frames.values() for v in df["label"].tolist()}, key=str)
    if label_names is not None:
        names = list(label_names)
        lookup = {name: i for i, name in enumerate(names)} | {i: i for i in range(len(names))}
        unknown = unknown_labels(frames, lookup)
        if unknown:
            listed = "; ".join(
                f"{value!r} ({', '.join(f'{n} in {split}' for split, n in splits.items())})"
                for value, splits in sorted(unknown.items(), key=lambda kv: str(kv[0]))
            )
            raise DataError(
                f"{where}.label_names: label(s) {listed} are not among the declared label_names {names} "
                f"(nor their indices 0..{len(names) - 1}); add them to label_names or remove those rows"
            )
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
    """Read ``files`` (train required), drop incomplete rows, normalise columns and labels, carve missing splits."""
    frames, digests, dropped = {}, {}, {}
    texts = [c for c in (text_column, text_pair_column) if c is not None]
    for split, rel in files.items():
        where = f"data.local.{name}.files.{split}"
        path = paths.root() / rel
        raw = read_table(path, format, where)
        require_rows(raw, rel, where)
        require_columns(raw, [*texts, label_column], where)
        raw, dropped[split] = drop_incomplete(raw, texts, label_column, where)
        frames[split] = normalise_frame(
            raw, text=text_column, label=label_column, text_pair=text_pair_column, where=where
        )
        digests[split] = {"path": rel, "sha256": sha256_file(path)}
    frames, names = encode_labels(frames, label_names, f"data.local.{name}")
    notes = [note for split, record in dropped.items() if (note := dropped_note(split, record))]
    notes += [
        f"{s} carved from train (data.split_seed={split_seed})" for s in ("validation", "test") if s not in frames
    ]
    splits = complete_splits(
        frames, validation_fraction=validation_fraction, test_fraction=test_fraction, seed=split_seed
    )
    return Corpus(name, names, splits, {"kind": "local", "files": digests}, notes, dropped)
