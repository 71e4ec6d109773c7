"""Regions of the README and docs pages generated from the run's report files: render, relink, update, check, refresh
and the `cod readme` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cod import cli, paths
from cod.errors import DataError
from cod.report import readme

README = """# CoD

Intro written by hand.

<!-- generated:verdict -->
stale hand-written claim: CoD wins everywhere
<!-- /generated:verdict -->

Middle text.

<!-- generated:sensitivity -->
<!-- /generated:sensitivity -->

Tail.
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root (COD_ROOT) with the report files a run writes."""
    monkeypatch.setenv("COD_ROOT", str(tmp_path))
    paths.tables_dir().mkdir(parents=True)
    (paths.tables_dir() / "verdict.md").write_text("Legend.\n\n| dataset | verdict |\n|---|---|\n| d | CoD better |\n")
    summary = {"cells": 1, "cod_better": 1, "no_difference": 0, "baseline_better": 0, "excluded": 0}
    summary |= {"insufficient": 0, "meets_target": 1, "target_half_width": 3.0}
    metrics = {"runs_ok": 4, "runs_expected": 4, "verdict_summary": summary}
    (paths.reports_dir() / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "README.md").write_text(README)
    return tmp_path


def test_render_verdict_comes_from_the_report_files(root):
    text = readme.render_verdict()
    assert "`reports/tables/verdict.md`" in text and "`reports/metrics.json`" in text
    assert "Runs found: 4 of 4 expected." in text and "CoD better 1" in text and "met in 1" in text
    assert text.endswith("| d | CoD better |")


def test_update_replaces_only_the_regions_and_check_sees_stale_ones(root):
    assert readme.check(README) == ["verdict", "sensitivity"]
    new = readme.update(README)
    assert "stale hand-written claim" not in new and "| d | CoD better |" in new
    assert new.startswith("# CoD\n\nIntro written by hand.\n") and "Middle text." in new and new.endswith("Tail.\n")
    assert "No sensitivity analysis in this run" in new
    assert readme.check(new) == [] and readme.update(new) == new  # idempotent
    (paths.tables_dir() / "verdict.md").write_text("| dataset | verdict |\n|---|---|\n| d | KD better |\n")
    assert readme.check(new) == ["verdict"]


def test_refresh_rerenders_only_the_named_regions(root):
    file = paths.root() / "README.md"
    file.write_text(README)
    assert readme.refresh(["sensitivity", "studies"], file) == ["sensitivity"]  # studies: not in this README
    text = file.read_text()
    assert "No sensitivity analysis in this run" in text and "stale hand-written claim" in text  # verdict kept
    assert readme.check(text) == ["verdict"]


def test_sensitivity_region_embeds_the_figure(root):
    (paths.tables_dir() / "sensitivity.md").write_text("| lr | gain |\n|---|---|\n| 2e-5 | +1.0 |\n")
    paths.figures_dir().mkdir(parents=True)
    (paths.figures_dir() / "lr_sensitivity.png").write_bytes(b"png")
    text = readme.render_sensitivity()
    assert (
        "| 2e-5 | +1.0 |" in text
        and "![CoD gain vs the student's learning rate](reports/figures/lr_sensitivity.png)" in text
    )


def test_section_region_takes_one_section_of_a_report_file(root):
    bench = paths.reports_dir() / "benchmarks" / "counterfactuals.md"
    assert "does not exist" in readme.render_section(bench, "Kinds", "benchmark")
    bench.parent.mkdir(parents=True)
    bench.write_text("# B\n\nintro\n\n## Kinds of counterfactual on d\n\n| a |\n|---|\n\n## Long texts\n\nlong\n")
    text = readme.render_section(bench, "Kinds of counterfactual", "benchmark")
    assert text.endswith("| a |\n|---|") and "reports/benchmarks/counterfactuals.md" in text and "long" not in text
    assert readme.render_section(bench, "Long texts", "benchmark").endswith("long")
    assert "no section" in readme.render_section(bench, "Nope", "benchmark")


def test_a_region_is_one_dict_entry(root, monkeypatch):
    monkeypatch.setitem(readme.REGIONS, "teachers", lambda: "teacher table")
    text = "<!-- generated:teachers -->\nold\n<!-- /generated:teachers -->\n"
    assert readme.update(text) == "<!-- generated:teachers -->\nteacher table\n<!-- /generated:teachers -->\n"


def test_unknown_or_unclosed_regions_are_errors(root):
    with pytest.raises(DataError, match="unknown"):
        readme.check("<!-- generated:nope -->\n<!-- /generated:nope -->\n")
    with pytest.raises(DataError, match="closing marker"):
        readme.update("<!-- generated:verdict -->\nno end\n")


def test_cod_readme_command_writes_and_checks(root, capsys):
    assert cli.main(["readme", "--check"]) == 1
    assert "stale generated region(s): verdict, sensitivity" in capsys.readouterr().out
    assert (root / "README.md").read_text() == README  # --check changes nothing
    assert cli.main(["readme"]) == 0
    assert "| d | CoD better |" in (root / "README.md").read_text()
    assert cli.main(["readme", "--check"]) == 0
    (root / "other.md").write_text("<!-- generated:bad -->\n<!-- /generated:bad -->\n")
    assert cli.main(["readme", "--check", "--file", str(root / "other.md")]) == DataError.exit_code


def test_relink_moves_root_relative_links_to_the_page_folder(root):
    text = "![f](reports/figures/a.png) [r](reports/x.md#part) [u](https://e.org/a) [h](#here) [a](/abs/p)"
    assert readme.relink(text, root) == text  # a page at the root: unchanged
    moved = readme.relink(text, root / "docs")
    assert "![f](../reports/figures/a.png)" in moved and "[r](../reports/x.md#part)" in moved
    assert "[u](https://e.org/a)" in moved and "[h](#here)" in moved and "[a](/abs/p)" in moved


def test_cod_readme_covers_every_document_and_links_from_each_page(root, capsys):
    paths.figures_dir().mkdir(parents=True)
    (paths.tables_dir() / "sensitivity.md").write_text("| lr | gain |\n|---|---|\n| 2e-5 | +1.0 |\n")
    (paths.figures_dir() / "lr_sensitivity.png").write_bytes(b"png")
    page = root / "docs" / "results.md"
    page.parent.mkdir()
    page.write_text("# Results\n\n<!-- generated:sensitivity -->\n<!-- /generated:sensitivity -->\n")
    (root / "docs" / "other.md").write_text("<!-- generated:verdict -->\n<!-- /generated:verdict -->\n")  # not declared
    assert cli.main(["readme", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"{page}: stale generated region(s): sensitivity" in out and "other.md" not in out
    assert cli.main(["readme"]) == 0
    assert "![CoD gain vs the student's learning rate](../reports/figures/lr_sensitivity.png)" in page.read_text()
    assert "(../" not in (root / "README.md").read_text()  # the README links from the root
    assert (root / "docs" / "other.md").read_text().count("\n") == 2  # an undeclared page is left alone
    before = {f: (f.read_text(), f.stat().st_mtime_ns) for f in readme.documents() if f.is_file()}
    assert cli.main(["readme"]) == 0 and cli.main(["readme", "--check"]) == 0
    assert {f: (f.read_text(), f.stat().st_mtime_ns) for f in before} == before  # up to date: nothing written


def test_refresh_covers_every_document_and_regions_sharing_sources(root, monkeypatch):
    monkeypatch.setitem(readme.REGIONS, "studies", lambda: "all studies")
    monkeypatch.setitem(readme.REGIONS, "studies_summary", lambda: "one row per study")
    (root / "README.md").write_text("<!-- generated:studies_summary -->\n<!-- /generated:studies_summary -->\n")
    (root / "docs").mkdir()
    (root / "docs" / "studies.md").write_text("<!-- generated:studies -->\n<!-- /generated:studies -->\n")
    assert readme.refresh(["studies"]) == ["studies_summary", "studies"]
    assert "one row per study" in (root / "README.md").read_text()
    assert "all studies" in (root / "docs" / "studies.md").read_text()


def test_the_studies_summary_has_one_row_per_study(root):
    for name in ("done", "todo"):
        (root / "studies" / name).mkdir(parents=True)
        (root / "studies" / name / "protocol.md").write_text(f"# {name}\n\n## Question\n\nDoes it?\n")
        (root / "studies" / name / "params.yaml").write_text("grid: {seeds: [1, 2, 3, 4]}\n")
    out = root / "reports" / "studies" / "done"
    out.mkdir(parents=True)
    rec = {"protocol": {"short": "abc1234", "date": "2026-12-07"}, "params": {}, "runs": []}
    (out / "study.json").write_text(json.dumps(rec))
    rows = [("cod", "clean", 8, 1.0, 5.0, "cod_better"), ("cod", "clean", 16, -1.0, 2.0, "no_difference")]
    lines = ["arm,base,dataset,k,method,mean,std,ci_low,ci_high,n,n_expected,verdict"]
    lines += [f"{a},{b},d,{k},kd,3.0,1.0,{lo},{hi},4,4,{v}" for a, b, k, lo, hi, v in rows]
    (out / "verdict.csv").write_text("\n".join(lines) + "\n")
    text = readme.render_studies_summary()
    done = next(line for line in text.splitlines() if line.startswith("| done |"))
    assert "| d · k 8, 16 · KD | CoD − clean: CoD better 1, no difference detected 1 |" in done
    assert done.endswith("| [done](reports/studies/done/README.md) |")
    assert "| todo | – | no results yet (`cod study run todo`) | – |" in text


def test_the_repository_documents_say_what_the_committed_report_files_say(monkeypatch):
    """Every generated block of README.md and the docs pages equals what `cod readme` renders from the git-tracked
    reports, and every region is used on some page."""
    from tests.conftest import REPO

    monkeypatch.setenv("COD_ROOT", str(REPO))
    pages = {page: page.read_text() for page in readme.documents()}
    assert set().union(*(readme.region_names(text) for text in pages.values())) == set(readme.REGIONS)
    for page, text in pages.items():
        assert readme.check(text, page.parent) == [], f"{page} is stale: run `cod readme` after `make repro`"
    assert readme.main(check_only=True) == 0
