"""The CLI stays thin: parse, call one service, print (checked on the source, with the AST).

Nothing under ``cli/`` builds SQL, opens sessions, reads settings or knows the backend; nothing heavy is
imported at module level (``voisinage --help`` must start in < 0.5 s).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parent.parent / "cli"
FORBIDDEN_MODULES = ("sqlalchemy", "store", "settings", "psycopg", "alembic")
FORBIDDEN_NAMES = {"transaction", "get_settings", "settings", "is_postgis", "make_engine", "Session", "select"}
HEAVY_AT_MODULE_LEVEL = ("pandas", "geopandas", "numpy", "shapely", "osmnx", "reportlab", "folium", "streamlit",
                         "pyproj", "scipy", "tqdm", "openpyxl")  # fmt: skip
# Command groups still being moved onto the services (issue 9); remove each as it is converted.
PENDING: set[str] = set()


def _root(module: str) -> str:
    return module.split(".")[0]


def problems(path: Path) -> list[str]:
    """Every breach of the thin-CLI rules in one file (line: what)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    top_level = set(map(id, tree.body))
    guarded = {
        id(stmt)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        modules: list[str] = []
        names: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Attribute) and node.attr in {"is_postgis", "dialect"}:
            found.append(f"{node.lineno}: .{node.attr} (the backend is store's business)")
        for module in modules:
            if _root(module) in FORBIDDEN_MODULES:
                found.append(f"{node.lineno}: import {module}")
            if id(node) in top_level and _root(module) in HEAVY_AT_MODULE_LEVEL:
                found.append(f"{node.lineno}: {module} imported at module level (slow start-up)")
        found += [f"{node.lineno}: import of {n}" for n in names if n in FORBIDDEN_NAMES]
    return found


def test_the_scan_sees_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pandas as pd\nfrom sqlalchemy import select\nfrom store import transaction\n"
        "from settings import get_settings\n\ndef f(e):\n    import store\n    return e.dialect.name\n",
        encoding="utf-8",
    )
    found = "\n".join(problems(bad))
    for expected in ("1: pandas imported at module level", "2: import sqlalchemy", "2: import of select",
                     "3: import store", "3: import of transaction", "4: import settings", "4: import of get_settings",
                     "7: import store", "8: .dialect"):  # fmt: skip
        assert expected in found


@pytest.mark.parametrize("path", sorted(p for p in CLI.glob("*.py") if p.name not in PENDING), ids=lambda p: p.name)
def test_cli_module_is_thin(path: Path) -> None:
    assert problems(path) == []
