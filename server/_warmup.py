"""What the first visitor of a freshly started server would otherwise wait for, done in the background.

The pages import their libraries (folium, the statistics, the alerts' checks…) on their first run, and on the
embedded backend the first heat map reads every public alert point of the commune. ``voisinage serve`` does
both once, in a daemon thread started with the server: the first heat map after a restart then costs what the
next ones do. A failure here changes nothing but speed: it is logged, and the page does the work itself.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

# The pages' own libraries (``app_pages._*``) and the services they call; the domain modules the services
# import lazily, on their first call, are imported by what follows (the heat cache reads through them).
PACKAGES = ("app_pages", "services")
# What the pages import inside their functions: the map layers. Never ``streamlit_folium``: a component
# registers only when declared during a script run, and a module is imported once.
MODULES = ("layers",)


def page_modules() -> Iterator[str]:
    """The modules a page run imports: each library module of the pages (never a page script, which would
    run), each service module, and :data:`MODULES`."""
    for package in PACKAGES:
        path = importlib.import_module(package).__path__
        for info in pkgutil.iter_modules(path, f"{package}."):
            if package == "app_pages" and not info.name.rpartition(".")[2].startswith("_"):
                continue  # a page: importing it would run it
            yield info.name
    yield from MODULES


def warm_up() -> None:
    """Import the pages' modules, then read the communes' heat points (embedded backend)."""
    from services import stats

    for name in page_modules():
        importlib.import_module(name)
    stats.warm_heat_cache()


def _warm_up_logged() -> None:
    try:
        warm_up()
    except Exception:  # speed only: the pages do the same work when they need it
        log.warning("préchauffage du serveur interrompu (sans effet sur le service)", exc_info=True)


def start_warm_up() -> threading.Thread:
    """Run :func:`warm_up` in a daemon thread; the thread."""
    thread = threading.Thread(target=_warm_up_logged, name="voisinage-warm-up", daemon=True)
    thread.start()
    return thread
