"""The e-mail channel: SMTP with STARTTLS, implicit TLS or none, and authentication.

Each outbox row becomes one message with a stable ``Message-ID`` derived from the row (a resend after a crash
is the same message, which receiving servers and clients recognise), plain text and escaped HTML, and a
``List-Unsubscribe`` header: the member's one-click unsubscribe link (RFC 8058), else the app's « Mon compte »
page, where the footer also points.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
import time
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache

from notify._config import NotifyConfig
from notify._render import html_of


class PermanentError(Exception):
    """A failure that no retry will cure (address refused, request rejected): the message goes dead at once."""


def message_id(row_id: int, dedup_key: str, sender: str) -> str:
    """The stable Message-ID of the outbox row ``row_id``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "voisinage.local"
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:16]
    return f"<outbox.{row_id}.{digest}@{domain}>"


ACCOUNT_PATH = "/compte"  # the app's « Mon compte » page, where members choose what they receive
UNSUBSCRIBE_PATH = "/notifications/unsubscribe"  # the one-click unsubscribe route (RFC 8058)
_WIRE = policy.SMTP  # CRLF line ends, as sent


def account_url(config: NotifyConfig) -> str:
    """The « Mon compte » page of the app (the footer link, and List-Unsubscribe without a member)."""
    return f"{config.public_url}{ACCOUNT_PATH}"


def unsubscribe_url(config: NotifyConfig, token: str) -> str:
    """The one-click unsubscribe URL of a member's token."""
    return f"{config.public_url}{UNSUBSCRIBE_PATH}?token={token}"


def _fill(msg: EmailMessage, subject: str, body: str, link: str, sender: str, account: str) -> None:
    """What every recipient of one message shares: sender, subject, plain text and escaped HTML."""
    msg["From"] = sender
    msg["Subject"] = subject
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body + f"\n\n--\nChoisir ce que vous recevez : {account}\n")
    msg.add_alternative(html_of(subject, body, link, account), subtype="html")


@lru_cache(maxsize=64)
def _shared(subject: str, body: str, link: str, sender: str, account: str) -> bytes:
    """The shared headers and MIME body of one message, rendered once (rendering a MIME message costs far more
    than sending it)."""
    msg = EmailMessage(policy=_WIRE)
    _fill(msg, subject, body, link, sender, account)
    return msg.as_bytes()


def _unsubscribe_headers(config: NotifyConfig, token: str | None) -> list[tuple[str, str]]:
    if token is None:
        return [("List-Unsubscribe", f"<{account_url(config)}>")]
    return [
        ("List-Unsubscribe", f"<{unsubscribe_url(config, token)}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ]


def render(
    row_id: int,
    dedup_key: str,
    to: str,
    subject: str,
    body: str,
    link: str,
    config: NotifyConfig,
    unsubscribe_token: str | None = None,
) -> bytes | EmailMessage:
    """The e-mail of one outbox row, ready for the wire.

    The shared part is rendered once per message text (:func:`_shared`); only the few headers that differ per
    recipient (``To``, ``Date``, the stable ``Message-ID``, ``List-Unsubscribe``) are written per row, as
    bytes. An address that is not plain ASCII takes the slow path: a whole :class:`EmailMessage` (sent with
    SMTPUTF8 when needed).
    """
    per_row = [
        ("To", to),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", message_id(row_id, dedup_key, config.smtp_from)),
        *_unsubscribe_headers(config, unsubscribe_token),
    ]
    account, link = account_url(config), link or config.public_url
    if all(v.isascii() and "\r" not in v and "\n" not in v and len(v) < 900 for _, v in per_row):
        head = "".join(f"{name}: {value}\r\n" for name, value in per_row).encode("ascii")
        return head + _shared(subject, body, link, config.smtp_from, account)
    msg = EmailMessage()
    for name, value in per_row:
        msg[name] = value
    _fill(msg, subject, body, link, config.smtp_from, account)
    return msg


class SmtpChannel:
    """One SMTP connection, opened on first use and kept across messages (reopened after a failure or when the
    server closed it while idle). Not thread-safe: one per sending thread."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._used = 0.0
        self._envelope = parseaddr(config.smtp_from)[1] or config.smtp_from

    def _idle(self) -> bool:
        return time.monotonic() - self._used > 30.0

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context checking the server's certificate: against ``smtp_ca_file`` when set, else the
        system's authorities (the host name is always checked)."""
        return ssl.create_default_context(cafile=self.config.smtp_ca_file or None)

    def _open(self) -> smtplib.SMTP:
        c = self.config
        if not c.smtp_host:
            raise PermanentError("aucun serveur SMTP configuré (VOISINAGE_SMTP_HOST)")
        smtp: smtplib.SMTP
        if c.smtp_tls == "tls":
            smtp = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_s, context=self.tls_context())
        else:
            smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_s)
        try:
            if c.smtp_tls == "starttls":
                smtp.starttls(context=self.tls_context())
            if c.smtp_user:
                smtp.login(c.smtp_user, c.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: bytes | EmailMessage, to: str) -> None:
        """Send ``msg`` (wire bytes from :func:`render`, or a whole message) to ``to``; a refused recipient raises
        :class:`PermanentError`, anything else :class:`OSError` or :class:`smtplib.SMTPException` (retried)."""
        if self._smtp is not None and self._idle():
            try:
                self._smtp.noop()
            except (smtplib.SMTPException, OSError):
                self.close()  # the server closed an idle connection: open a new one
        reused = self._smtp is not None
        if self._smtp is None:
            self._smtp = self._open()
        self._used = time.monotonic()
        try:
            try:
                self._transmit(msg, to)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                self.close()  # a kept connection the server dropped: once more on a fresh one
                self._smtp = self._open()
                self._transmit(msg, to)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"adresse refusée par le serveur : {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"refus du serveur SMTP ({exc.smtp_code})") from exc
            self.close()
            raise OSError(f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def _transmit(self, msg: bytes | EmailMessage, to: str) -> None:
        assert self._smtp is not None
        if isinstance(msg, bytes):
            self._smtp.sendmail(self._envelope, [to], msg)
        else:
            self._smtp.send_message(msg, self._envelope, [to])

    def close(self) -> None:
        """Close the connection (quietly)."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None
