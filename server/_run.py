"""Running the app under uvicorn (what ``voisinage serve`` calls)."""

from __future__ import annotations

import os


def serve(host: str, port: int, *, db_url: str | None = None) -> None:
    """Serve the app on ``host:port`` until interrupted.

    Parameters
    ----------
    db_url
        Database URL overriding the ``VOISINAGE_DATABASE_URL`` setting (the CLI's ``--db``).
    """
    if db_url:
        os.environ["VOISINAGE_DATABASE_URL"] = db_url
        from settings import get_settings

        get_settings.cache_clear()
    import uvicorn

    import store
    from server import build_app
    from services import engine
    from services._config import settings

    check_app_role = getattr(store, "check_app_role", None)
    if check_app_role is not None:
        check_app_role(engine())
    app = build_app()
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=settings().trusted_proxies,
        log_level="warning",
        access_log=False,
    )
