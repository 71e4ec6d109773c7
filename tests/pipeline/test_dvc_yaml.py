"""dvc.yaml agrees with the code: params sections, notebook deps, output paths, matrix axes."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from cod import config, nb, paths
from tests.conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
STAGES = DVC["stages"]
SAMPLE = {"dataset": "rt_sentences", "k": 8, "seed": 0, "method": "kd", "mode": "clean"}


def render(text: str) -> str:
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


def test_every_stage_is_known_to_the_config():
    assert set(STAGES) == set(config.STAGE_SECTIONS)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_params_are_exactly_the_sections_its_notebook_reads(stage):
    assert tuple(STAGES[stage]["params"]) == config.STAGE_SECTIONS[stage]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_matrix_axes_come_from_grid(stage):
    for axis, values in STAGES[stage]["matrix"].items():
        assert re.fullmatch(r"\$\{grid\.\w+\}", values), (axis, values)
        assert values[7:-1] in config.GridConfig.model_fields


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_cmd_deps_and_outs_match_cod_paths(stage, repo):
    spec = STAGES[stage]
    notebook, params = parse_cmd(spec["cmd"])
    assert notebook in spec["deps"] and "src/cod" in spec["deps"]
    declared = nb.declared_parameters(nb.read(repo / notebook))
    assert set(params) <= set(declared) and "smoke" in declared
    params = {name: params[name] for name in declared if name in params}  # the runner's order
    outs = [render(o) for o in spec["outs"]]
    executed = paths.executed_notebook(notebook, params).relative_to(repo).as_posix()
    assert executed in outs


def test_data_paths_in_outs_match_cod_paths(repo):
    rel = lambda p: p.relative_to(repo).as_posix()  # noqa: E731
    assert rel(paths.prepared_dir("rt_sentences")) in [render(o) for o in STAGES["prepare"]["outs"]]
    assert rel(paths.subset_dir("rt_sentences", 8, 0)) in [render(o) for o in STAGES["subset"]["outs"]]
    assert render("data/prepared/${item.dataset}") in STAGES["subset"]["deps"] or any(
        render(d) == rel(paths.prepared_dir("rt_sentences")) for d in STAGES["subset"]["deps"]
    )


def test_counterfactual_and_distill_paths_match_cod_paths(repo):
    rel = lambda p: p.relative_to(repo).as_posix()  # noqa: E731
    cfe = STAGES["counterfactuals"]
    assert rel(paths.subset_dir("rt_sentences", 8, 0, "cod")) in [render(o) for o in cfe["outs"]]
    assert [render(m) for m in cfe["metrics"]] == [rel(paths.cfe_metrics("rt_sentences", 8, 0))]
    distill = STAGES["distill"]
    assert rel(paths.run_dir("rt_sentences", 8, 0, "kd", "clean")) in [render(o) for o in distill["outs"]]
    assert rel(paths.subset_dir("rt_sentences", 8, 0, "clean")) in [render(d) for d in distill["deps"]]
    assert rel(paths.teacher_dir("rt_sentences")) in [render(d) for d in distill["deps"]]
