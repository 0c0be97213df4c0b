"""The two faces stand side by side: the phone pages and the API share httpkit/, never each other."""

from __future__ import annotations

import ast
from pathlib import Path

import makermatrix_edge

PACKAGE = Path(makermatrix_edge.__file__).parent


def imports_of(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.extend((path.name, alias.name) for alias in node.names)
    return found


def test_the_pages_do_not_import_the_api() -> None:
    assert [(f, m) for f, m in imports_of("web") if m.startswith("makermatrix_edge.api")] == []


def test_the_api_does_not_import_the_pages() -> None:
    assert [(f, m) for f, m in imports_of("api") if m.startswith("makermatrix_edge.web")] == []


def test_httpkit_imports_neither_face() -> None:
    faces = ("makermatrix_edge.api", "makermatrix_edge.web", "makermatrix_edge.app")
    assert [(f, m) for f, m in imports_of("httpkit") if m.startswith(faces)] == []
