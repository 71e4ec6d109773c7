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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; a CodError becomes one line on stderr and a non-zero exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            from cod import nb

            nb.run(args.notebook, {n: _parse_value(v) for n, v in args.parameter}, args.out)
        else:
            from cod import config

            params = config.load_params(args.params)
            g = params.grid
            n_subsets = len(g.datasets) * len(g.k) * len(g.seeds)
            print(f"params ok: {len(g.datasets)} dataset(s), k={g.k}, seeds={g.seeds} -> {n_subsets} subsets")
    except CodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0
