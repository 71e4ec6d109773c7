"""No module of src/cod imports a higher layer than its own (the layer table of docs/architecture.md)."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src"
DOC = REPO / "docs" / "architecture.md"

# Upward imports that other branches still remove (importer, imported module); empty it once they are
# merged: test_known_upward_imports_still_exist fails as soon as one of them is gone.
KNOWN: set[tuple[str, str]] = set()


def layer_table() -> dict[str, int]:
    """Package name → layer (0 = bottom), from the table between the layer markers of docs/architecture.md."""
    block = re.search(r"<!-- layers\b.*?-->(.*?)<!-- /layers -->", DOC.read_text(), re.S)
    assert block, f"{DOC} lacks the <!-- layers --> … <!-- /layers --> table; restore it"
    table = {}
    for row in re.findall(r"^\|\s*(\d+)\s*\|([^|]*)\|", block.group(1), re.M):
        for name in re.findall(r"`([\w.]+)`", row[1]):
            table[name] = int(row[0])
    return table


def module_name(path: Path) -> str:
    """src/cod/data/corpus.py → cod.data.corpus; src/cod/data/__init__.py → cod.data."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((SRC / "cod").rglob("*.py"))}


def package(module: str) -> str:
    """The layer-table name of a module: cod.data.corpus → data, cod.paths → paths, cod → cod."""
    return module.split(".")[1] if "." in module else module


def imported(module: str) -> list[tuple[int, str]]:
    """(line, cod module) of every import in ``module``: top-level, function-local and TYPE_CHECKING alike."""
    path = MODULES[module]
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), here)
            # `from cod import paths` imports the module cod.paths; `from cod.paths import root` imports cod.paths
            found += [(node.lineno, f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base) for a in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "cod"]


def upward_imports() -> dict[tuple[str, str], str]:
    """(importer, imported) → a readable line for every import of a higher layer."""
    layers = layer_table()
    out = {}
    for module in MODULES:
        for line, target in imported(module):
            low, high = layers[package(module)], layers[package(target)]
            if high > low:
                where = f"{MODULES[module].relative_to(REPO)}:{line}"
                out[(module, target)] = f"{where}: {module} (layer {low}) imports {target} (layer {high})"
    return out


def test_every_package_has_a_layer_and_every_layer_names_a_package():
    packages = {package(m) for m in MODULES}
    table = layer_table()
    missing, stale = sorted(packages - set(table)), sorted(set(table) - packages)
    assert not missing, f"{missing} have no layer: add each to the layer table of {DOC.relative_to(REPO)}"
    assert not stale, f"the layer table of {DOC.relative_to(REPO)} names {stale}, which src/cod lacks: remove them"


def test_no_module_imports_a_higher_layer():
    found = upward_imports()
    new = [text for key, text in sorted(found.items()) if key not in KNOWN]
    assert not new, (
        "imports of a higher layer (move the needed code down to the importer's layer or below, or pass it in as an "
        f"argument; if the layering itself changes, change the table of {DOC.relative_to(REPO)}):\n" + "\n".join(new)
    )


def test_known_upward_imports_still_exist():
    gone = sorted(KNOWN - set(upward_imports()))
    assert not gone, f"{gone} no longer import up: remove them from KNOWN in {Path(__file__).name}"


def test_the_checker_sees_function_local_and_type_checking_imports():
    local = [t for line, t in imported("cod.counterfactuals.generate") if t == "cod.models.teacher"]
    assert local, "the function-local import of load_teacher in counterfactuals/generate.py was not seen"
    assert "cod.synthetic.experiment" in [t for _, t in imported("cod.report.figures")]  # under TYPE_CHECKING


MAX_MODULE_LINES = 500  # past this, a module is doing several jobs: split it along them


def test_no_module_is_longer_than_max_module_lines():
    long = {
        str(path.relative_to(REPO)): n
        for path in sorted(SRC.rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by job): {long}"
