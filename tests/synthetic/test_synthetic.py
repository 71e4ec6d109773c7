"""The two-moons experiment: closest CFEs flip the teacher; KD vs CoD students are trained and scored."""

from __future__ import annotations

import torch

from cod.config import SyntheticConfig
from cod.synthetic import experiment
from cod.synthetic.cfe import closest_counterfactuals
from cod.synthetic.mlp import mlp, predict
from tests.conftest import project_section


def test_smoke_run_flips_every_cfe_and_reports_both_students():
    result = experiment.run(SyntheticConfig(**project_section("synthetic")), smoke=True)
    assert result.teacher_test_accuracy > 90
    assert (result.runs["cfe_flip_rate"] == 100.0).all()
    assert sorted(result.runs["student"].unique()) == ["CoD", "KD"]
    assert len(result.runs) == 2 * 2  # 2 smoke seeds x 2 students
    assert result.runs[["test_accuracy", "test_agreement", "boundary_agreement"]].ge(0).all().all()
    kd = result.runs[result.runs["student"] == "KD"]["train_rows"]
    cod = result.runs[result.runs["student"] == "CoD"]["train_rows"]
    assert (kd == 20).all() and (cod == 20).all()  # k real points vs k/2 real + k/2 CFEs
    assert set(result.example.boundary_agreement) == {"KD student", "CoD student"}


def test_closest_counterfactual_stops_just_past_the_boundary():
    teacher = mlp((8,), seed=0)
    with torch.no_grad():  # a linear boundary x0 = 0: logits (-x0, x0)
        for p in teacher.parameters():
            p.zero_()
        teacher[0].weight[0, 0], teacher[0].weight[1, 0] = 1.0, -1.0
        teacher[2].weight[1, 0], teacher[2].weight[1, 1] = 1.0, -1.0
    x = torch.tensor([[-0.503, 0.3], [0.2547, -1.0]])
    cfes, flipped = closest_counterfactuals(teacher, x, step=0.01, max_steps=1000, overshoot=1)
    assert flipped.all()
    assert torch.allclose(cfes[:, 1], x[:, 1])  # moved only along the boundary normal
    assert (cfes[:, 0].abs() <= 0.021).all()  # within two steps of the boundary
    assert (predict(teacher, cfes) != predict(teacher, x)).all()
