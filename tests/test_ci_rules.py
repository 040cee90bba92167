"""The rules that keep CI honest."""

from __future__ import annotations

import pytest

import tests.conftest as conftest


def test_missing_service_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        conftest.skip_or_fail("PostGIS unavailable")
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="may not be skipped"):
        conftest.skip_or_fail("PostGIS unavailable")


def test_network_is_blocked_in_tests() -> None:
    import socket

    with pytest.raises(RuntimeError, match="network access blocked"), socket.socket() as s:
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed, and never tried
