"""The package layout keeps the flow of data: lower stages never import higher ones.

Every import inside ``ixpctl/`` (module level and inside functions, under ``if TYPE_CHECKING:``
too, relative or absolute, and ``import_module("ixpctl....")`` with a literal name) is mapped to
the layer it reaches: a package (``ixpctl/<name>/``) or a top-level module (``build``, ``errors``).
Each package's ``__init__`` docstring (and build.py's) has a line ``May import: errors, base, ...``
naming the layers it may use. This test holds the code to those lines, holds the lines to the ranks
below (a layer may list only lower ranks), and checks a few rules no docstring can loosen. The
picture is in README.md, "Architecture".
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ixpctl"
MAX_LINES = 450

# A layer may import only layers of a lower rank. The future packages do not exist yet: they are
# here so that the rules already say where they go.
RANKS: dict[str, float] = {
    "errors": 0,  # top-level module errors.py: the one exception family
    "base": 0.5,  # foundations: YAML with lines, atomic writes, template paths (uses errors)
    "inventory": 1,
    "sources": 2,
    "policy": 3,
    "importers": 3.5,  # future: importers of other tools' files (may use inventory, sources, policy)
    "render": 4,
    "switch": 4,
    "analysis": 5,
    "publish": 6,
    "verify": 6,
    "report": 6,  # future: like publish
    "deploy": 7,
    "serve": 7,  # future: the read-only web service (above publish, verify, analysis; below cli)
    "build": 8,  # top-level module build.py: the main job
    "lab": 9,
    "onboard": 9,
    "apply": 9,  # future: the unattended loop (above deploy and build, below cli)
    "cli": 10,
    "__main__": 11,  # top-level module __main__.py: `python -m ixpctl`
}
# The pure core: whatever their docstrings say, these never reach the edges.
PURE_CORE = {"base", "inventory", "policy", "render", "analysis", "publish", "sources", "switch"}
NEVER_FROM_CORE = {"cli", "deploy", "lab", "serve", "apply", "onboard", "build"}
ENTRY_POINTS = {"cli", "__main__"}  # the only layers that may import cli
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "build.py", "errors.py"}
TOP_LEVEL_DIRS = {"_templates", "__pycache__"}
MAY_IMPORT = re.compile(r"^May import: *(.*)$", re.MULTILINE)
ROOT = "ixpctl"  # the package itself: its __init__ holds only __version__, anyone may import it


@dataclass(frozen=True)
class Edge:
    source: str  # layer of the importing module
    target: str  # layer it imports
    where: str  # file:line


def _module_parts(path: Path) -> list[str]:
    """``ixpctl/sources/irr.py`` → ["ixpctl", "sources", "irr"]; a package's __init__ → the package."""
    parts = ["ixpctl", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _layer_of_file(path: Path) -> str:
    parts = _module_parts(path)
    return parts[1] if len(parts) > 1 else ROOT


def _layer_of_name(dotted: str) -> str | None:
    """The layer of an absolute module name; None when it is not ixpctl's."""
    parts = dotted.split(".")
    if parts[0] != "ixpctl":
        return None
    if len(parts) == 1:
        return ROOT
    first = parts[1]
    if first in RANKS or (PACKAGE / first).is_dir() or (PACKAGE / f"{first}.py").is_file():
        return first
    return ROOT  # an attribute of the root package: `from .. import __version__`


def _is_import_module(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (name == "import_module" and bool(node.args) and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str))


def _imports(path: Path, text: str | None = None) -> Iterator[tuple[str, int]]:
    """Every absolute module name that ``path`` (or ``text``, as if it were that file) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text, filename=str(path))
    here = _module_parts(path)
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if node.module is None or module == ROOT:  # `from . import x`: x may be a module
                for alias in node.names:
                    yield f"{module}.{alias.name}", node.lineno
            else:
                yield module, node.lineno
        elif isinstance(node, ast.Call) and _is_import_module(node):
            yield node.args[0].value, node.lineno


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _edges() -> list[Edge]:
    out = []
    for path in _python_files():
        source = _layer_of_file(path)
        for name, line in _imports(path):
            target = _layer_of_name(name)
            if target is not None and target not in (source, ROOT):
                out.append(Edge(source, target, f"{path.relative_to(PACKAGE.parent)}:{line}"))
    return out


def _layers() -> dict[str, Path]:
    """Every layer that exists: package → its __init__.py, top-level module → its file."""
    out = {p.parent.name: p for p in PACKAGE.glob("*/__init__.py")}
    out.update({p.stem: p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"})
    return out


def _may_import(layer: str) -> set[str] | None:
    """The layers on the "May import:" line of ``layer``'s docstring; None without such a line."""
    path = _layers().get(layer)  # None: a directory that is not a package (its own test fails)
    doc = (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) if path else None) or ""
    match = MAY_IMPORT.search(doc)
    return None if match is None else {n.strip() for n in match.group(1).split(",") if n.strip()}


