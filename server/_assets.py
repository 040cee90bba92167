"""Static routes: the map libraries installed from npm (``make assets``) and the auth pages' style sheet."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from layers._assets import ASSET_ROUTE, SERVED_PACKAGES
from settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"
STATIC = Path(__file__).parent / "static"

log = logging.getLogger(__name__)


def routes() -> list[BaseRoute]:
    """One mount per served npm package (its ``dist`` folder only), and ``/assets/app.css``."""
    mounted: list[BaseRoute] = []
    for package, folder in SERVED_PACKAGES.items():
        directory = NODE_MODULES / folder
        if not directory.is_dir():
            log.warning("Cartes : %s absent (lancez « make assets ») ; les cartes resteront vides.", directory)
            continue
        mounted.append(Mount(f"{ASSET_ROUTE}/{package}", app=StaticFiles(directory=directory), name=f"map-{package}"))
    mounted.append(Mount("/assets", app=StaticFiles(directory=STATIC), name="assets"))
    return mounted
