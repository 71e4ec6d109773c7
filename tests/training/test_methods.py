"""A new distillation method is one module and one registry line: a toy method trained end to end."""

from __future__ import annotations

import pandas as pd
import pytest
from torch import nn

from cod import method_registry
from cod.errors import ConfigError
from cod.report import table1
from cod.training import distill as D
from cod.training import methods
from cod.training.methods.base import Context, Distiller, Method


class LabelsOnly(Method):
    """The toy method: cross-entropy on the labels only (it needs no teacher logits, so it has no KL term)."""

    needs: frozenset[str] = frozenset()

    def objective(self, ctx: Context) -> nn.Module:
        return Distiller.logits_only(ctx.student, self)


METHOD = LabelsOnly  # this test module is the toy method's module


@pytest.fixture
def toy(monkeypatch):
    """Register the toy method: the one line a new method adds to cod.method_registry.METHODS."""
    monkeypatch.setitem(method_registry.METHODS, "toy", method_registry.MethodEntry("Labels only", __name__))
    return "toy"


def test_a_registered_toy_method_trains_and_reports(bert_run, toy):
    result = D.distill("rt_sentences", 8, 0, toy, "clean", bert_run.distill)
    assert {"train_ce", "train_loss"} == {k for k in result.fit.history[0] if k.startswith("train_")}
    kd = D.distill("rt_sentences", 8, 0, "kd", "clean", bert_run.distill)
    assert "train_kd" in kd.fit.history[0] and result.summary["matched_layers"] == []
    assert bert_run.distill.for_method(toy).keys() == bert_run.distill.for_method("kd").keys() - {"kd"}
    summary = pd.DataFrame(
        [
            {"dataset": "rt_sentences", "method": toy, "mode": mode, "k": 8, "mean": 50.0, "std": 1.0, "n": 3}
            for mode in ("clean", "cod")
        ]
    )
    assert table1.table1(summary)["method"].tolist() == ["Labels only", "+CoD"]


def test_the_grid_accepts_registered_methods_only(repo, toy):
    from cod import config
    from tests.conftest import write_params

    write_params(repo, grid={"methods": ["kd", toy]})
    assert config.load_params().grid.methods == ["kd", toy]
    write_params(repo, grid={"methods": ["kd", "tde"]})
    allowed = r"grid.methods: unknown method 'tde'. Allowed: \['ce', 'kd', 'lwd', 'ted', 'rkd', 'rce', 'rlwd', 'toy'\]"
    with pytest.raises(ConfigError, match=allowed):
        config.load_params()
    write_params(repo, grid={"methods": ["kd"]})
    with pytest.raises(ConfigError, match="unknown method 'tde'"):
        methods.build("tde", config.load_params().distill)


def test_tables_list_methods_in_registry_order():
    rows = [
        {"dataset": "rt_sentences", "method": method, "mode": "clean", "k": 8, "mean": 50.0, "std": 1.0, "n": 3}
        for method in ("ted", "kd", "lwd")
    ]
    assert table1.table1(pd.DataFrame(rows))["method"].tolist() == ["KD", "LWD", "TED"]
    assert method_registry.in_order(["unknown", "lwd", "kd", "lwd"]) == ["kd", "lwd", "unknown"]


def test_cod_check_accepts_the_label_only_and_label_plus_rationale_students(repo):
    """ce and rce: registered, accepted in the grid, rce with rkd's rationale settings (and variants) under its own
    section, paired with ce in the rationale tables."""
    import subprocess
    import sys

    from cod import config
    from tests.conftest import write_params

    raw = write_params(repo, grid={"methods": ["rce", "kd", "rkd", "ce"]})
    raw["distill"]["rce"]["variants"] = {"random": {"attribution": "random"}}
    write_params(repo, distill=raw["distill"])
    proc = subprocess.run([sys.executable, "-m", "cod", "check"], capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 0 and proc.stdout.startswith("params ok:"), proc.stderr
    params = config.load_params()
    assert method_registry.in_order(params.grid.methods) == ["ce", "kd", "rkd", "rce"]
    assert method_registry.added_to() == {"rkd": "kd", "rce": "ce", "rlwd": "lwd"}
    assert [method_registry.display_name(m) for m in ("ce", "rce")] == ["Label only", "Label + rationale"]
    d = params.distill
    assert d.rce.model_dump(exclude={"variants"}) == d.rkd.model_dump(exclude={"variants"})  # rkd's defaults
    assert d.for_method("rce").keys() ^ d.for_method("ce").keys() == {"ce", "rce"}  # each reads its own section
    cells = len(params.grid.k) * len(params.grid.data_modes)
    assert [cell[0] for cell in params.variant_cells("rce")] == ["random"] * cells
    assert params.variant_cells("ce") == []
    raw["distill"]["rce"]["variants"] = {"x": {"top_kk": 1}}
    write_params(repo, distill=raw["distill"])
    with pytest.raises(ConfigError, match=r"distill.rce: variants.x: unknown keys \['top_kk'\]"):
        config.load_params()
