"""The notifications' configuration, built once from the settings by the edges (services, CLI, bench)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NotifyConfig:
    """Everything the outbox, the dispatcher and the channels need to know about the platform."""

    public_url: str = "http://localhost:8501"
    staging: bool = False
    poll_seconds: float = 1.0
    batch: int = 50
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
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    sms_gateway_template: str = "generic"
    sms_sender: str = "VOISINAGE"
    sms_monthly_budget: int = 500
    sms_inbound_secret: str = ""
    sms_inbound_window_s: float = 300.0
    sms_premoderation: bool = True

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
        }
        values = {f: getattr(s, names.get(f, f)) for f in cls.__dataclass_fields__}
        values["public_url"] = str(values["public_url"]).rstrip("/")
        return cls(**values)
