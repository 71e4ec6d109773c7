"""dvc.yaml agrees with the code: params sections, notebook deps, output paths, matrix axes, code deps (`cod deps`)."""

from __future__ import annotations

import difflib
import itertools
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cod import config, nb, paths, stage_deps, workspace
from cod.kind_registry import backends
from cod.method_registry import BASELINE, METHODS
from tests.conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
STAGES = DVC["stages"]
SAMPLE = {"dataset": "rt_sentences", "k": 8, "seed": 0, "method": "kd", "mode": "clean"}

# Which params.yaml sections (or keys of them) each pipeline stage reads; dvc.yaml's `params:` must list exactly these.
# The distill keys every method reads; each method also reads its own section distill.<method>.
DISTILL_SHARED = tuple(
    f"distill.{key}"
    for key in config.DistillConfig.model_fields
    if key not in METHODS and key not in config.DistillConfig.OUTSIDE_GRID
)
# ... but the tune stage, which keeps no runs, not the keys that choose what a run keeps (distill.save_student)
TUNE_SHARED = tuple(key for key in DISTILL_SHARED if key.removeprefix("distill.") not in config.DistillConfig.KEEPING)
STAGE_SECTIONS: dict[str, tuple[str, ...]] = {
    "prepare": ("data",),
    "teacher": ("teacher",),
    "lm": ("counterfactuals.fluency_lm",),
    "subset": ("subset", "grid.k", "grid.seeds"),
    "counterfactuals": (
        "counterfactuals.backend",
        "counterfactuals.keep",
        "counterfactuals.min_confidence",
        "counterfactuals.fill_budget",
        "counterfactuals.max_length",
        "counterfactuals.fluency_lm",
        "counterfactuals.smoke_originals",
        "counterfactuals.editor",
        "counterfactuals.${counterfactuals.backend}",
        "grid.k",
        "grid.seeds",
        "grid.data_modes",
    ),
    "tune": ("tune", *TUNE_SHARED, f"distill.{BASELINE}", "subset.cfe_fraction"),
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
        "counterfactuals.backend",
        "counterfactuals.editor.kind",
        "tune",
        "teacher.model",
        "teacher.imbalance_ratio",
        "distill.student",
        "distill.student_layers",
        "report",
    ),
    "figures": ("report",),
    "synthetic": ("synthetic",),
    "references": (
        "grid.k",
        "grid.seeds",
        "distill.student",
        "distill.student_layers",
        "distill.max_length",
        "distill.eval_batch_size",
    ),
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
            for method, backend in itertools.product(METHODS, backends()):
                name = entry.replace("${item.method}", method).replace("${counterfactuals.backend}", backend)
                section, *keys = name.split(".")
                assert section in good and section in config.Params.model_fields
                node = good[section]
                for key in keys:  # a key of the section, or of one of its subsections (`counterfactuals.editor.kind`)
                    assert key in node, entry
                    node = node[key]


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


def code_closure(notebook: str, dynamic: list[str]) -> set[str]:
    """src/cod files a stage can run (cod.stage_deps, which `cod deps` writes dvc.yaml's code deps from)."""
    return stage_deps.closure(REPO, notebook, dynamic)


# Modules a stage imports by name at run time (importlib), for SAMPLE: the registered implementation it runs.
DYNAMIC = {
    stage: [name.replace(stage_deps.METHOD_AXIS, SAMPLE["method"]) for name in names]
    for stage, names in stage_deps.DYNAMIC.items()
}
NOT_RESULT_DEPS = stage_deps.NOT_RESULT_DEPS


