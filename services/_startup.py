"""What the services set up explicitly for each process: the domains' RGPD hooks and the notifications' outbox
hooks (every change to an alert or a member writes its messages in its own transaction).

The members domain exports and deletes what other domains hold about a member through hooks those domains
register (:func:`community.register_exporter`, :func:`community.register_anonymiser`). They are registered
here, by :func:`start`, not as a side effect of importing a package: the app and the dispatcher call
:func:`services.start` at start-up, and every RGPD service calls it again before it runs (registering is
idempotent and costs two dictionary writes, so a hook replaced meanwhile is put back).
"""

from __future__ import annotations


def start() -> None:
    """Register the RGPD hooks of every domain that holds member data (alerts), the audit of the operator's
    changes to alerts made for a member, and the outbox hooks of ``notify`` with its configuration from the
    settings (also called when the services' engine is made)."""
    import notify
    from alerts import on_alert_event, register_rgpd_hooks
    from services._config import notify_config
    from services.alerts import audit_operator_move

    register_rgpd_hooks()
    on_alert_event("operator-audit", audit_operator_move)
    notify.configure(notify_config())
    notify.register_hooks()
