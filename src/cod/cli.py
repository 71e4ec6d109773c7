"""The ``cod`` command: run a pipeline notebook, or validate params.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from cod.errors import CodError


def _parse_value(text: str) -> object:
    value = yaml.safe_load(text)
    return value if isinstance(value, bool | int | float | str) or value is None else text


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the ``cod`` command."""
    parser = argparse.ArgumentParser(prog="cod", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute a notebook through papermill from the repository root")
    run.add_argument("notebook", help="path of a notebook (jupytext .py or .ipynb), e.g. notebooks/30_subset.py")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a parameter of the notebook's `parameters` cell (repeatable)",
    )
    run.add_argument("--out", type=Path, help="executed notebook path (default: reports/executed/<stem>/...)")
    check = sub.add_parser("check", help="validate params.yaml and exit")
    check.add_argument("--params", type=Path, help="params file (default: the repository's params.yaml)")
    dist = sub.add_parser(
        "distill",
        help="run one distillation cell without a notebook, e.g. on several GPUs: "
        "accelerate launch --num_processes 4 -m cod distill ...",
    )
    for name, kind in (("dataset", str), ("k", int), ("seed", int), ("method", str), ("mode", str)):
        dist.add_argument(f"--{name}", type=kind, required=True)
    dist.add_argument("--smoke", action="store_true", help="a few epochs, for a quick check")
    stu = sub.add_parser(
        "student",
        help="distil one student from this workspace's prepared data, teacher and training set and write its "
        "best-validation weights as a Hugging Face folder (transformers.pipeline loads it; docs/student.md)",
    )
    for name, kind in (("dataset", str), ("k", int), ("seed", int), ("method", str), ("mode", str)):
        stu.add_argument(f"--{name}", type=kind, required=True)
    stu.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the folder to write (created if missing; files of the same name are overwritten)",
    )
    t2t = sub.add_parser(
        "text2text",
        help="a text-to-text (T5-style) student end to end per distill.text2text (R1, or R2 with the teacher LLM's "
        "explanations per section explanations): results/text2text/<dataset>/seed<s>/k<k>/<mode>/<variant>/",
    )
    for name, kind in (("dataset", str), ("k", int), ("seed", int), ("mode", str)):
        t2t.add_argument(f"--{name}", type=kind, required=True)
    rep = sub.add_parser(
        "repro", help="dvc repro with N workers per matrix group (DVC's parallel stage execution; `make repro`)"
    )
    rep.add_argument("-j", "--jobs", type=int, default=2, help="concurrent `dvc repro` workers (default 2)")
    rep.add_argument("--devices", help="comma-separated GPU ids, one per worker in turn, e.g. 0,1,2,3")
    deps = sub.add_parser(
        "deps", help="rewrite each dvc.yaml stage's src/cod deps from its notebook's import closure (`make repro`)"
    )
    deps.add_argument("--check", action="store_true", help="change nothing; exit 1 naming the stale stages")
    prof = sub.add_parser("profile", help="validate a params profile (profiles/NAME.yaml) and make it params.yaml")
    prof.add_argument("name", help="profile name, e.g. paper or default")
    study = sub.add_parser(
        "study", help="pre-registered studies: the pipeline with other settings in its own workspace (studies/NAME/)"
    )
    verbs = study.add_subparsers(dest="verb", required=True)
    study_run = verbs.add_parser("run", help="run a study (stages already run with the same inputs are reused)")
    study_run.add_argument("name", help="the study's folder name under studies/, e.g. confirmation")
    study_run.add_argument("-j", "--jobs", type=int, default=2, help="concurrent `dvc repro` workers (default 2)")
    study_run.add_argument("--devices", help="comma-separated GPU ids, one per worker in turn")
    study_run.add_argument(
        "--exploratory",
        action="store_true",
        help="run although the protocol or settings have uncommitted changes (results are marked exploratory)",
    )
    verbs.add_parser("list", help="every study: protocol commit, results, up to date with protocol and code, run time")
    power = verbs.add_parser("power", help="seeds a contrast needs: smallest n with t-interval half-width <= target")
    power.add_argument("--sd", type=float, required=True, help="sample std of the paired gain (points), e.g. a pilot's")
    power.add_argument("--half-width", type=float, default=3.0, help="target half-width (points; default 3)")
    power.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    over = verbs.add_parser(
        "overview", help="regenerate reports/studies/README.md and each study's README from the published files"
    )
    over.add_argument("--check", action="store_true", help="change nothing; exit 1 if the overview is stale")
    readme = sub.add_parser("readme", help="regenerate the <!-- generated:NAME --> regions of README.md and docs/")
    readme.add_argument("--check", action="store_true", help="change nothing; exit 1 naming the stale regions")
    readme.add_argument("--file", type=Path, help="the one page to update (default: README.md and the docs pages)")
    return parser


