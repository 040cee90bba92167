"""Lazy public APIs for package ``__init__`` modules (PEP 562), so that a command pays only for what it uses.

A package declares its public API once, as ordinary imports inside ``if TYPE_CHECKING:`` (type checkers and
readers see real imports); :func:`lazy_exports` reads that block from the package's source and returns the
module's ``__getattr__`` and ``__dir__``, which import a name's submodule on first access only. This is what
``lazy_loader.attach_stub`` does with a ``.pyi`` file, without the second file.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _declared_imports(source: str) -> dict[str, tuple[str, str]]:
    """``{public name: (module, attribute)}`` for the ``from X import a as b`` lines under ``if TYPE_CHECKING:``."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                for alias in stmt.names:
                    found[alias.asname or alias.name] = (stmt.module, alias.name)
    return found


def lazy_exports(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, importing each public name's submodule on first access.

    Parameters
    ----------
    package
        The package's ``__name__``; its ``__init__`` declares the public API under ``if TYPE_CHECKING:``.
    """
    module = sys.modules[package]
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    table = _declared_imports(source)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        try:
            where, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(where), attribute)
        setattr(module, name, value)  # later accesses are plain attribute reads
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted(set(vars(module)) | set(table))

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
