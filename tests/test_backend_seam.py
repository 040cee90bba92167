"""Only ``store/`` knows which backend it talks to (issue 9: "one place in store/ that knows the backend").

Every other package asks :func:`store.is_postgis` (or a store helper such as ``upsert_insert`` or
``wake_listeners``) instead of reading the SQLAlchemy dialect itself; checked on the source, with the AST.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"store", "tests", ".venv", "node_modules", ".git", "data", "docs"}


def _sources() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts[:1]) and ".venv" not in path.parts
    )


def dialect_reads(path: Path) -> list[str]:
    """The lines of ``path`` that read a dialect (``x.dialect``, ``dialect.name``) or compare to a backend name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree) if _reads_dialect(node)]


def _reads_dialect(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in {"dialect", "dialect_name"}
    if isinstance(node, ast.Compare):
        names = {"postgresql", "sqlite"}
        return any(isinstance(c, ast.Constant) and c.value in names for c in (node.left, *node.comparators))
    return False


def test_the_sources_are_found() -> None:
    names = {p.relative_to(ROOT).parts[0] for p in _sources()}
    assert {"alerts", "community", "notify", "sectors", "services", "stats", "cli", "server"} <= names


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_dialect_read_outside_store(path: Path) -> None:
    assert dialect_reads(path) == []


def test_the_checker_sees_a_dialect_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('def f(s):\n    return s.get_bind().dialect.name == "postgresql"\n', encoding="utf-8")
    assert len(dialect_reads(probe)) == 2
