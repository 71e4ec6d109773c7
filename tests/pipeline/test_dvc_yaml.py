"""dvc.yaml agrees with the code: params sections, notebook deps, output paths, matrix axes."""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from cod import config, nb, paths
from cod.method_registry import BASELINE, METHODS
from tests.conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
STAGES = DVC["stages"]
SAMPLE = {"dataset": "rt_sentences", "k": 8, "seed": 0, "method": "kd", "mode": "clean"}

# Which params.yaml sections (or keys of them) each pipeline stage reads; dvc.yaml's `params:` must list exactly these.
# The distill keys every method reads; each method also reads its own section distill.<method>.
DISTILL_SHARED = tuple(f"distill.{key}" for key in config.DistillConfig.model_fields if key not in METHODS)
STAGE_SECTIONS: dict[str, tuple[str, ...]] = {
    "prepare": ("data",),
    "teacher": ("teacher",),
    "subset": ("subset", "grid.k", "grid.seeds"),
    "counterfactuals": ("counterfactuals", "grid.k", "grid.seeds"),
    "tune": ("tune", *DISTILL_SHARED, f"distill.{BASELINE}", "subset.cfe_fraction"),
    "distill": (
        *DISTILL_SHARED,
        "distill.${item.method}",
        "tune.lrs",
        "tune.sensitivity_seeds",
        "tune.sensitivity_k",
        "grid.k",
        "grid.data_modes",
    ),
    "aggregate": (
        "grid",
        "subset.cfe_fraction",
        "tune",
        "teacher.model",
        "distill.student",
        "distill.student_layers",
        "report",
    ),
    "figures": ("report",),
    "synthetic": ("synthetic",),
}


def render(text: str | dict) -> str:
    text = text if isinstance(text, str) else next(iter(text))  # `- path: {cache: false}` entries
    return re.sub(r"\$\{item\.(\w+)\}", lambda m: str(SAMPLE[m.group(1)]), text)


def parse_cmd(cmd: str) -> tuple[str, dict[str, object]]:
    argv = shlex.split(render(cmd))
    assert argv[:2] == ["cod", "run"], cmd
    notebook, rest = argv[2], argv[3:]
    params = {}
    while rest:
        flag, name, value, *rest = rest
        assert flag == "-p"
        params[name] = yaml.safe_load(value)
    return notebook, params


def test_every_stage_has_its_sections_listed():
    assert set(STAGES) == set(STAGE_SECTIONS)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_params_are_exactly_the_sections_its_notebook_reads(stage):
    assert tuple(STAGES[stage]["params"]) == STAGE_SECTIONS[stage]


def test_stage_sections_exist_in_params():
    good = yaml.safe_load((REPO / "params.yaml").read_text())
    for sections in STAGE_SECTIONS.values():
        for entry in sections:  # a whole section, or one key of it (`grid.k`), or one per method
            for method in METHODS:
                section, _, key = entry.replace("${item.method}", method).partition(".")
                assert section in good and section in config.Params.model_fields
                assert not key or key in good[section], entry


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_matrix_axes_come_from_grid(stage):
    for axis, values in STAGES[stage].get("matrix", {}).items():
        assert re.fullmatch(r"\$\{grid\.\w+\}", values), (axis, values)
        assert values[7:-1] in config.GridConfig.model_fields


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_cmd_deps_and_outs_match_cod_paths(stage, repo):
    spec = STAGES[stage]
    notebook, params = parse_cmd(spec["cmd"])
    assert notebook in spec["deps"]
    declared = nb.declared_parameters(nb.read(repo / notebook))
    assert set(params) <= set(declared) and "smoke" in declared
    params = {name: params[name] for name in declared if name in params}  # the runner's order
    outs = [render(o) for o in spec["outs"]]
    executed = paths.executed_notebook(notebook, params).relative_to(repo).as_posix()
    assert executed in outs


def within(path: str, declared: list[str]) -> bool:
    """Whether ``path`` is one of the declared dvc.yaml paths or lies inside one."""
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in declared)


def test_data_paths_in_outs_match_cod_paths(repo):
    rel = lambda p: p.relative_to(repo).as_posix()  # noqa: E731
    assert rel(paths.prepared_dir("rt_sentences")) in [render(o) for o in STAGES["prepare"]["outs"]]
    assert within(rel(paths.subset_dir("rt_sentences", 8, 0)), [render(o) for o in STAGES["subset"]["outs"]])
    assert render("data/prepared/${item.dataset}") in STAGES["subset"]["deps"] or any(
        render(d) == rel(paths.prepared_dir("rt_sentences")) for d in STAGES["subset"]["deps"]
    )


def test_counterfactual_tune_and_distill_paths_match_cod_paths(repo):
    rel = lambda p: p.relative_to(repo).as_posix()  # noqa: E731
    cfe = STAGES["counterfactuals"]
    assert within(rel(paths.subset_dir("rt_sentences", 8, 0, "cod")), [render(o) for o in cfe["outs"]])
    assert within(rel(paths.cfe_metrics("rt_sentences", 8, 0)), [render(o) for o in cfe["outs"]])
    tune = STAGES["tune"]
    assert within(rel(paths.tune_choice("rt_sentences")), [render(o) for o in tune["outs"]])
    assert within(rel(paths.tune_report("rt_sentences")), [render(o) for o in tune["outs"]])
    distill = STAGES["distill"]
    outs, deps = [render(o) for o in distill["outs"]], [render(d) for d in distill["deps"]]
    assert rel(paths.runs_seed_dir("rt_sentences", "kd", 0)) in outs
    assert within(rel(paths.run_dir("rt_sentences", 8, 0, "kd", "clean")), outs)
    assert within(rel(paths.sensitivity_run_dir("rt_sentences", 0, 6e-5, 8, "kd", "cod")), outs)
    for mode in ("clean", "cod"):  # exactly its own seed's training sets, so a changed seed re-runs alone
        assert rel(paths.subset_seed_dir("rt_sentences", 0, mode)) in deps
    assert rel(paths.tune_choice("rt_sentences")) in deps
    assert rel(paths.teacher_dir("rt_sentences")) in deps


# Runner and message modules: they do not change what a stage computes.
NOT_RESULT_DEPS = {"__init__.py", "__main__.py", "errors.py", "nb.py", "cli.py"}


def loaded_cod_files(notebook: str) -> list[str]:
    """src/cod files (repo-relative) loaded by the notebook's `cod` imports, in a fresh interpreter."""
    tree = ast.parse((REPO / notebook).read_text())
    imports = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(name.startswith("cod") for name in [getattr(node, "module", None) or "", *(a.name for a in node.names)])
    ]
    code = "\n".join(imports) + (
        "\nimport json, sys\nprint(json.dumps(sorted(m.__file__ for n, m in sys.modules.items()"
        " if n.split('.')[0] == 'cod' and getattr(m, '__file__', None))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return [str(__import__("pathlib").Path(f).resolve().relative_to(REPO)) for f in json.loads(out.stdout)]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_cod_module_a_stage_loads_is_a_declared_dep(stage):
    """Editing code a stage runs must re-run it; editing anything else (e.g. figure code) must not."""
    spec = STAGES[stage]
    notebook, _ = parse_cmd(spec["cmd"])
    deps = [render(d).rstrip("/") for d in spec["deps"]]
    loaded = [f for f in loaded_cod_files(notebook) if f.split("/")[-1] not in NOT_RESULT_DEPS]
    uncovered = [f for f in loaded if not any(f == d or f.startswith(d + "/") for d in deps)]
    assert not uncovered, f"{stage} runs {uncovered} but does not list them in deps"
