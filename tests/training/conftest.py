"""A tiny trained teacher (and student) on a toy dataset under a temporary COD_ROOT."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from cod import config, paths
from cod.data import subsets
from cod.training.teacher import save_teacher, train_teacher
from tests import tiny
from tests.conftest import copy_project


def same_student(a, b) -> bool:
    """Whether two distill results trained the same student: weights, per-epoch losses and summary, bit for bit."""
    wa, wb = a.student.state_dict(), b.student.state_dict()
    return (
        wa.keys() == wb.keys()
        and all(torch.equal(wa[k], wb[k]) for k in wa)
        and [r["train_loss"] for r in a.fit.history] == [r["train_loss"] for r in b.fit.history]
        and a.summary == b.summary
    )


def write_cod_set() -> None:
    """A CoD training set: the session's clean set's first 4 rows and one CFE each ("good great", labelled at
    distill time)."""
    clean = pd.read_json(paths.train_set("rt_sentences", 8, 0, "clean"), lines=True).head(4)
    cfes = clean.assign(text=["good great"] * 4, is_cfe=True)
    rows = pd.concat([clean.assign(is_cfe=False), cfes]).assign(pair_id=lambda f: f["idx"])
    target = paths.train_set("rt_sentences", 8, 0, "cod")
    target.parent.mkdir(parents=True, exist_ok=True)
    rows.to_json(target, orient="records", lines=True)


def tiny_params(repo, teacher_spec: str, student_spec: str, **distill_overrides) -> config.Params:
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["teacher"].update(model=teacher_spec, epochs=10, batch_size=8, lr=1e-3, patience=0, min_steps=0)
    raw["distill"].update(
        student=student_spec,
        student_layers=None,
        epochs=3,
        min_steps=0,
        evaluations=3,
        lr=1e-3,
        **distill_overrides,
    )
    for method in ("lwd", "ted"):
        raw["distill"][method].update(teacher_interval=2, student_interval=1)
    raw["distill"]["ted"].update(filter_epochs=3, filter_lr=1e-2)
    raw["counterfactuals"]["fluency_lm"] = tiny.save_causal_lm(repo / "models" / "tiny-lm")
    raw["counterfactuals"]["min_confidence"] = 0.0  # a tiny teacher's flips sit near p = 0.5
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return config.load_params()


def setup_run(repo, teacher_spec: str, student_spec: str, **overrides) -> config.Params:
    params = tiny_params(repo, teacher_spec, student_spec, **overrides)
    tiny.prepare()
    from cod.data.corpus import load_meta, load_split

    splits = {s: load_split("rt_sentences", s) for s in ("train", "validation", "test")}
    result = train_teacher(splits, load_meta("rt_sentences")["label_names"], params.teacher)
    save_teacher(result, "rt_sentences")
    subsets.make("rt_sentences", 8, 0, 0.5)
    return params


@pytest.fixture(scope="session")
def bert_run_tree(tmp_path_factory) -> Path:
    """A repository root with a tiny BERT teacher trained once per session (its models stay read-only)."""
    root = tmp_path_factory.mktemp("bert-run")
    models = tmp_path_factory.mktemp("bert-models")
    with pytest.MonkeyPatch.context() as patch:
        copy_project(root, patch)
        setup_run(root, tiny.save_bert(models / "teacher", layers=4), tiny.save_bert(models / "student", layers=2))
    return root


@pytest.fixture
def bert_run(repo, bert_run_tree) -> config.Params:
    """The session's trained tiny teacher, subsets and settings, copied into this test's own repository root."""
    shutil.copytree(bert_run_tree, repo, dirs_exist_ok=True)
    return config.load_params()
