"""The layer rule of backend/parley/__init__.py, checked over the source with `ast`: every import (TYPE_CHECKING
and function-level ones included) points down the layers, and no module imports itself through others."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "backend" / "parley"

BASE = frozenset({"settings", "clock", "errors", "models", "counters"})
ROOT = frozenset({"", "app", "cli", "__main__", "keys", "logs"})
LAYERS = ("web", "admin", "actions", "live", "store")
# Whom each layer may import (besides itself). The root modules may import anything.
ALLOWED: dict[str, frozenset[str]] = {
    "base": frozenset({"base"}),
    "store": frozenset({"store", "base"}),
    "live": frozenset({"live", "store", "base"}),
    "actions": frozenset({"actions", "live", "store", "base"}),
    "admin": frozenset({"admin", "actions", "live", "store", "base"}),
    "web": frozenset({"web", "actions", "live", "store", "base", "keys"}),
}
MAX_TOP_LEVEL_MODULES = 12


def module_names(root: Path) -> dict[str, Path]:
    """Dotted names below the package ('' for the package itself, 'web.ws', 'store' for store/__init__.py)."""
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def layer_of(module: str) -> str:
    head = module.split(".")[0]
    if head in LAYERS:
        return head
    if module in BASE:
        return "base"
    if module in ROOT:
        return "root" if module != "keys" else "keys"
    raise AssertionError(f"module {module!r} belongs to no layer: put it in one, or name it in test_layers.py")


def imports_of(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of a parley module, resolved to a module that exists."""
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = [p for p in package if p]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                prefix = ".".join(["parley", *base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        for target in targets:
            if target != "parley" and not target.startswith("parley."):
                continue
            name = target.removeprefix("parley").removeprefix(".")
            if name in known:
                yield name, node.lineno
                if isinstance(node, ast.ImportFrom):
                    break  # `from x import y`: y is a submodule of x, or a name in x; the first match is it


def graph(root: Path) -> dict[str, set[str]]:
    known = module_names(root)
    return {m: {target for target, _ in imports_of(m, p, known)} - {m} for m, p in known.items()}


def violations(root: Path) -> list[str]:
    known = module_names(root)
    found = []
    for module, path in sorted(known.items()):
        layer = layer_of(module)
        if layer in ("root", "keys"):
            continue  # the wiring: may name any layer (keys.py only for types)
        allowed = ALLOWED.get(layer, ALLOWED["base"])
        for target, line in imports_of(module, path, known):
            target_layer = layer_of(target)
            if target == module or target_layer in allowed:
                continue
            found.append(f"{path.relative_to(root)}:{line}: {layer} may not import {target_layer} ({target})")
    return found


def cycles(root: Path) -> list[list[str]]:
    edges = graph(root)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_every_import_points_down_the_layers() -> None:
    assert violations(SOURCE) == []


def test_no_import_cycles() -> None:
    assert cycles(SOURCE) == []


def test_the_top_level_stays_small() -> None:
    top = sorted(p.name for p in SOURCE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    assert {p.name for p in SOURCE.iterdir() if (p / "__init__.py").is_file()} >= set(LAYERS)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "parley"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for layer in LAYERS:
        (root / layer).mkdir(parents=True, exist_ok=True)
        (root / layer / "__init__.py").touch()
    (root / "__init__.py").touch()
    return root


@pytest.mark.parametrize(
    ("importer", "statement", "complaint"),
    [
        ("store/base.py", "from parley.actions import rooms\n", "store may not import actions"),
        ("live/hub.py", "from parley.web.ws import websocket\n", "live may not import web"),
        ("admin/cmd.py", "from parley.web import rest\n", "admin may not import web"),
        ("actions/rooms.py", "from ..web import rest\n", "actions may not import web"),
        ("models.py", "from parley.live import hub\n", "base may not import live"),
        ("actions/rooms.py", "from parley import keys\n", "actions may not import keys"),
        (
            "store/base.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from parley.live.hub import Hub\n",
            "store may not import live",
        ),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, importer: str, statement: str, complaint: str) -> None:
    """The checker itself: each forbidden edge, added to an otherwise clean tree, is reported with its line."""
    files = {
        "models.py": "",
        "keys.py": "",
        "store/base.py": "",
        "live/hub.py": "",
        "web/ws.py": "",
        "web/rest.py": "",
        "actions/rooms.py": "",
        "admin/cmd.py": "",
    }
    assert violations(_tree(tmp_path / "clean", files)) == []
    files[importer] = statement
    found = violations(_tree(tmp_path / "dirty", files))
    assert len(found) == 1 and complaint in found[0] and found[0].startswith(importer), found


def test_an_import_cycle_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"live/a.py": "from parley.live import b\n", "live/b.py": "from . import a\n"})
    assert cycles(root) == [["live.a", "live.b", "live.a"]]
