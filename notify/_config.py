"""The notifications' configuration, built once from the settings by the edges (services, CLI, bench)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NotifyConfig:
    """Everything the outbox, the dispatcher and the channels need to know about the platform."""

    public_url: str = "http://localhost:8501"
    staging: bool = False
    poll_seconds: float = 1.0
    batch: int = 200
    workers: int = 4
    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    digest_hour: int = 18
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Voisinage <ne-pas-repondre@voisinage.local>"
    smtp_tls: str = "starttls"
    smtp_timeout_s: float = 20.0
    smtp_ca_file: str = ""
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    sms_gateway_template: str = "generic"
    sms_sender: str = "VOISINAGE"
    sms_monthly_budget: int = 500
    sms_inbound_secret: str = ""
    sms_inbound_window_s: float = 300.0
    sms_premoderation: bool = True
    # The key of sealed outbox bodies and unsubscribe links (services pass the setting's; the default is a key
    # of this process only, never a known one).
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @classmethod
    def from_settings(cls, s: Any) -> NotifyConfig:
        """Build from a :class:`settings.Settings` (every field has a setting of the same name)."""
        names = {
            "staging": "notify_staging",
            "poll_seconds": "notify_poll_seconds",
            "batch": "notify_batch",
            "workers": "notify_workers",
            "lease_seconds": "notify_lease_seconds",
            "max_attempts": "notify_max_attempts",
            "backoff_seconds": "notify_backoff_seconds",
            "backoff_max_seconds": "notify_backoff_max_seconds",
            "digest_hour": "notify_digest_hour",
            "secret": "notify_secret",
        }
        values = {f: getattr(s, names.get(f, f)) for f in cls.__dataclass_fields__}
        if not values["secret"]:
            del values["secret"]  # the services pass the key file's (see services._config.notify_config)
        values["public_url"] = str(values["public_url"]).rstrip("/")
        return cls(**values)
