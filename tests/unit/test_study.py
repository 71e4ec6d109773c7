"""Studies without running one: settings merged and validated, protocols checked, records compared, reports rendered
(the end-to-end run is tests/pipeline/test_study.py)."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
import yaml

from cod import workspace
from cod.errors import ConfigError
from cod.study import record, render, spec, sync
from cod.study.run import unchanged_rerun
from tests.conftest import REPO
from tests.reliability_cases import cases, ids

PROTOCOL = "\n\n".join(f"## {section}\nSomething." for section in spec.REQUIRED_SECTIONS[1:])  # all but the question


SEEDS = [7, 8, 9, 10, 11, 12]


@pytest.fixture
def study(repo):
    """A study `s` in the throw-away repository: seeds overridden, a complete protocol."""
    folder = repo / "studies" / "s"
    folder.mkdir(parents=True)
    (folder / "params.yaml").write_text(yaml.safe_dump({"grid": {"seeds": SEEDS}, "report": {"confidence": 0.9}}))
    (folder / "protocol.md").write_text("# s\n\n## Question\nDoes it hold\non fresh seeds?\n\nMore.\n\n" + PROTOCOL)
    return spec.find("s")


def test_settings_are_the_overrides_on_top_of_params_yaml_and_validated(study, repo):
    merged = spec.merged(study)
    base = yaml.safe_load((repo / "params.yaml").read_text())
    assert merged["grid"]["seeds"] == SEEDS and merged["grid"]["k"] == base["grid"]["k"]
    assert merged["report"]["confidence"] == 0.9 and merged["report"]["value"] == base["report"]["value"]
    assert spec.params(study).grid.seeds == SEEDS
    study.settings_file.write_text(yaml.safe_dump({"grid": {"seedz": [1]}}))
    with pytest.raises(ConfigError, match=r"^study s: studies/s/params.yaml \(over params.yaml\): .*seedz"):
        spec.params(study)


def test_a_list_replaces_and_a_mapping_merges():
    assert spec.merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}}) == {"a": {"b": 1, "c": [3]}, "d": 1}


def test_unknown_studies_and_incomplete_protocols_are_named(study):
    with pytest.raises(ConfigError, match=r"no study 'nope'.*known studies: \['s'\]"):
        spec.find("nope")
    assert spec.question(spec.check_protocol(study)) == "Does it hold on fresh seeds?"
    study.protocol_file.write_text("## Question\nWhy?\n\n## Arms\nTwo.\n")
    with pytest.raises(ConfigError, match=r"lacks the section\(s\) \['Contrasts', 'Pairing'"):
        spec.check_protocol(study)


def test_changed_keys_name_every_difference():
    before = {"grid": {"k": [8], "seeds": [1, 2]}, "report": {"value": "test"}}
    after = {"grid": {"k": [8, 16], "seeds": [1, 2]}, "report": {"value": "test", "extra": 1}}
    assert record.changed_keys(before, after) == ["grid.k", "report.extra"]
    assert record.changed_keys(before, before) == []


def test_a_rerun_that_computed_nothing_on_the_same_inputs_adds_no_run():
    def rec(ran: int, restored: int, inputs: str) -> dict:
        return {"name": "s", "inputs": {"a.py": inputs}, "runs": [{"stages": {"ran": ran, "restored": restored}}]}

    previous = rec(30, 4, "h1")
    assert unchanged_rerun(rec(0, 0, "h1"), previous)
    assert not unchanged_rerun(rec(0, 0, "h2"), previous)  # an input changed: recorded
    assert not unchanged_rerun(rec(2, 0, "h1"), previous)  # stages ran: recorded
    assert not unchanged_rerun(rec(0, 3, "h1"), previous)  # stages restored: recorded
    assert not unchanged_rerun(rec(0, 0, "h1"), None)  # the first run: recorded


def test_stale_reasons_compare_protocol_settings_and_code(study, repo):
    code = repo / "notebooks" / "10_prepare.py"
    rec = {
        "protocol": {"sha256": record.sha256(study.protocol_file)},
        "params": spec.merged(study),
        "input_roots": ["notebooks/10_prepare.py"],
        "inputs": record.fingerprint(repo, ["notebooks/10_prepare.py"]),
    }
    assert record.stale_reasons(study, rec) == []
    code.write_text(code.read_text() + "\n# changed\n")
    study.protocol_file.write_text(study.protocol_file.read_text() + "\nAmended.\n")
    study.settings_file.write_text(yaml.safe_dump({"grid": {"seeds": [*SEEDS, 13]}}))
    reasons = record.stale_reasons(study, rec)
    assert reasons[0] == "protocol changed after the results"
    assert reasons[1] == "settings changed: grid.seeds, report.confidence"
    assert reasons[2] == "code changed: notebooks/10_prepare.py"


def test_the_workspace_mirror_copies_changes_and_removes_what_is_gone(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("a")
    (src / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"x")
    assert sync.mirror(src, dst) == ["pkg/a.py"]
    assert not (dst / "pkg" / "__pycache__").exists()
    assert sync.mirror(src, dst) == []  # unchanged: nothing rewritten
    (dst / "pkg" / "stale.py").write_text("old")
    (src / "pkg" / "a.py").write_text("b")
    assert sorted(sync.mirror(src, dst)) == ["pkg/a.py", "pkg/stale.py"]
    assert (dst / "pkg" / "a.py").read_text() == "b" and not (dst / "pkg" / "stale.py").exists()
    assert sync.with_no_scm("[core]\n    analytics = false\n") == "[core]\n    no_scm = true\n    analytics = false\n"
    assert sync.with_no_scm("") == "[core]\n    no_scm = true\n"


def test_the_overview_names_the_better_arm_and_the_run_time():
    verdicts = pd.DataFrame(
        [
            {"arm": "cod", "base": "clean", "arm_label": "semantic", "base_label": "clean", "dataset": "d", "k": 8}
            | {"method": "kd", "mean": 4.71, "std": 4.2, "ci_low": 2.96, "ci_high": 6.47, "n": 24, "n_expected": 24}
            | {"verdict": "cod_better"},
            {"arm": "cod", "base": "cod-copy", "arm_label": "semantic", "base_label": "copy", "dataset": "d", "k": 8}
            | {"method": "kd", "mean": -1.0, "std": 2.0, "ci_low": -2.0, "ci_high": 0.1, "n": 24, "n_expected": 24}
            | {"verdict": "no_difference"},
            {"arm": "cod", "base": "cod-random", "arm_label": "semantic", "base_label": "random", "dataset": "d"}
            | {"k": 8, "method": "kd", "mean": -3.0, "std": 2.0, "ci_low": -4.0, "ci_high": -2.0, "n": 24}
            | {"n_expected": 24, "verdict": "baseline_better"},
        ]
    )
    rows = render.verdict_rows(verdicts)
    assert list(rows["verdict"]) == ["CoD better", "no difference detected", "random better"]
    assert rows.iloc[0]["gain (points)"] == "+4.7 ± 4.2" and rows.iloc[0]["95 % interval"] == "[+3.0, +6.5]"
    run = {"started": "2026-12-07T03:00:00+00:00", "seconds": 4096.0, "jobs": 2, "machine": "a CPU, 2 cores"}
    rec = {"runs": [run | {"stages": {"ran": 290, "restored": 5, "unchanged": 0}}]}
    assert render.run_time(rec).startswith("68.3 min for the whole study (2026-12-07, a CPU, 2 cores, 2 worker(s)")
    rec["runs"].append(run | {"seconds": 12.0, "stages": {"ran": 0, "restored": 0, "unchanged": 300}})
    assert "; latest re-run 12 s" in render.run_time(rec) and math.isclose(render.full_run(rec)["seconds"], 4096.0)


def test_the_overview_lists_a_studys_rationale_contrasts_with_their_verdicts():
    """A published rationale_gains.csv: each method against its baseline, a variant in brackets, the random-word
    control named as such, with the verdict in words."""
    cell = {"dataset": "snli", "mode": "clean", "k": 12, "n": 14, "n_expected": 14}
    gains = pd.DataFrame(
        [
            cell
            | {"method": "rce", "base": "ce", "variant": None, "mean": 2.5, "std": 3.0, "ci_low": 0.8}
            | {"ci_high": 4.2, "verdict": "cod_better"},
            cell
            | {"method": "rkd", "base": "rkd:random", "variant": None, "mean": 0.2, "std": 2.0, "ci_low": -0.9}
            | {"ci_high": 1.3, "verdict": "no_difference"},
            cell
            | {"method": "rkd", "base": "kd", "variant": "top_k=1", "mean": -2.0, "std": 1.0, "ci_low": -2.6}
            | {"ci_high": -1.4, "verdict": "baseline_better"},
        ]
    )
    rows = render.rationale_rows(gains)
    assert list(rows["contrast"]) == [
        "Label + rationale − Label only",
        "RKD − RKD with random words",
        "RKD (top_k=1) − KD",
    ]
    assert list(rows["verdict"]) == ["Label + rationale better", "no difference detected", "KD better"]
    assert rows.iloc[0]["gain (points)"] == "+2.5 ± 3.0" and rows.iloc[0]["n"] == "14/14"


def test_each_cells_counterfactual_quality_stands_beside_its_gain():
    """Per dataset × k: every method's CoD gain with its interval, the CFEs made / asked pooled over the sets
    written (a seed short of its budget counts; a failed set shows in `sets`), and the median quality of the CoD
    sets; clean rows and other arms ignored."""
    seed = {"dataset": "snli", "k": 12, "mode": "cod", "kind": "semantic", "status": "ok", "originals": 6}
    quality = {"p_target_median": 0.8, "word_edits_median": 1.0, "ppl_ratio_median": 2.0, "fallback_cfes": 0}
    cfes = pd.DataFrame(
        [
            seed | quality | {"seed": 0, "valid_cfes": 6, "cfe_rows": 6, "flip_rate": 0.5},
            seed | quality | {"seed": 1, "valid_cfes": 4, "cfe_rows": 4, "flip_rate": 0.3, "p_target_median": 0.9},
            seed | {"seed": 2, "status": "failed", "valid_cfes": 0, "cfe_rows": 0, "fallback_cfes": 0},
            seed
            | quality
            | {"seed": 0, "mode": "clean", "valid_cfes": 99, "cfe_rows": 99, "originals": 99}
            | {"flip_rate": 1.0},
        ]
    )
    cell = {"dataset": "snli", "k": 12, "n": 14, "n_expected": 14, "arm": "cod"}
    verdicts = pd.DataFrame(
        [
            cell | {"base": "clean", "method": "kd", "mean": -0.36, "std": 2.04, "ci_low": -1.53, "ci_high": 0.82},
            cell | {"base": "cod-copy", "method": "kd", "mean": 9.0, "std": 1.0, "ci_low": 8.0, "ci_high": 10.0},
        ]
    )
    rows = render.cell_quality_rows(cfes, verdicts)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["CoD gain (points) [95 % interval]"] == "KD −0.4 ± 2.0 [−1.5, +0.8]"
    assert row["CFEs made / asked"] == "10/12 (83%)"
    assert row["flip rate (%)"] == "40.0" and row["median p(target)"] == "0.85"
    assert row["made by a fallback"] == "0/10 (0%)"
    assert row["sets"] == "2/3"  # the failed set is counted there, not in made / asked


def test_the_committed_overview_is_what_the_published_files_render(monkeypatch):
    """reports/studies/README.md equals what `cod study overview` renders from the committed study files."""
    monkeypatch.setenv("COD_ROOT", str(REPO))
    assert render.overview_file().is_file(), "reports/studies/README.md is missing: run `cod study overview`"
    assert render.stale_documents() == [], "stale: run `cod study overview`"
    for name in spec.names():
        rec = record.read(spec.Study(name))
        if rec is not None:  # a published study names the commit that froze its protocol, before its first run
            assert rec["protocol"]["short"] and not rec["exploratory"], name
            assert json.loads((REPO / "reports" / "studies" / name / "study.json").read_text())["name"] == name


@pytest.mark.parametrize(("verdict", "word"), [("cod_better", "**confirmed**"), ("no_difference", "**not confirmed**")])
def test_the_readme_sets_the_confirmation_beside_the_headline(repo, verdict, word):
    headline = {"rt_sentences": {"k8": {"kd_gain": {"mean": 4.71, "ci_low": 2.96, "ci_high": 6.47, "n": 24}}}}
    headline["rt_sentences"]["k8"]["kd_gain"]["verdict"] = "cod_better"
    before = render.confirmation_markdown(headline, list(range(24)))
    assert "| default (exploratory) | 0–23 | rt_sentences | 8 | KD | +4.7 | [+3.0, +6.5] | 24 | CoD better |" in before
    assert "no result yet" in before
    (repo / "studies" / "confirmation").mkdir(parents=True)
    (repo / "studies" / "confirmation" / "params.yaml").write_text("grid: {seeds: [100, 101]}\n")
    out = repo / "reports" / "studies" / "confirmation"
    out.mkdir(parents=True)
    rec = {"protocol": {"short": "abc1234"}, "params": {"grid": {"seeds": [100, 101]}}, "runs": []}
    (out / "study.json").write_text(json.dumps(rec))
    row = {"arm": "cod", "base": "clean", "dataset": "rt_sentences", "k": 8, "method": "kd", "mean": 3.0, "std": 1.0}
    row |= {"ci_low": 1.0 if verdict == "cod_better" else -1.0, "ci_high": 5.0, "n": 2, "n_expected": 2}
    pd.DataFrame([row | {"verdict": verdict}]).to_csv(out / "verdict.csv", index=False)
    after = render.confirmation_markdown(headline, list(range(24)))
    assert "| confirmation (pre-registered, protocol `abc1234`) | 100–101 | rt_sentences | 8 | KD | +3.0 |" in after
    assert f"The headline is {word} on fresh seeds" in after


@pytest.mark.parametrize("case", cases("tests/unit/test_study.py::test_study_faults_stop_with_one_message"), ids=ids)
def test_study_faults_stop_with_one_message(study, repo, case, capsys):
    from cod import cli

    setup = case["setup"]
    if "settings" in setup:
        study.settings_file.write_text(yaml.safe_dump(setup["settings"]))
    if "drop" in setup:
        text = study.protocol_file.read_text().replace(f"## {setup['drop']}", "## Something else")
        study.protocol_file.write_text(text)
    if setup.get("stale_deps"):  # the sources beside the copied dvc.yaml, one stage's notebook importing more
        shutil.copytree(REPO / "src", repo / "src")
        notebook = repo / "notebooks" / "20_teacher.py"
        notebook.write_text(notebook.read_text() + "\nimport cod.text2text.scores  # noqa: E402, F401\n")
    if not setup.get("uncommitted"):  # every other case would stop later, at the commit check: commit first
        workspace.git_init(repo)
    code = cli.main(["study", "run", setup.get("name", "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert all(fragment in err for fragment in case["expect"]), err
    assert not (repo / "studies" / "s" / "workspace").exists()
