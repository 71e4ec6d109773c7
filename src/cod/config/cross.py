"""Rules between sections of params.yaml: every problem found at once, those of the grid against the data first.

Each rule names the sections it reads and returns its problems, one line each. A rule runs when all its
sections are valid on their own, so one round of ``cod check`` lists every problem it can see: the grid's
(unknown dataset, a k the data cannot fill), then pairings of settings, then the tune stage's references into
the grid, which are often fixed by fixing the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pydantic import BaseModel

from cod.config.checks import check_cfe_labels
from cod.config.distill import DistillConfig, TuneConfig
from cod.config.messages import unknown_dataset
from cod.config.params import check_cfe_kinds
from cod.config.sections import CounterfactualsConfig, DataConfig, GridConfig, SubsetConfig
from cod.data import budget, registry
from cod.errors import ConfigError


def _known(data: DataConfig) -> set[str]:
    """The dataset names params.yaml may use: built-in ones and those defined under data.local."""
    return set(registry.BUILTIN) | set(data.local)


def unknown_datasets(grid: GridConfig, data: DataConfig) -> list[str]:
    """grid.datasets that are neither built in nor defined under data.local."""
    known = _known(data)
    return [f"grid.datasets: {unknown_dataset(name, known)}" for name in grid.datasets if name not in known]


def _real_examples(k: int, subset: SubsetConfig) -> float:
    """How many real examples (the originals of its CFEs) the CoD arm of a k budget trains on."""
    return k * (1 - subset.cfe_fraction)


def _whole(k: int, subset: SubsetConfig) -> bool:
    """Whether a k budget leaves the CoD arm a positive whole number of real examples."""
    n = _real_examples(k, subset)
    return abs(n - round(n)) <= 1e-9 and round(n) >= 1


def fractional_originals(grid: GridConfig, subset: SubsetConfig) -> list[str]:
    """grid.k values whose CoD arm would get a fractional (or no) number of real examples."""
    return [
        f"grid.k / subset.cfe_fraction: k={k} with cfe_fraction={subset.cfe_fraction} gives "
        f"{_real_examples(k, subset):g} real examples for CoD; choose k and cfe_fraction so that "
        "k*(1-cfe_fraction) is a positive whole number"
        for k in grid.k
        if not _whole(k, subset)
    ]


def k_fit_problems(dataset: str, ks: Iterable[int], data: DataConfig, subset: SubsetConfig, where: str) -> list[str]:
    """The ks that ``dataset``'s training split cannot fill (when its class sizes are known), prefixed by ``where``."""
    found = []
    for k in ks:
        try:
            budget.check_ks_fit(dataset, [k], data.validation_fraction, data.test_fraction, subset.cfe_fraction)
        except ConfigError as exc:
            found.append(f"{where}: {exc}")
    return found


def ks_too_large(grid: GridConfig, data: DataConfig, subset: SubsetConfig, tune: TuneConfig) -> list[str]:
    """The grid's and the tune stage's k values that a known dataset cannot fill (or split over its classes)."""
    known = _known(data)
    asked = {"grid.k": [k for k in grid.k if _whole(k, subset)]}
    asked["tune.k"] = [k for k in tune.k or [] if k not in grid.k]
    return [
        problem
        for name in grid.datasets
        if name in known
        for where, ks in asked.items()
        for problem in k_fit_problems(name, ks, data, subset, where)
    ]


def cfe_pairings(grid: GridConfig, counterfactuals: CounterfactualsConfig, distill: DistillConfig) -> list[str]:
    """A CFE set and label that do not belong together, and ablation modes that repeat the cod arm."""
    found = []
    for check in (
        lambda: check_cfe_labels(counterfactuals.keep, distill.cfe_label),
        lambda: check_cfe_kinds(grid.data_modes, counterfactuals, distill.cfe_label),
    ):
        try:
            check()
        except ValueError as exc:
            found.append(str(exc))
    return found


def tune_seeds_overlap(grid: GridConfig, tune: TuneConfig) -> list[str]:
    """tune.seeds that the grid uses too (tuning must use draws the results never use)."""
    overlap = sorted(set(tune.seeds) & set(grid.seeds))
    if not overlap:
        return []
    return [
        f"tune.seeds: {overlap} are also grid.seeds; tuning must use draws the results never use "
        "(e.g. tune.seeds: [1000, 1001, 1002])"
    ]


def sensitivity_refs(grid: GridConfig, tune: TuneConfig) -> list[str]:
    """tune.sensitivity_seeds and tune.sensitivity_k set to values outside the grid they are taken from (null ones
    follow the grid)."""
    tune = tune.following(grid)
    found = []
    if tune.sensitivity_seeds > len(grid.seeds):
        found.append(
            f"tune.sensitivity_seeds: {tune.sensitivity_seeds} is more than the {len(grid.seeds)} grid.seeds it is "
            f"taken from; set it to at most {len(grid.seeds)}"
        )
    missing = sorted(set(tune.sensitivity_k) - set(grid.k))
    if missing:
        found.append(f"tune.sensitivity_k: {missing} are not in grid.k {grid.k}; pick k from grid.k")
    return found


# The rules in reporting order, primary first: (sections read, rule).
RULES: tuple[tuple[tuple[str, ...], Callable[..., list[str]]], ...] = (
    (("grid", "data"), unknown_datasets),
    (("grid", "subset"), fractional_originals),
    (("grid", "data", "subset", "tune"), ks_too_large),
    (("grid", "counterfactuals", "distill"), cfe_pairings),
    (("grid", "tune"), tune_seeds_overlap),
    (("grid", "tune"), sensitivity_refs),
)


def problems(valid: Mapping[str, BaseModel]) -> list[str]:
    """Every problem between the ``valid`` sections (name → validated section), primary ones first."""
    return [
        problem
        for needs, rule in RULES
        if all(name in valid for name in needs)
        for problem in rule(*(valid[name] for name in needs))
    ]