def _must_say(layer: str) -> bool:
    """Every package, and build.py, must carry the line (errors.py imports nothing at all)."""
    return _layers()[layer].name == "__init__.py" or layer == "build"


# --- the rules ---------------------------------------------------------------------------------------

def test_every_layer_has_a_rank():
    unknown = sorted(set(_layers()) - set(RANKS))
    assert not unknown, f"new layer(s) {unknown}: give each a rank in RANKS and a 'May import:' line"


@pytest.mark.parametrize("layer", sorted(layer for layer in _layers() if _must_say(layer)))
def test_every_package_says_what_it_may_import(layer):
    allowed = _may_import(layer)
    assert allowed is not None, (f"{_layers()[layer].relative_to(PACKAGE.parent)}: its docstring needs a line "
                                 "'May import: errors, base, ...' (the ixpctl layers it may use)")


@pytest.mark.parametrize("layer", sorted(_layers()))
def test_may_import_lists_only_lower_layers(layer):
    allowed = _may_import(layer) or set()
    unknown = sorted(allowed - set(RANKS))
    assert not unknown, f"{layer}: 'May import:' names unknown layers {unknown}"
    upward = sorted(n for n in allowed if RANKS[n] >= RANKS[layer])
    assert not upward, (f"{layer} (rank {RANKS[layer]}) may import only lower layers, but its 'May import:' "
                        "lists " + ", ".join(f"{n} (rank {RANKS[n]})" for n in upward))


def test_imports_follow_the_may_import_lines():
    bad = []
    for edge in _edges():
        allowed = _may_import(edge.source)
        if allowed is None:  # errors.py: its rank alone (0: nothing below it)
            if RANKS.get(edge.target, float("inf")) >= RANKS.get(edge.source, float("-inf")):
                bad.append(f"{edge.where}: {edge.source} imports {edge.target}, which is not below it")
        elif edge.target not in allowed:
            bad.append(f"{edge.where}: {edge.source} imports {edge.target}, not on its line "
                       f"'May import: {', '.join(sorted(allowed, key=lambda n: RANKS.get(n, 99)))}'")
    assert not bad, "\n".join(bad)


def test_the_pure_core_never_reaches_the_edges():
    bad = [f"{e.where}: {e.source} imports {e.target}" for e in _edges()
           if e.source in PURE_CORE and e.target in NEVER_FROM_CORE]
    assert not bad, "\n".join(bad)


def test_nothing_but_the_entry_points_imports_cli():
    bad = [f"{e.where}: {e.source} imports cli" for e in _edges() if e.target == "cli" and e.source not in ENTRY_POINTS]
    assert not bad, "\n".join(bad)


def test_the_root_package_imports_nothing():
    assert not [name for name, _ in _imports(PACKAGE / "__init__.py") if _layer_of_name(name)], \
        "ixpctl/__init__.py holds only __version__: everyone imports it, so it imports nobody"


def test_the_top_level_holds_only_packages_and_the_main_modules():
    stray = []
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name in TOP_LEVEL_FILES | TOP_LEVEL_DIRS:
            continue
        if not (entry.is_dir() and (entry / "__init__.py").is_file()):
            stray.append(entry.name)
    assert not stray, (f"ixpctl/ holds {stray}: new code goes into a package (README, Architecture); "
                       f"only {', '.join(sorted(TOP_LEVEL_FILES))} stay at the top")


def test_no_module_is_too_long():
    long = [f"{p.relative_to(PACKAGE.parent)}: {n} lines" for p in _python_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, f"modules over {MAX_LINES} lines (split them, one job per module):\n" + "\n".join(long)


def test_the_checker_sees_every_kind_of_import():
    """The parser itself, on a module that would live at ixpctl/analysis/probe.py."""
    source = textwrap.dedent("""\
        import importlib
        from typing import TYPE_CHECKING
        import ixpctl.render.bird
        from ..errors import Problem
        from . import diff_sides
        from .. import __version__
        from ..sources import snapshot as snap
        if TYPE_CHECKING:
            from ..onboard.model import CheckResult
        def later():
            from ixpctl.lab import Lab
            return importlib.import_module("ixpctl.deploy.rs")
        """)
    names = [name for name, _ in _imports(PACKAGE / "analysis" / "probe.py", source)]
    layers = [layer for name in names if (layer := _layer_of_name(name)) is not None]
    assert sorted(layers) == sorted(["render", "errors", "analysis", ROOT, "sources", "onboard", "lab", "deploy"])
    assert "ixpctl.analysis.diff_sides" in names  # `from . import x`: x is the module
