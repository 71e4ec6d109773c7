"""`cod deps`: the src/cod entries of each dvc.yaml stage's deps, generated from its notebook's import closure.

A stage runs its notebook's `cod` imports, theirs in turn (function-local imports included, `if TYPE_CHECKING:`
ones not), the packages' ``__init__`` files on the way, and the modules it imports by name at run time
(``DYNAMIC``); runner and message modules (``NOT_RESULT_DEPS``) change nothing it computes. A folder all of whose
modules the stage runs is listed as the folder. Only those entries are rewritten: an entry that stays keeps its
line and place, a new one goes before the first kept entry sorting after it, and every other byte of dvc.yaml is
kept, so rewriting an up-to-date dvc.yaml changes nothing.
"""

from __future__ import annotations

import ast
import importlib.util
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from cod import paths
from cod.kind_registry import CHAT_BACKENDS, KINDS
from cod.method_registry import BASELINE, METHODS

# Runner and message modules: they do not change what a stage computes.
NOT_RESULT_DEPS = frozenset(
    {"src/cod/__init__.py", "src/cod/__main__.py", "src/cod/errors.py", "src/cod/nb.py", "src/cod/cli.py"}
)
# The matrix axis a stage's own method module is named by: distill@<dataset>-<method>-<seed> runs that method's only.
METHOD_AXIS = "${item.method}"
# Modules a stage imports by name at run time (importlib): the registered implementation it runs. A name holding
# METHOD_AXIS stands for every registered method's module, listed once with the axis in its path.
DYNAMIC: dict[str, tuple[str, ...]] = {
    "distill": (f"cod.training.methods.{METHOD_AXIS}",),
    "tune": (METHODS[BASELINE].module,),
    # every kind of counterfactual the grid may name, and the chat clients its chat kinds answer with
    "counterfactuals": (
        *(entry.module for entry in KINDS.values()),
        *(backend.client.partition(":")[0] for backend in CHAT_BACKENDS.values()),
    ),
}
CODE_PREFIX = "src/"


@dataclass(frozen=True)
class Change:
    """How one stage's code entries differ from its closure: entries to add and entries to drop."""

    stage: str
    added: tuple[str, ...]
    dropped: tuple[str, ...]

    def describe(self) -> str:
        """``stage (add a, b; drop c)``: the change on a few words of one line."""
        parts = [f"{verb} {', '.join(items)}" for verb, items in (("add", self.added), ("drop", self.dropped)) if items]
        return f"{self.stage} ({'; '.join(parts)})"


def module_file(root: Path, name: str) -> Path | None:
    """The file of module ``name`` under root/src (a package's __init__.py), or None for third-party modules."""
    base = (root / "src").joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def cod_imports(root: Path, path: Path) -> set[str]:
    """Every `cod` module ``path`` imports, top-level or inside functions (a lazy import runs when it is called)."""
    src = root / "src"
    inside = path.is_relative_to(src)  # notebooks import absolutely
    package = ".".join(path.relative_to(src).parts[:-1]) if inside else ""  # base of relative imports
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    type_only = {  # `if TYPE_CHECKING:` imports never run
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name(
                "." * node.level + (node.module or ""), package.removesuffix(".__init__")
            )
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {name for name in found if name.split(".")[0] == "cod"}


def closure(root: Path, notebook: str, dynamic: Iterable[str] = ()) -> set[str]:
    """src/cod files a stage can run: its notebook's imports (and ``dynamic`` ones), transitively, parents included."""
    todo, seen = [*cod_imports(root, root / notebook), *dynamic], set()
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):
            path = module_file(root, ".".join(parts[:i]))
            if path is not None and path not in seen:
                seen.add(path)
                todo += cod_imports(root, path)
    return {p.relative_to(root).as_posix() for p in seen} - NOT_RESULT_DEPS


def dep_path(name: str) -> str:
    """Module ``name`` as a dvc.yaml dep (the axis kept): cod.training.methods.kd → src/cod/training/methods/kd.py."""
    return CODE_PREFIX + METHOD_AXIS.join(part.replace(".", "/") for part in name.split(METHOD_AXIS)) + ".py"


def stage_files(root: Path, stage: str, notebook: str) -> set[str]:
    """The files ``stage`` runs; with a METHOD_AXIS module, each method's own module as one path holding the axis."""
    dynamic = DYNAMIC.get(stage, ())
    per_method = [name for name in dynamic if METHOD_AXIS in name]
    fixed = [name for name in dynamic if METHOD_AXIS not in name]
    if not per_method:
        return closure(root, notebook, fixed)
    files: set[str] = set()
    for method in METHODS:
        own = {dep_path(name.replace(METHOD_AXIS, method)): dep_path(name) for name in per_method}
        runs = closure(root, notebook, [*fixed, *(name.replace(METHOD_AXIS, method) for name in per_method)])
        files |= {own.get(f, f) for f in runs}
    return files


