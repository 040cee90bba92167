"""Services: one function per thing a person can do, the one way in for the CLI, the app and the dispatcher.

Conventions (every module of this package follows them):

- a service takes the authenticated :class:`Actor` first (the one identity type, from ``community``), then
  plain arguments (``str``, ``int``, ``float``, ``datetime``, paths); never a session or an engine;
- it opens its own unit of work (:func:`unit_of_work`), bound to the actor's commune on PostGIS;
- authorisation is decided by the permission matrix of ``community`` (``authorize`` / ``allowed``) and nothing
  else;
- it returns typed results (frozen dataclasses), never ORM rows that outlive the transaction;
- bad input raises :class:`ServiceError` (``gis.InputError``) with ``field`` set to the input concerned and a
  French message that names no CLI option (the CLI maps fields to options, the app to form fields);
- settings are mapped to domain configuration once, in :mod:`services._config`.

Modules are imported by their callers one by one (``from services import alerts``), so that a command pays
only for the domain it uses: this package's ``__init__`` imports nothing heavy.
"""

from services._core import Actor, ServiceError, engine, reset_engine, unit_of_work, use_database


def start() -> None:
    """Set up what every process needs once (the domains' RGPD hooks); call it at start-up. Idempotent."""
    from services._startup import start as start_services

    start_services()


__all__ = ["Actor", "ServiceError", "engine", "reset_engine", "start", "unit_of_work", "use_database"]
