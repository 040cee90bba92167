"""The browser tests' helpers live in :mod:`server._process` (shared with ``make bench``)."""

from server._process import build_database, chromium_path, free_port, running_server

__all__ = ["build_database", "chromium_path", "free_port", "running_server"]