def entries(root: Path, files: set[str]) -> set[str]:
    """``files`` as dvc.yaml lists them: a folder below src/cod whose every module is in ``files`` as the folder."""
    candidates = sorted(  # every folder below src/cod holding one of the files, outermost first
        {"/".join(f.split("/")[:depth]) for f in files for depth in range(3, f.count("/") + 1)},
        key=lambda f: (f.count("/"), f),
    )
    out, taken = set(files), []
    for folder in candidates:
        if any(folder.startswith(t + "/") for t in taken):
            continue
        modules = {
            p.relative_to(root).as_posix() for p in (root / folder).rglob("*.py") if "__pycache__" not in p.parts
        }
        if modules and modules <= files:
            out = (out - modules) | {folder}
            taken.append(folder)
    return out


def notebook_of(cmd: str) -> str | None:
    """The notebook a ``cod run <notebook> ...`` command executes (None for any other command)."""
    argv = shlex.split(cmd)
    return argv[2] if argv[:2] == ["cod", "run"] and len(argv) > 2 else None


def _value(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value node of ``key`` in mapping node ``node`` (None if ``node`` is no mapping or lacks it)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def merged(current: list[str], wanted: set[str]) -> list[str]:
    """``current`` without the entries ``wanted`` lacks, each new one before the first kept entry sorting after it."""
    out = [entry for entry in current if entry in wanted]
    for entry in sorted(wanted - set(current)):
        at = next((i for i, kept in enumerate(out) if kept > entry), len(out))
        out.insert(at, entry)
    return out


def update(text: str, root: Path) -> tuple[str, list[Change]]:
    """dvc.yaml ``text`` with every `cod run` stage's src/ deps generated from the sources under ``root``."""
    lines = text.splitlines(keepends=True)
    stages = _value(yaml.compose(text), "stages")
    edits, changes = [], []
    for key, spec in stages.value if isinstance(stages, yaml.MappingNode) else []:
        cmd, deps = _value(spec, "cmd"), _value(spec, "deps")
        notebook = notebook_of(cmd.value) if isinstance(cmd, yaml.ScalarNode) else None
        if notebook is None or not isinstance(deps, yaml.SequenceNode) or not deps.value:
            continue
        code = [n for n in deps.value if isinstance(n, yaml.ScalarNode) and n.value.startswith(CODE_PREFIX)]
        current = [n.value for n in code]
        wanted = merged(current, entries(root, stage_files(root, key.value, notebook)))
        if wanted == current:
            continue
        changes.append(
            Change(key.value, tuple(sorted(set(wanted) - set(current))), tuple(sorted(set(current) - set(wanted))))
        )
        first = code[0] if code else deps.value[0]
        indent = lines[first.start_mark.line][: first.start_mark.column]
        old = {n.value: lines[n.start_mark.line] for n in code}
        new = [old.get(entry, f"{indent}{entry}\n") for entry in wanted]
        rows = [n.start_mark.line for n in code]
        at = rows[0] if rows else first.start_mark.line + 1  # none yet: right after the notebook
        edits.append((at, rows, new))
    for at, rows, new in sorted(edits, reverse=True):
        for row in sorted(rows, reverse=True):
            del lines[row]
        lines[at:at] = new
    return "".join(lines), changes


def stale(root: Path) -> list[Change]:
    """The stages of ``root``/dvc.yaml whose code deps differ from their import closure (none without src/cod)."""
    if not (root / "src" / "cod").is_dir():
        return []
    return update((root / "dvc.yaml").read_text(), root)[1]


def main(check_only: bool = False, file: Path | None = None) -> int:
    """``cod deps [--check]``: rewrite dvc.yaml's code deps, or exit 1 naming the stages whose deps are stale."""
    file = file or paths.root() / "dvc.yaml"
    if not (file.parent / "src" / "cod").is_dir():  # a checkout without the sources: nothing to generate from
        print(f"{file.name}: no src/cod beside it; code deps left as they are")
        return 0
    text = file.read_text()
    new, changes = update(text, file.parent)
    if not changes:
        print(f"{file.name}: code deps up to date")
        return 0
    stale = "; ".join(change.describe() for change in changes)
    if check_only:
        print(f"{file.name}: stale code deps in stage {stale}; run `cod deps`")
        return 1
    file.write_text(new)
    print(f"{file.name}: rewrote the code deps of stage {stale}")
    return 0
