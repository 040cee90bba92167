"""The server's warm-up (``server._warmup``): the pages' libraries and the embedded heat cache, in the background."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from app_support import services_on

from server import _warmup
from stats import _heat_cache

ROOT = Path(__file__).resolve().parent.parent


def test_page_modules_are_libraries_and_services() -> None:
    names = list(_warmup.page_modules())
    pages = {p.stem for p in (ROOT / "app_pages").glob("*.py") if not p.stem.startswith("_")}
    assert pages and not {n.rpartition(".")[2] for n in names} & pages  # a page script would run on import
    assert {"app_pages._map", "app_pages._staff", "services.stats", "services.maps"} <= set(names)


def test_warm_up_reads_the_heat_points(demo_db_url: str) -> None:
    _heat_cache.clear()
    with services_on(demo_db_url):
        _warmup.warm_up()
    assert [url for url, _ in _heat_cache._cache] == [demo_db_url]


def test_a_failed_warm_up_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise RuntimeError("base absente")

    monkeypatch.setattr(_warmup, "warm_up", broken)
    with caplog.at_level(logging.WARNING, logger="server._warmup"):
        _warmup.start_warm_up().join(timeout=10)
    assert "préchauffage du serveur interrompu" in caplog.text
