"""The teacher stage end to end: train, stop on a teacher no better than chance (writing nothing), save, record."""

from __future__ import annotations

import warnings

from cod import paths, tracking
from cod.config import TeacherConfig
from cod.data.corpus import load_meta, load_split
from cod.training.degenerate import check_teacher
from cod.training.teacher import TeacherResult, save_teacher, train_teacher


def run(dataset: str, cfg: TeacherConfig, *, smoke: bool = False) -> TeacherResult:
    """Train the teacher of ``dataset``; raise DegenerateTeacher before anything is written if it is no better than
    chance (unless teacher.allow_degenerate, or a smoke run: then warn), else save it and its dvclive record."""
    label_names = load_meta(dataset)["label_names"]
    splits = {s: load_split(dataset, s) for s in ("train", "validation", "test")}
    result = train_teacher(splits, label_names, cfg, smoke=smoke)
    allow = cfg.allow_degenerate or smoke
    warning = check_teacher(result.metrics, result.logits["validation"], label_names, cfg, dataset, allow=allow)
    if warning is not None:
        why = "teacher.allow_degenerate is true" if cfg.allow_degenerate else "a smoke run"
        warnings.warn(f"{warning} (kept: {why})", stacklevel=2)
    live = tracking.open_run(paths.teacher_dir(dataset) / "live", cfg.model_dump())
    for row in result.fit.history:  # the curve, logged once the teacher is known to be kept
        tracking.log_epoch(live, row)
    save_teacher(result, dataset)
    tracking.finish(live, result.metrics)
    return result
