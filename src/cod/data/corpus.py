"""The normalised form every data source is turned into, and its on-disk layout."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cod import paths
from cod.data.splits import carve
from cod.errors import DataError
from cod.fetch import sha256_file

SPLITS = paths.PREPARED_SPLITS


@dataclass
class Corpus:
    """A labelled text (or text-pair) classification dataset with train/validation/test splits.

    Every split is a DataFrame with columns ``text``, optionally ``text_pair``, and integer ``label``
    in ``range(len(label_names))``.
    """

    name: str
    label_names: list[str]
    splits: dict[str, pd.DataFrame]
    source: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    # Local files only: per split, rows read and rows dropped for an empty text or a missing label.
    dropped: dict[str, dict[str, Any]] | None = None

    @property
    def text_fields(self) -> list[str]:
        """``["text"]`` or ``["text", "text_pair"]``."""
        return [c for c in ("text", "text_pair") if c in self.splits["train"].columns]

    def class_counts(self) -> dict[str, dict[str, int]]:
        """Rows per class name, per split."""
        return {
            split: {name: int((df["label"] == i).sum()) for i, name in enumerate(self.label_names)}
            for split, df in self.splits.items()
        }


def require_columns(df: pd.DataFrame, wanted: list[str], where: str) -> None:
    """Refuse a frame that lacks any of the ``wanted`` columns, listing the ones it has."""
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise DataError(
            f"{where}: column(s) {missing} not found; available columns: {list(df.columns)}. "
            "Set text_column / text_pair_column / label_column to match the file."
        )


def normalise_frame(
    df: pd.DataFrame,
    *,
    text: str,
    label: str,
    text_pair: str | None = None,
    where: str = "data",
) -> pd.DataFrame:
    """Select and rename the text/label columns; strip whitespace; refuse missing columns."""
    require_columns(df, [c for c in (text, text_pair, label) if c is not None], where)
    out = pd.DataFrame({"text": df[text].astype(str).str.strip()})
    if text_pair is not None:
        out["text_pair"] = df[text_pair].astype(str).str.strip()
    out["label"] = df[label].to_numpy()
    return out.reset_index(drop=True)


def complete_splits(
    splits: dict[str, pd.DataFrame], *, validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, pd.DataFrame]:
    """Carve whatever of validation/test is missing out of train (stratified, seeded); splits in SPLITS order."""
    need_val = "validation" not in splits
    need_test = "test" not in splits
    if not (need_val or need_test):
        return dict(splits)
    carved = carve(
        splits["train"],
        validation_fraction=validation_fraction if need_val else None,
        test_fraction=test_fraction if need_test else None,
        seed=seed,
    )
    merged = {**splits, **carved}
    return {split: merged[split] for split in sorted(merged, key=SPLITS.index)}


def check(corpus: Corpus) -> None:
    """Refuse a corpus the pipeline cannot use: missing split, empty text, unknown label, absent class."""
    n = len(corpus.label_names)
    if n < 2:
        raise DataError(f"{corpus.name}: needs at least two classes, found {corpus.label_names}")
    for split in SPLITS:
        if split not in corpus.splits:
            raise DataError(f"{corpus.name}: split {split!r} is missing")
        df = corpus.splits[split]
        if df.empty:
            raise DataError(f"{corpus.name}: split {split!r} is empty (check the filters)")
        bad = ~df["label"].isin(range(n))
        if bad.any():
            raise DataError(
                f"{corpus.name}/{split}: labels {sorted(set(df.loc[bad, 'label']))[:5]} are not in "
                f"0..{n - 1} ({corpus.label_names})"
            )
        if (df["text"].str.len() == 0).any():
            raise DataError(f"{corpus.name}/{split}: {int((df['text'].str.len() == 0).sum())} empty texts")
    absent = [name for name, c in corpus.class_counts()["train"].items() if c == 0]
    if absent:
        raise DataError(f"{corpus.name}: class(es) {absent} have no training rows")


def overlap(corpus: Corpus, a: str, b: str) -> int:
    """How many texts of split ``b`` also occur in split ``a`` (leakage indicator)."""
    fields = corpus.text_fields
    keys_a = set(map(tuple, corpus.splits[a][fields].to_numpy().tolist()))
    return sum(tuple(r) in keys_a for r in corpus.splits[b][fields].to_numpy().tolist())


def cap_per_class(corpus: Corpus, rows_per_class: int) -> Corpus:
    """A smoke-sized copy: the first ``rows_per_class`` rows of every class in every split."""
    splits = {
        split: df.groupby("label", sort=True, group_keys=False).head(rows_per_class).reset_index(drop=True)
        for split, df in corpus.splits.items()
    }
    note = f"smoke: capped at {rows_per_class} rows per class and split"
    return Corpus(corpus.name, corpus.label_names, splits, corpus.source, [*corpus.notes, note], corpus.dropped)


EVAL_CAP_NOTE = "data.max_eval_rows"  # how a capped corpus's note begins (the report finds it by this)


def cap_eval_rows(corpus: Corpus, max_rows: int, seed: int) -> Corpus:
    """A copy whose validation and test splits keep at most ``max_rows`` rows each, drawn at random with ``seed``
    per class in proportion to its share (training rows untouched): quick evaluations on a CPU, or in tests."""
    splits = dict(corpus.splits)
    capped = []
    for split in ("validation", "test"):
        df = splits.get(split)
        if df is None or len(df) <= max_rows:
            continue
        sample = df.groupby("label", sort=True).sample(frac=max_rows / len(df), random_state=seed)
        splits[split] = sample.sort_index().reset_index(drop=True)
        capped.append(f"{split} {len(df)} -> {len(splits[split])}")
    if not capped:
        return corpus
    note = f"{EVAL_CAP_NOTE}={max_rows}: evaluation splits sampled per class ({', '.join(capped)} rows)"
    return Corpus(corpus.name, corpus.label_names, splits, corpus.source, [*corpus.notes, note], corpus.dropped)


def summary(corpus: Corpus) -> pd.DataFrame:
    """Rows per class and mean text length (characters) for every split, for display."""
    rows = []
    for split, df in corpus.splits.items():
        row = {"split": split, "rows": len(df)}
        row |= {name: int((df["label"] == i).sum()) for i, name in enumerate(corpus.label_names)}
        row["mean_chars"] = round(float(df["text"].str.len().mean()), 1)
        rows.append(row)
    return pd.DataFrame(rows).set_index("split")


def dropped_summary(corpus: Corpus) -> pd.DataFrame:
    """Rows read and dropped (empty text / missing label) per local file, for display; empty otherwise."""
    columns = ["rows_read", "dropped", "empty_text", "missing_label"]
    rows = [{"split": split, **{c: rec[c] for c in columns}} for split, rec in (corpus.dropped or {}).items()]
    return pd.DataFrame(rows, columns=["split", *columns]).set_index("split")


def save(corpus: Corpus, outdir: Path | None = None) -> dict[str, Any]:
    """Write the splits as parquet plus ``meta.json``; returns the meta."""
    check(corpus)
    outdir = outdir or paths.prepared_dir(corpus.name)
    outdir.mkdir(parents=True, exist_ok=True)
    files = {}
    for split in SPLITS:
        target = outdir / f"{split}.parquet"
        corpus.splits[split].to_parquet(target, index=False)
        files[split] = {"rows": len(corpus.splits[split]), "sha256": sha256_file(target)}
    meta = {
        "dataset": corpus.name,
        "label_names": corpus.label_names,
        "text_fields": corpus.text_fields,
        "splits": files,
        "class_counts": corpus.class_counts(),
        "overlap": {
            "validation_in_train": overlap(corpus, "train", "validation"),
            "test_in_train": overlap(corpus, "train", "test"),
        },
        "source": corpus.source,
        "notes": corpus.notes,
    }
    if corpus.dropped is not None:
        meta["dropped_rows"] = corpus.dropped
    (outdir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def load_meta(dataset: str) -> dict[str, Any]:
    """The meta.json of a prepared dataset; a clear error when prepare has not run."""
    path = paths.prepared_meta(dataset)
    if not path.is_file():
        raise DataError(f"{dataset} is not prepared ({path} missing); run `dvc repro prepare@{dataset}` first")
    return json.loads(path.read_text())


def load_split(dataset: str, split: str) -> pd.DataFrame:
    """One prepared split as a DataFrame (text[, text_pair], label)."""
    load_meta(dataset)
    return pd.read_parquet(paths.prepared_split(dataset, split))
