"""The Content-Security-Policy and the security headers (pure functions; the served headers are tested with a
real server in test_app_server.py)."""

from __future__ import annotations

import base64
import hashlib

from server._headers import content_security_policy, inline_script_hashes, security_headers, streamlit_index_hashes


def _directive(csp: str, name: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith(name + " "))


def test_tile_host_is_allowed_for_images_only():
    csp = content_security_policy([], "https://data.geopf.fr")
    assert _directive(csp, "img-src") == "img-src 'self' data: blob: https://data.geopf.fr"
    assert "geopf" not in _directive(csp, "script-src") and "geopf" not in _directive(csp, "connect-src")


def test_without_tiles_only_self():
    csp = content_security_policy([])
    assert "http" not in csp
    assert _directive(csp, "frame-ancestors") == "frame-ancestors 'self'"
    assert _directive(csp, "object-src") == "object-src 'none'"


def test_inline_scripts_are_hashed_not_allowed_wholesale():
    page = "<script>window.a = 1</script><script src='/x.js'></script><script type='module'>b()</script>"
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in ("window.a = 1", "b()")
    ]
    assert inline_script_hashes(page) == expected


def test_streamlit_index_has_its_inline_scripts_hashed():
    assert streamlit_index_hashes()  # Streamlit's index.html has an inline script: it must be allowed by hash


def test_headers():
    headers = dict(security_headers("default-src 'self'"))
    assert headers[b"referrer-policy"] == b"no-referrer"
    assert headers[b"x-content-type-options"] == b"nosniff"