def declared_code(stage: str) -> list[str]:
    """The src/ deps of a stage, rendered for SAMPLE."""
    return [render(d).rstrip("/") for d in STAGES[stage]["deps"] if render(d).startswith("src/")]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_cod_module_a_stage_runs_is_a_declared_dep(stage):
    """Editing code a stage runs must re-run it."""
    notebook, _ = parse_cmd(STAGES[stage]["cmd"])
    deps = declared_code(stage)
    runs = code_closure(notebook, DYNAMIC.get(stage, []))
    uncovered = sorted(f for f in runs if not any(f == d or f.startswith(d + "/") for d in deps))
    assert not uncovered, f"{stage} runs {uncovered} but does not list them in deps"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_depends_on_no_code_it_does_not_run(stage):
    """Editing code a stage never runs (another method, figure code, an unused source) must not re-run it."""
    notebook, _ = parse_cmd(STAGES[stage]["cmd"])
    runs = code_closure(notebook, DYNAMIC.get(stage, []))
    for dep in declared_code(stage):
        files = [dep] if dep.endswith(".py") else [p.relative_to(REPO).as_posix() for p in (REPO / dep).rglob("*.py")]
        unused = sorted(f for f in files if f not in runs and f not in NOT_RESULT_DEPS)
        assert files and not unused, f"{stage} lists {dep} but never runs {unused or dep}; narrow its deps"


@pytest.mark.parametrize("method", list(METHODS))
def test_every_methods_distill_stage_lists_the_code_it_runs(method):
    """A method's module imports only shared code (methods/base.py), never another method's module (rce reuses rkd's
    term through base.py): its distill stages, which depend on methods/<method>.py alone, re-run when it changes."""
    notebook, _ = parse_cmd(STAGES["distill"]["cmd"])
    deps = [render(d.replace("${item.method}", method)).rstrip("/") for d in STAGES["distill"]["deps"]]
    runs = code_closure(notebook, [METHODS[method].module])
    uncovered = sorted(f for f in runs if not any(f == d or f.startswith(d + "/") for d in deps))
    assert not uncovered, f"distill@...-{method} runs {uncovered} but does not list them in deps"


def test_a_distill_stage_depends_on_its_own_method_module_only():
    deps = STAGES["distill"]["deps"]
    assert "src/cod/training/methods/${item.method}.py" in deps
    assert not any(d.rstrip("/") in ("src/cod/training", "src/cod/training/methods") for d in deps)


def test_parallel_waves_run_every_stage_after_the_stages_it_depends_on():
    """`cod repro --jobs N` runs the groups of cod.parallel.WAVES in order: a waved group's inputs must come from
    groups of earlier waves (a group left out of the waves runs last, after every wave)."""
    from cod.parallel import WAVES

    def static(path: str | dict) -> str:
        text = path if isinstance(path, str) else next(iter(path))
        return text.split("${")[0].rstrip("/")

    producer = {static(out): group for group, spec in STAGES.items() for out in spec.get("outs", [])}
    wave_of = {group: n for n, wave in enumerate(WAVES) for group in wave}
    for group, n in wave_of.items():
        for dep in STAGES[group]["deps"]:
            made_by = [g for out, g in producer.items() if out and static(dep).startswith(out) and g != group]
            for upstream in made_by:
                assert upstream in wave_of and wave_of[upstream] < n, (group, dep, upstream)


def test_references_paths_match_cod_paths(repo):
    rel = lambda p: p.relative_to(repo).as_posix()  # noqa: E731
    spec = STAGES["references"]
    outs, deps = [render(o) for o in spec["outs"]], [render(d) for d in spec["deps"]]
    assert rel(paths.references_dir("rt_sentences")) in outs
    assert within(rel(paths.references_levels("rt_sentences")), outs)
    assert within(rel(paths.references_probe("rt_sentences")), outs)
    assert rel(paths.prepared_dir("rt_sentences")) in deps
    assert within(rel(paths.subset_dir("rt_sentences", 8, 0)), deps)
    assert not any(d.startswith(("models/", "data/subsets/cod")) for d in deps)  # no teacher, no CFEs
    assert not within(rel(paths.timings_file(paths.references_dir("rt_sentences"))), outs)


def test_cod_deps_leaves_an_up_to_date_dvc_yaml_byte_for_byte_unchanged():
    text = (REPO / "dvc.yaml").read_text()
    assert stage_deps.update(text, REPO) == (text, [])


