"""The rooms of the house and the arrows between them (docs/architecture.md).

Every import of the project's own code, at module level or inside a function, is an arrow from
the importing module to the imported one. The tests hold three rules over the whole tree:

- an arrow may only point at a room its room may import (:data:`MAY_IMPORT`): views and the
  command line use services, layers, reports and domain; services use the store, ingest,
  engines, reports and domain; the store uses domain; domain uses only the foundation (settings,
  strings, escaping);
- no circle anywhere: no module reaches itself by following arrows;
- a function-level import never loads the project's own code, and loads a third-party library
  only with a comment saying why it is loaded late.

The checks parse the source (``ast``): nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWN = ("geo", "layers", "views", "cli", "data", "app")

# room -> the rooms its modules may import (besides their own room)
MAY_IMPORT: dict[str, frozenset[str]] = {
    "foundation": frozenset(),
    "domain": frozenset({"foundation"}),
    "store": frozenset({"foundation", "domain"}),
    "ingest": frozenset({"foundation", "domain", "store"}),
    "engines": frozenset({"foundation", "domain", "store", "ingest"}),
    "reports": frozenset({"foundation", "domain"}),
    "services": frozenset(
        {"foundation", "domain", "store", "ingest", "engines", "reports", "demo data"}
    ),
    "layers": frozenset({"foundation", "domain"}),
    "views": frozenset({"foundation", "domain", "services", "layers", "reports"}),
    "cli": frozenset({"foundation", "domain", "services", "layers", "reports", "api"}),
    "api": frozenset({"foundation", "domain", "services", "layers", "reports"}),
    "demo data": frozenset({"foundation", "domain"}),
    "entry": frozenset({"cli"}),
}


def room_of(module: str) -> str:
    """The room a module lives in (ValueError for a module outside every room)."""
    parts = module.split(".")
    if parts[0] in ("views", "app"):
        return "views"
    if parts[0] in ("cli", "layers"):
        return parts[0]
    if parts[0] == "data":
        return "demo data"
    if module == "geo.__main__":
        return "entry"
    if module in ("geo", "geo.config", "geo.i18n", "geo.escape") or module.startswith(
        "geo.strings"
    ):
        return "foundation"
    if len(parts) > 1 and parts[1] in (
        "domain",
        "store",
        "ingest",
        "engines",
        "reports",
        "services",
        "api",
    ):
        return parts[1]
    msg = f"{module} is in no room: give it one in docs/architecture.md and MAY_IMPORT"
    raise ValueError(msg)


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for base in ("geo", "layers", "views", "cli", "data"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue  # Alembic's scripts: run by Alembic, imported by nobody
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    out["app"] = ROOT / "app.py"
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (the longest known prefix), or None for a library."""
    if name.split(".")[0] not in OWN:
        return None
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imports(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[str], bool]]:
    """Every import statement: (node, the modules it names, inside a function)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node, [a.name for a in node.names], id(node) in inside
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from geo.store import rollups` names the submodule when there is one
            names = [f"{node.module}.{a.name}" for a in node.names]
            yield node, [node.module, *names], id(node) in inside


def _arrows() -> dict[str, set[str]]:
    arrows: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, names, _late in _imports(tree):
            targets = {_resolve(n) for n in names}
            if isinstance(node, ast.ImportFrom):  # the package, or the named submodules
                subs = {t for t in targets if t is not None and t != _resolve(names[0])}
                targets = subs or {_resolve(names[0])}
            arrows[module] |= {t for t in targets if t is not None and t != module}
    return arrows


ARROWS = _arrows()


def test_every_module_has_a_room() -> None:
    for module in MODULES:
        room_of(module)


def test_arrows_point_only_where_a_room_may_import() -> None:
    wrong = []
    for module, targets in sorted(ARROWS.items()):
        room = room_of(module)
        for target in sorted(targets):
            other = room_of(target)
            if other != room and other not in MAY_IMPORT[room]:
                wrong.append(f"{module} ({room}) -> {target} ({other})")
    assert wrong == []


def _circles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(arrows.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(arrows):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle() -> None:
    assert _circles(ARROWS) == []


def test_a_new_circle_is_caught() -> None:
    """The circle finder itself: two modules importing each other, and a longer ring."""
    assert _circles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []
    with_circle = {k: set(v) for k, v in ARROWS.items()}
    with_circle["geo.domain.period"].add("geo.services.briefing")
    assert _circles(with_circle), "a domain module importing a service must close a circle"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_function_level_imports_are_late_libraries_with_a_reason(module: str) -> None:
    path = MODULES[module]
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    bad = []
    for node, names, late in _imports(tree):
        if not late:
            continue
        if any(_resolve(n) for n in names):
            bad.append(f"line {node.lineno}: the project's own code imported in a function")
            continue
        # the reason: a comment on the import's line or above its block of imports
        i = node.lineno - 1
        said = "#" in lines[i]
        while not said and i > 0:
            above = lines[i - 1].strip()
            said = above.startswith("#")
            if not (
                above.startswith(("import ", "from "))
                or above.startswith(")")
                or above.endswith(("(", ","))
                or not above
            ):
                break
            i -= 1
        if not said:
            bad.append(f"line {node.lineno}: a late import with no comment saying why")
    assert bad == []
