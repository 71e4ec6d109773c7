"""Shared fixtures: a throw-away repository root (COD_ROOT) with the project's params and dvc.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def copy_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``root`` a minimal repository root (params.yaml, dvc.yaml, notebooks) and point COD_ROOT at it."""
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "notebooks", root / "notebooks", dirs_exist_ok=True)
    monkeypatch.setenv("COD_ROOT", str(root))
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A minimal repository root in tmp_path holding copies of params.yaml, dvc.yaml and notebooks."""
    return copy_project(tmp_path, monkeypatch)


def write_params(root: Path, **sections: dict) -> dict:
    """Merge ``sections`` (section -> {key: value}) into root/params.yaml; returns the full mapping."""
    params = yaml.safe_load((root / "params.yaml").read_text())
    for section, values in sections.items():
        params.setdefault(section, {}).update(values)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return params


def project_section(name: str) -> dict:
    """Section ``name`` of the project's own params.yaml (a test's settings without a repo fixture)."""
    return yaml.safe_load((REPO / "params.yaml").read_text())[name]
