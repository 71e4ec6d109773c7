"""cod.config: every bad value fails with one message naming the key and the allowed values."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from cod import config
from cod.errors import ConfigError
from tests.conftest import REPO, write_params
from tests.reliability_cases import cases, ids

GOOD = yaml.safe_load((REPO / "params.yaml").read_text())


def bad(section: str, key: str, value) -> dict:
    raw = copy.deepcopy(GOOD)
    raw[section][key] = value
    return raw


def error_of(raw: dict) -> str:
    with pytest.raises(ConfigError) as info:
        config.load_params(REPO / "params.yaml", raw=raw)
    return str(info.value)


def test_the_repository_params_are_valid():
    params = config.load_params(REPO / "params.yaml")
    assert params.grid.datasets and 8 in params.grid.k
    assert params.subset.cfe_fraction == 0.5


@pytest.mark.parametrize(
    ("section", "key", "value", "must_contain"),
    [
        ("grid", "datasets", ["nope"], ["grid.datasets", "'nope'", "rt_sentences", "sst2"]),
        ("grid", "datasets", ["rt_sentence"], ["did you mean 'rt_sentences'"]),
        ("grid", "k", [7], ["grid.k", "7", "positive even"]),
        ("grid", "k", [0], ["grid.k", "positive even"]),
        ("grid", "k", [-8], ["grid.k", "positive even"]),
        ("grid", "k", [8, 8], ["grid.k", "duplicate"]),
        ("grid", "k", [8, 4096], ["grid.k", "k=4096", "1400", "k <= 2800"]),
        ("grid", "seeds", [-1], ["grid.seeds", "-1", "non-negative"]),
        ("grid", "methods", ["kd", "dkd"], ["grid.methods", "'dkd'", "'kd', 'lwd', 'ted'"]),
        ("grid", "data_modes", ["cfx"], ["grid.data_modes", "'cfx'", "'clean', 'cod'"]),
        ("grid", "k", [], ["grid.k"]),
        ("data", "split_seed", -3, ["data.split_seed", "greater than or equal to 0"]),
        ("data", "yelp_mapping", "stars", ["data.yelp_mapping", "paper_code", "paper_text"]),
        ("data", "validation_fraction", 0.7, ["data.validation_fraction"]),
        ("subset", "cfe_fraction", 1.5, ["subset.cfe_fraction"]),
        ("subset", "cfe_fraction", 0.3, ["cfe_fraction", "whole number"]),
        ("teacher", "class_weights", "yes", ["teacher.class_weights", "'auto', 'none' or 'balanced'"]),
        ("teacher", "min_steps", -1, ["teacher.min_steps", "greater than or equal to 0"]),
        ("teacher", "imbalance_ratio", 0.5, ["teacher.imbalance_ratio", "greater than or equal to 1"]),
        ("teacher", "chance_margin", 0.5, ["teacher.chance_margin", "less than 0.5"]),
        ("teacher", "allow_degenerate", "maybe", ["teacher.allow_degenerate", "valid boolean"]),
    ],
)
def test_bad_values_name_key_and_allowed(section, key, value, must_contain):
    msg = error_of(bad(section, key, value))
    for piece in must_contain:
        assert piece in msg, (piece, msg)


def test_the_paper_profile_trains_its_teacher_as_the_paper_does():
    teacher = config.load_params(REPO / "profiles" / "paper.yaml").teacher
    assert (teacher.class_weights, teacher.min_steps, teacher.allow_degenerate) == ("none", 0, False)
    default = config.load_params(REPO / "params.yaml").teacher
    assert (default.class_weights, default.min_steps, default.chance_margin) == ("auto", 150, 0.05)


def test_typo_key_is_named_with_suggestion():
    raw = copy.deepcopy(GOOD)
    raw["grid"]["seed"] = raw["grid"].pop("seeds")
    msg = error_of(raw)
    assert "grid.seed: unknown key (did you mean 'seeds'?)" in msg
    assert "'datasets', 'k', 'seeds', 'methods', 'data_modes'" in msg


def test_typo_section_is_named():
    raw = copy.deepcopy(GOOD)
    raw["subsets"] = raw.pop("subset")
    msg = error_of(raw)
    assert "subsets: unknown key (did you mean 'subset'?)" in msg


def test_local_dataset_names_become_allowed():
    raw = copy.deepcopy(GOOD)
    raw["data"]["local"] = {"mine": {"files": {"train": "data/raw/mine.csv"}}}
    raw["grid"]["datasets"] = ["mine"]
    assert config.load_params(REPO / "params.yaml", raw=raw).grid.datasets == ["mine"]


def test_local_dataset_needs_train_and_known_keys():
    raw = copy.deepcopy(GOOD)
    raw["data"]["local"] = {"mine": {"files": {"test": "x.csv"}}}
    assert "files.train" in error_of(raw)
    raw["data"]["local"] = {"mine": {"files": {"train": "x.csv"}, "text_col": "t"}}
    assert "data.local.mine.text_col: unknown key (did you mean 'text_column'?)" in error_of(raw)


def test_k_too_large_uses_prepared_counts_for_unknown_sizes(repo):
    # A hub dataset has no known size until prepared: the check then reads meta.json.
    meta_dir = repo / "data" / "prepared" / "sst2"
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text('{"class_counts": {"train": {"negative": 3, "positive": 9}}}')
    raw = copy.deepcopy(GOOD)
    raw["grid"]["datasets"] = ["sst2"]
    raw["grid"]["k"] = [8]
    msg = error_of(raw)
    assert "k=8 needs k/2=4 examples per class" in msg and "'negative'" in msg and "k <= 6" in msg


def test_load_validates_notebook_scalars(repo):
    assert config.load("subset", dataset="rt_sentences", k=8, seed=0).cfe_fraction == 0.5
    with pytest.raises(ConfigError, match="positive even"):
        config.load("subset", dataset="rt_sentences", k=9, seed=0)
    with pytest.raises(ConfigError, match="unknown dataset 'x'"):
        config.load("subset", dataset="x", k=8, seed=0)
    with pytest.raises(ConfigError, match="non-negative"):
        config.load("subset", dataset="rt_sentences", k=8, seed=-2)


@pytest.mark.parametrize("case", cases("tests/unit/test_config.py::test_invalid_yaml_is_one_message"), ids=ids)
def test_invalid_yaml_is_one_message(tmp_path, case):
    p = tmp_path / "params.yaml"
    p.write_text(case["setup"]["text"])
    with pytest.raises(ConfigError) as info:
        config.load_params(p)
    assert str(info.value) == f"{p} is not valid YAML: {case['expect'][0]}"  # one line, without the excerpt


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("\n  k: [8]", "\n  k: [7]", "grid.k: 7 is not a positive even number"),
        ("datasets: [rt_sentences]", "datasets: [nope]", "grid.datasets: unknown dataset 'nope'"),
    ],
)
def test_cli_check_prints_one_readable_message_without_traceback(repo, old, new, expected):
    text = (repo / "params.yaml").read_text()
    assert old in text
    (repo / "params.yaml").write_text(text.replace(old, new))
    proc = subprocess.run([sys.executable, "-m", "cod", "check"], capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: params.yaml: ") and expected in proc.stderr
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "case", cases("tests/unit/test_config.py::test_cli_check_refuses_a_cfe_set_and_label_that_do_not_pair"), ids=ids
)
def test_cli_check_refuses_a_cfe_set_and_label_that_do_not_pair(repo, case):
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["counterfactuals"]["keep"] = case["setup"]["keep"]
    raw["distill"]["cfe_label"] = case["setup"]["cfe_label"]
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    proc = subprocess.run([sys.executable, "-m", "cod", "check"], capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: params.yaml: ") and proc.stderr.count("\n") == 1
    for piece in case["expect"]:
        assert piece in proc.stderr, (piece, proc.stderr)


@pytest.mark.parametrize(("keep", "cfe_label"), [("valid", "teacher"), ("all", "flip")])
def test_matching_cfe_set_and_label_pass(keep, cfe_label):
    raw = copy.deepcopy(GOOD)
    raw["counterfactuals"]["keep"], raw["distill"]["cfe_label"] = keep, cfe_label
    params = config.load_params(REPO / "params.yaml", raw=raw)
    assert (params.counterfactuals.keep, params.distill.cfe_label) == (keep, cfe_label)


@pytest.mark.parametrize(("keep", "cfe_label"), [("valid", "teacher"), ("all", "flip")])
def test_copy_and_lexicon_controls_are_ablation_modes_under_either_cfe_label(keep, cfe_label):
    raw = copy.deepcopy(GOOD)
    raw["grid"]["data_modes"] = ["clean", "cod", "cod-random", "cod-copy", "cod-lexicon"]
    raw["counterfactuals"]["keep"], raw["distill"]["cfe_label"] = keep, cfe_label
    if cfe_label == "flip":  # the random control alone still needs the teacher's labels
        assert "random control" in error_of(raw)
        raw["grid"]["data_modes"].remove("cod-random")
    params = config.load_params(REPO / "params.yaml", raw=raw)
    assert [params.cod_kind(m) for m in params.grid.data_modes if m.startswith("cod-")][-2:] == ["copy", "lexicon"]
    raw["counterfactuals"]["editor"]["kind"] = "copy"  # a control is never the cod arm
    assert "counterfactuals.editor.kind" in error_of(raw)


def test_gold_labels_with_the_llm_backend_pass_cod_check(repo):
    # the paper profile: backend llm, label_source gold (prompts never ask for a no-op edit, see test_llm.py)
    proc = subprocess.run(
        [sys.executable, "-m", "cod", "check", "--params", str(REPO / "profiles" / "paper.yaml")],
        capture_output=True,
        text=True,
        cwd=repo,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("params ok:")


def cod_check(repo) -> subprocess.CompletedProcess:
    """`cod check` run in ``repo`` (its params.yaml)."""
    return subprocess.run([sys.executable, "-m", "cod", "check"], capture_output=True, text=True, cwd=repo)


@pytest.mark.parametrize(
    "case", cases("tests/unit/test_config.py::test_cod_check_lists_every_problem_one_line_each_primary_first"), ids=ids
)
def test_cod_check_lists_every_problem_one_line_each_primary_first(repo, case):
    write_params(repo, **case["setup"]["params"])
    proc = cod_check(repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    expect = case["expect"]
    head = "error: params.yaml: " if len(expect) == 1 else f"error: params.yaml has {len(expect)} problems:"
    assert lines[0].startswith(head), proc.stderr
    problems = [lines[0].removeprefix(head)] if len(expect) == 1 else [line.strip() for line in lines[1:]]
    assert len(lines) == len(expect) + (len(expect) > 1), proc.stderr  # one line per problem, in this order
    for line, fragment in zip(problems, expect, strict=True):
        assert fragment in line, (fragment, proc.stderr)
    for noise in ("literal[", ".float", "Input should be", "validation error"):  # pydantic's own wording
        assert noise not in proc.stderr, proc.stderr


def test_problems_of_valid_sections_are_listed_beside_a_broken_section():
    raw = copy.deepcopy(GOOD)
    raw["teacher"]["lr"] = "fast"  # a broken section ...
    raw["grid"]["seeds"] = [0, 1]  # ... does not hide the rules between the valid ones
    raw["tune"]["sensitivity_seeds"] = 6
    msg = error_of(raw)
    assert msg.startswith("params.yaml has 2 problems:\n  teacher.lr: Input should be a valid number")
    assert msg.splitlines()[2].startswith("  tune.sensitivity_seeds: 6 is more than the 2 grid.seeds")


def test_the_default_sensitivity_keys_follow_the_grid_and_equal_the_former_explicit_values():
    assert GOOD["tune"]["sensitivity_seeds"] is None and GOOD["tune"]["sensitivity_k"] is None
    tune = config.load_params(REPO / "params.yaml").tune
    assert (tune.sensitivity_seeds, tune.sensitivity_k) == (6, [8])  # the values params.yaml used to set
    raw = copy.deepcopy(GOOD)
    raw["grid"].update(k=[32, 16], seeds=[5, 3])
    tune = config.load_params(REPO / "params.yaml", raw=raw).tune
    assert (tune.sensitivity_seeds, tune.sensitivity_k) == (2, [16])  # every seed of a small grid, its smallest k


@pytest.mark.parametrize("grid", [{"k": [16]}, {"seeds": [0]}, {"k": [16], "seeds": [7]}], ids=["k16", "1seed", "both"])
def test_cod_check_passes_a_grid_without_k8_or_with_one_seed(repo, grid):
    write_params(repo, grid=grid)
    proc = cod_check(repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("params ok:")


def test_explicit_sensitivity_keys_are_kept_and_still_checked_against_the_grid(repo):
    raw = copy.deepcopy(GOOD)
    raw["tune"].update(sensitivity_seeds=0, sensitivity_k=[])
    tune = config.load_params(REPO / "params.yaml", raw=raw).tune
    assert (tune.sensitivity_seeds, tune.sensitivity_k) == (0, [])  # no sensitivity runs, as the studies set
    write_params(repo, grid={"k": [16], "seeds": [0]}, tune={"sensitivity_seeds": 6, "sensitivity_k": [8]})
    proc = cod_check(repo)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.splitlines()[1:] == [
        "  tune.sensitivity_seeds: 6 is more than the 1 grid.seeds it is taken from; set it to at most 1",
        "  tune.sensitivity_k: [8] are not in grid.k [16]; pick k from grid.k",
    ], proc.stderr
