"""Reading params.yaml: validate it whole, check a stage's grid scalars, hand each stage its typed section."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload

import yaml
from pydantic import BaseModel, ValidationError

from cod import method_registry, paths
from cod.config import cross, messages, sections
from cod.config.checks import check_choice, check_k, check_seed
from cod.config.distill import DistillConfig, TuneConfig
from cod.config.messages import unknown_dataset
from cod.config.params import Params, Section, SectionName
from cod.data import registry
from cod.errors import ConfigError

if TYPE_CHECKING:
    from typing import Unpack  # Python 3.11; only type checkers read it


class StageScalars(TypedDict, total=False):
    """A stage's grid scalars (each checked when given) and the params file to read (default params.yaml)."""

    dataset: str | None
    k: int | None
    seed: int | None
    method: str | None
    mode: str | None
    path: Path | None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, turning syntax errors into one readable message."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; run from the repository root or set COD_ROOT") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {messages.yaml_problem(exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must be a mapping of sections (grid, data, subset, ...)")
    return raw


def valid_sections(raw: dict[str, Any], failed: set[str]) -> dict[str, BaseModel]:
    """The sections of ``raw`` that validate on their own (all but ``failed``; a missing optional one: its default)."""
    out: dict[str, BaseModel] = {}
    for name, field in Params.model_fields.items():
        if name in failed:
            continue
        if name in raw:
            out[name] = field.annotation.model_validate(raw[name])
        else:
            out[name] = field.get_default(call_default_factory=True)
    return out


def load_params(path: Path | None = None, raw: dict[str, Any] | None = None) -> Params:
    """Validate the whole params.yaml (or an already-read mapping) and return it typed; else list every problem."""
    path = path or paths.params_file()
    raw = read_yaml(path) if raw is None else raw
    try:
        params: Params | None = Params.model_validate(raw)
        found: list[str] = []
        valid = dict(params)
    except ValidationError as exc:
        params, found = None, messages.problems(exc, Params)
        valid = valid_sections(raw, {str(e["loc"][0]) for e in exc.errors() if e["loc"]})
    found += cross.problems(valid)
    if found or params is None:
        raise ConfigError(messages.report(path.name, found))
    return params.model_copy(update={"tune": params.tune.following(params.grid)})  # null tune keys follow the grid


@overload
def load(section: Literal["grid"], **scalars: Unpack[StageScalars]) -> sections.GridConfig: ...
@overload
def load(section: Literal["data"], **scalars: Unpack[StageScalars]) -> sections.DataConfig: ...
@overload
def load(section: Literal["subset"], **scalars: Unpack[StageScalars]) -> sections.SubsetConfig: ...
@overload
def load(section: Literal["teacher"], **scalars: Unpack[StageScalars]) -> sections.TeacherConfig: ...
@overload
def load(section: Literal["counterfactuals"], **scalars: Unpack[StageScalars]) -> sections.CounterfactualsConfig: ...
@overload
def load(section: Literal["distill"], **scalars: Unpack[StageScalars]) -> DistillConfig: ...
@overload
def load(section: Literal["tune"], **scalars: Unpack[StageScalars]) -> TuneConfig: ...
@overload
def load(section: Literal["report"], **scalars: Unpack[StageScalars]) -> sections.ReportConfig: ...
@overload
def load(section: Literal["synthetic"], **scalars: Unpack[StageScalars]) -> sections.SyntheticConfig: ...
@overload
def load(section: Literal["explanations"], **scalars: Unpack[StageScalars]) -> sections.ExplanationsConfig: ...
def load(
    section: SectionName,
    *,
    dataset: str | None = None,
    k: int | None = None,
    seed: int | None = None,
    method: str | None = None,
    mode: str | None = None,
    path: Path | None = None,
) -> Section:
    """Validate params.yaml plus a stage's grid scalars; return the section that stage reads."""
    params = load_params(path)
    known = set(registry.BUILTIN) | set(params.data.local)
    try:
        if dataset is not None and dataset not in known:
            raise ValueError(unknown_dataset(dataset, known))
        if k is not None:
            check_k(k)
        if seed is not None:
            check_seed(seed)
        if method is not None:
            check_choice(method, method_registry.method_names(), "method")
        if mode is not None:
            check_choice(mode, sections.data_modes(), "data mode")
    except ValueError as exc:
        raise ConfigError(f"notebook parameter: {exc}") from None
    given = dataset is not None and k is not None
    misfits = cross.k_fit_problems(dataset, [k], params.data, params.subset, "notebook parameter") if given else []
    if misfits:
        raise ConfigError(misfits[0])
    return getattr(params, section)
