"""Real components for the notification tests: an SMTP server (aiosmtpd) and an HTTP SMS gateway (http.server),
both on loopback, started and stopped by the tests (see :mod:`notify._loopback`)."""

from __future__ import annotations

from notify import NotifyConfig
from notify._loopback import GatewaySink, SmtpSink, free_port

__all__ = ["GatewaySink", "SmtpSink", "add_residents", "config", "free_port"]


def config(smtp: SmtpSink | None = None, gateway: GatewaySink | None = None, **kw: object) -> NotifyConfig:
    """A configuration pointing at the local servers, with short retries."""
    values: dict[str, object] = {
        "public_url": "https://voisinage.example",
        "smtp_host": "127.0.0.1" if smtp else "",
        "smtp_port": smtp.port if smtp else 25,
        "smtp_tls": "none",
        "smtp_timeout_s": 5.0,
        "sms_gateway_url": gateway.url if gateway else "",
        "sms_gateway_key": "test-key",
        "backoff_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        "poll_seconds": 0.1,
        "lease_seconds": 5.0,
        "secret": "clé-de-test-des-notifications",
    }
    values.update(kw)
    return NotifyConfig(**values)  # type: ignore[arg-type]


def add_residents(engine, commune_id: int, n: int, sector: str = "A1", prefix: str = "r") -> list[str]:
    """``n`` verified residents of ``sector`` (bulk insert); returns their e-mails."""
    from sqlalchemy import insert

    from store import bind_commune, transaction
    from store.schema import Member, MemberStatus, Role

    emails = [f"{prefix}{i:06d}@voisins.fr" for i in range(n)]
    rows = [
        {"commune_id": commune_id, "email": e, "name": e[:7], "role": Role.RESIDENT, "status": MemberStatus.VERIFIED,
         "sector_code": sector, "address_label": "", "registered_via": "web", "totp_enabled": False}
        for e in emails
    ]  # fmt: skip
    with transaction(engine) as s:
        bind_commune(s, commune_id)  # members are written within their commune
        for start in range(0, n, 500):
            s.execute(insert(Member), rows[start : start + 500])
    return emails
