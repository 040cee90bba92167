"""The browser tests' helpers live in :mod:`server._process` (shared with ``make bench``)."""

from server._process import browser_sign_in, build_database, chromium_path, free_port, running_server

__all__ = ["browser_sign_in", "build_database", "chromium_path", "free_port", "running_server"]
