"""The layer order of DESIGN.md, checked: a module imports only its own package and layers below it.

Every import under makermatrix_edge counts: module-level, inside functions, under TYPE_CHECKING.
Names in one layer are peers and do not import each other. There is no list of exceptions: a new
top-level module or package fails `test_every_top_level_name_has_a_layer` until it is placed here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import makermatrix_edge

PACKAGE = Path(makermatrix_edge.__file__).parent
ROOT = "__init__"  # the package itself: `from makermatrix_edge import __version__`

# Bottom to top: (top-level names under makermatrix_edge, why they sit there).
LAYERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("errors", "clock", "settings", ROOT), "leaves: domain errors, time, typed config, the version"),
    (("bounds", "textcheck"), "input limits and text checks: they raise the domain errors"),
    (("runtime",), "process plumbing (sd_notify, events, logging, disk space, device state): no db, no devices"),
    (("codes",), "pure code reading: frame -> symbols -> fields, no camera and no database"),
    (("db",), "the SQLite gateway and migrations: every store sits on it"),
    (("devices",), "printer, camera, LLM, mDNS, USB drive: the pipes, which never call a service"),
    (("accounts",), "users, roles and principals: every service checks who asks"),
    (("tasks",), "the task queue and scheduled jobs: services above queue work on it"),
    (("inventory",), "parts, locations, stock: what labels, scans, suppliers and orders talk about"),
    (("labels", "scanning", "suppliers"), "services over the inventory and devices, independent of each other"),
    (("orders",), "order import: reads supplier files and enriches through suppliers"),
    (("projects",), "projects, BOMs matched to the shelf, builds: reserve and take stock, reorder through suppliers"),
    (("assistant", "backups"), "the chat agent and the nightly backup, over everything below"),
    (("services", "doctor"), "the service container; the doctor's checks (host, backups, devices)"),
    (("httpkit",), "HTTP helpers shared by both faces"),
    (("api", "web", "demo"), "clients of the services: the API, the phone pages, the demo bench; never each other"),
    (("app",), "create_app(): routes both faces, maps errors"),
    (("daemon",), "the composition root: builds everything and runs uvicorn"),
    (("cli",), "the `makermatrix-edge` commands"),
    (("__main__",), "`python -m makermatrix_edge`"),
)
RANK = {name: rank for rank, (names, _) in enumerate(LAYERS) for name in names}


@cache
def top_level_names() -> tuple[str, ...]:
    """Every module and package directly under makermatrix_edge, the package itself as ROOT."""
    names = [ROOT]
    for path in sorted(PACKAGE.iterdir()):
        if path.suffix == ".py" and path.name != "__init__.py":
            names.append(path.stem)
        elif path.is_dir() and (path / "__init__.py").exists():
            names.append(path.name)
    return tuple(names)


def module_of(path: Path) -> tuple[str, ...]:
    """('makermatrix_edge', 'devices', 'camera') for devices/camera/__init__.py, with the module's name for others."""
    parts = (makermatrix_edge.__name__, *path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def targets(node: ast.Import | ast.ImportFrom, path: Path) -> Iterator[tuple[str, ...]]:
    """The modules an import statement names, as dotted parts, relative imports resolved."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield tuple(alias.name.split("."))
        return
    base: tuple[str, ...] = ()
    if node.level:
        here = module_of(path)
        package = here if path.name == "__init__.py" else here[:-1]
        base = package[: len(package) - (node.level - 1)]
    module = base + (tuple(node.module.split(".")) if node.module else ())
    for alias in node.names:
        # `from makermatrix_edge import daemon` imports a module; `... import __version__` the package.
        yield (*module, alias.name)


def top_of(parts: tuple[str, ...]) -> str | None:
    """The top-level name an import lands in, ROOT for the package itself, None outside the package."""
    if parts[0] != makermatrix_edge.__name__:
        return None
    if len(parts) == 1:
        return ROOT
    name = parts[1]
    return name if name in top_level_names() else ROOT


def imports_of(name: str) -> list[tuple[str, int, str, str]]:
    """(file, line, imported top-level name, what the statement imports) for every import in `name`."""
    if name == ROOT:
        files = [PACKAGE / "__init__.py"]
    elif (PACKAGE / name).is_dir():
        files = sorted((PACKAGE / name).rglob("*.py"))
    else:
        files = [PACKAGE / f"{name}.py"]
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for parts in targets(node, path):
                target = top_of(parts)
                if target is not None and target != name:
                    found.append((str(path.relative_to(PACKAGE)), node.lineno, target, ".".join(parts)))
    return found


def where(target: str, importer: str) -> str:
    if target not in RANK:
        return "no layer"
    return "a peer" if RANK[target] == RANK[importer] else "a higher layer"


def test_the_layers_name_each_module_once() -> None:
    names = [name for names, _ in LAYERS for name in names]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_every_top_level_name_has_a_layer() -> None:
    """A new package is placed deliberately, not let in by default."""
    assert [name for name in top_level_names() if name not in RANK] == []


def test_every_layer_name_is_a_module_that_exists() -> None:
    """A module that moved or went leaves no stale name behind in the order."""
    assert [name for name in RANK if name not in top_level_names()] == []


@pytest.mark.parametrize("name", top_level_names())
def test_imports_only_from_below(name: str) -> None:
    if name not in RANK:
        pytest.skip(f"{name} has no layer (test_every_top_level_name_has_a_layer fails)")
    upward = [
        f"{file}:{line} imports {what} ({target}: {where(target, name)})"
        for file, line, target, what in imports_of(name)
        if RANK.get(target, len(LAYERS)) >= RANK[name]
    ]
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_the_walk_sees_every_kind_of_import() -> None:
    """The walker itself: relative, function-level and TYPE_CHECKING imports all count."""
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "from ..devices import DeviceState\n"
        "if TYPE_CHECKING:\n"
        "    from makermatrix_edge.services import Services\n"
        "def f() -> None:\n"
        "    import makermatrix_edge.daemon\n"
        "    from makermatrix_edge import __version__, cli\n"
    )
    path = PACKAGE / "runtime" / "example.py"
    found = [
        top_of(parts)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for parts in targets(node, path)
    ]
    assert [t for t in found if t is not None] == ["devices", "services", "daemon", ROOT, "cli"]