@pytest.fixture
def code_copy(tmp_path: Path) -> Path:
    """A repository root holding copies of dvc.yaml, params.yaml, the notebooks and src/cod (enough for `cod deps`)."""
    root = tmp_path / "cod"
    for folder in ("src", "notebooks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(REPO / name, root / name)
    return root


def cod_deps(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`cod deps [args]` run in ``root``."""
    cmd = [sys.executable, "-m", "cod", "deps", *args]
    return subprocess.run(cmd, cwd=root, env=workspace.tool_env(), capture_output=True, text=True)


def test_a_module_a_stage_newly_imports_gets_into_its_deps_by_cod_deps_alone(code_copy):
    before = (code_copy / "dvc.yaml").read_text()
    (code_copy / "src/cod/training/extra.py").write_text('"""A helper the lr rule now runs."""\n')
    tune = code_copy / "src/cod/training/tune.py"
    head = "from __future__ import annotations\n"
    tune.write_text(tune.read_text().replace(head, f"{head}\nfrom cod.training import extra  # noqa: F401\n", 1))

    stale = cod_deps(code_copy, "--check")
    assert stale.returncode == 1 and len(stale.stdout.splitlines()) == 1, stale.stdout + stale.stderr
    assert "stage tune (add src/cod/training/extra.py); distill (add src/cod/training/extra.py)" in stale.stdout
    assert (code_copy / "dvc.yaml").read_text() == before  # --check changes nothing

    assert cod_deps(code_copy).returncode == 0
    after = (code_copy / "dvc.yaml").read_text()
    added = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert added == ["+       - src/cod/training/extra.py"] * 2  # tune's and distill's, nothing else changed
    for stage in ("tune", "distill"):
        deps = yaml.safe_load(after)["stages"][stage]["deps"]
        code = [d for d in deps if d.startswith("src/cod/training/") and d.count("/") == 3]  # its own folder
        assert code == sorted(code) and "src/cod/training/extra.py" in code  # sorted in among its neighbours
    assert cod_deps(code_copy, "--check").returncode == 0
    assert cod_deps(code_copy).returncode == 0 and (code_copy / "dvc.yaml").read_text() == after


def test_cod_deps_drops_code_a_stage_no_longer_runs_and_lists_a_fully_run_folder_as_the_folder(code_copy):
    text = (REPO / "dvc.yaml").read_text()
    stray = text.replace(
        "      - src/cod/training/tune.py\n", "      - src/cod/training/tune.py\n      - src/cod/report\n", 1
    )
    fixed, changes = stage_deps.update(stray, REPO)
    assert fixed == text and [c.describe() for c in changes] == ["tune (drop src/cod/report)"]
    # a stage that runs every module of a folder lists the folder: synthetic runs all of src/cod/synthetic
    assert "src/cod/synthetic" in STAGES["synthetic"]["deps"]
    folder = code_copy / "src/cod/synthetic"
    (folder / "unused.py").write_text('"""A module no stage imports."""\n')
    fixed, changes = stage_deps.update(text, code_copy)
    assert [c.describe() for c in changes] == [
        "synthetic (add "
        + ", ".join(sorted(f"src/cod/synthetic/{p.name}" for p in folder.glob("*.py") if p.name != "unused.py"))
        + "; drop src/cod/synthetic)"
    ]


def test_cod_repro_brings_the_code_deps_up_to_date_before_the_pipeline(code_copy, monkeypatch):
    from cod import cli, parallel

    text = (REPO / "dvc.yaml").read_text()
    (code_copy / "dvc.yaml").write_text(text.replace("      - src/cod/paths.py\n", "", 1))  # prepare's
    monkeypatch.setenv("COD_ROOT", str(code_copy))
    seen = []
    monkeypatch.setattr(parallel, "repro", lambda jobs, devices: seen.append((code_copy / "dvc.yaml").read_text()))
    assert cli.main(["repro", "--jobs", "1"]) == 0
    assert seen == [text]