def _check(path: Path | None) -> str:
    from cod import config

    params = config.load_params(path)
    g = params.grid
    n_subsets = len(g.datasets) * len(g.k) * len(g.seeds)
    n_runs = n_subsets * len(g.methods) * len(g.data_modes)
    return f"params ok: {len(g.datasets)} dataset(s), k={g.k}, seeds={g.seeds} -> {n_subsets} subsets, {n_runs} runs"


def _study(args: argparse.Namespace) -> int:
    """`cod study run|list|overview`."""
    from cod.study import listing, render, run

    if args.verb == "run":
        run.run(args.name, args.jobs, args.devices.split(",") if args.devices else None, args.exploratory)
        return 0
    if args.verb == "list":
        print(listing.table())
        return 0
    if args.verb == "power":
        from cod.stats import n_for_half_width

        n = n_for_half_width(args.sd, args.half_width, args.confidence)
        print(
            f"n = {n} seeds: the smallest n whose {args.confidence:.0%} t-interval half-width at sd {args.sd:g} is "
            f"<= {args.half_width:g} points"
        )
        return 0
    if args.check:
        stale = render.stale_documents()
        if stale:
            print(f"stale: {', '.join(str(f) for f in stale)}; run `cod study overview`")
            return 1
        print(f"{render.overview_file()} and the studies' README files: up to date")
        return 0
    print(f"wrote {render.write_overview()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; a CodError becomes one line on stderr and a non-zero exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            from cod import nb

            nb.run(args.notebook, {n: _parse_value(v) for n, v in args.parameter}, args.out)
        elif args.command == "distill":
            from cod.training.record import run_cell

            result = run_cell(args.dataset, args.k, args.seed, args.method, args.mode, smoke=args.smoke)
            print({key: result.summary[key] for key in ("best_val_accuracy", "test_accuracy")})
        elif args.command == "student":
            from cod.training.record import student_cell

            folder, result = student_cell(args.dataset, args.k, args.seed, args.method, args.mode, args.out)
            print({key: result.summary[key] for key in ("best_epoch", "best_val_accuracy", "test_accuracy")})
            print(f"wrote {folder}")
        elif args.command == "text2text":
            from cod.explanations import student

            folder, result = student.run(args.dataset, args.k, args.seed, args.mode)
            shown = ("test_accuracy", "test_explanation_leakage", "test_explanation_simulatability")
            print({key: result.summary.get(key) for key in shown})
            print(f"wrote {folder}")
        elif args.command == "deps":
            from cod import stage_deps

            return stage_deps.main(check_only=args.check)
        elif args.command == "repro":
            from cod import parallel, stage_deps

            print(_check(None), flush=True)
            stage_deps.main()
            parallel.repro(args.jobs, args.devices.split(",") if args.devices else None)
        elif args.command == "profile":
            from cod import profiles

            print(profiles.use(args.name))
        elif args.command == "study":
            return _study(args)
        elif args.command == "readme":
            from cod.report import readme

            return readme.main(args.file, check_only=args.check)
        else:
            print(_check(args.params))
    except CodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0
