"""Named params profiles (profiles/NAME.yaml): validate one and make it the pipeline's params.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

from cod import config, paths
from cod.errors import ConfigError


def profile_file(name: str) -> Path:
    """profiles/<name>.yaml, or a clear error listing the profiles there are."""
    folder = paths.root() / "profiles"
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ConfigError(f"no profile {name!r} (profiles/{name}.yaml); known profiles: {known}")
    return path


def use(name: str) -> str:
    """Validate profiles/<name>.yaml and copy it over params.yaml; returns what was done."""
    source = profile_file(name)
    params = config.load_params(source)
    shutil.copyfile(source, paths.params_file())
    g = params.grid
    runs = len(g.datasets) * len(g.k) * len(g.seeds) * len(g.methods) * len(g.data_modes)
    return (
        f"params.yaml <- profiles/{name}.yaml "
        f"({len(g.datasets)} datasets, k={g.k}, {len(g.seeds)} seeds, {runs} runs); "
        "`dvc repro --dry --force` lists the stages, `git checkout params.yaml` restores the default"
    )
