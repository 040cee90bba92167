"""Running the app under uvicorn (what ``voisinage serve`` calls)."""

from __future__ import annotations


def serve(host: str, port: int) -> None:
    """Serve the app on ``host:port`` until interrupted (the database is the services' one: ``--db`` or the setting).

    On PostGIS, refuses to start when the database role could bypass row-level security
    (``store.check_app_role``). The pages' modules and the embedded heat cache are warmed in the background
    (:mod:`server._warmup`), so that the first visitor does not wait for them.
    """
    import uvicorn

    import services
    from server import build_app
    from services._config import settings
    from store import check_app_role

    check_app_role(services.engine())
    services.start()
    uvicorn.run(
        build_app(warm_up=True),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=settings().trusted_proxies,
        log_level="warning",
        access_log=False,
    )
