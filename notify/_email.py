"""The e-mail channel: SMTP with STARTTLS, implicit TLS or none, and authentication.

Each outbox row becomes one message with a stable ``Message-ID`` derived from the row (a resend after a crash
is the same message, which receiving servers and clients recognise), plain text and escaped HTML, and a
``List-Unsubscribe`` header pointing at the member's choices in the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from notify._config import NotifyConfig
from notify._render import html_of


class PermanentError(Exception):
    """A failure that no retry will cure (address refused, request rejected): the message goes dead at once."""


def message_id(row_id: int, dedup_key: str, sender: str) -> str:
    """The stable Message-ID of the outbox row ``row_id``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "voisinage.local"
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:16]
    return f"<outbox.{row_id}.{digest}@{domain}>"


def build(
    row_id: int, dedup_key: str, to: str, subject: str, body: str, link: str, config: NotifyConfig
) -> EmailMessage:
    """The e-mail for one outbox row."""
    msg = EmailMessage()
    msg["From"] = config.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(row_id, dedup_key, config.smtp_from)
    preferences = f"{config.public_url}/?page=preferences"
    msg["List-Unsubscribe"] = f"<{preferences}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body + f"\n\n--\nChoisir ce que vous recevez : {preferences}\n")
    msg.add_alternative(html_of(subject, body, link or config.public_url, preferences), subtype="html")
    return msg


class SmtpChannel:
    """One SMTP connection, opened on first use and kept for a batch."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._used = 0.0

    def _idle(self) -> bool:
        return time.monotonic() - self._used > 30.0

    def _open(self) -> smtplib.SMTP:
        c = self.config
        if not c.smtp_host:
            raise PermanentError("aucun serveur SMTP configuré (VOISINAGE_SMTP_HOST)")
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if c.smtp_tls == "tls":
            smtp = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout_s)
            if c.smtp_tls == "starttls":
                smtp.starttls(context=context)
        if c.smtp_user:
            smtp.login(c.smtp_user, c.smtp_password)
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg``; a refused recipient raises :class:`PermanentError`, anything else :class:`OSError`."""
        if self._smtp is not None and self._idle():
            try:
                self._smtp.noop()
            except (smtplib.SMTPException, OSError):
                self.close()  # the server closed an idle connection: open a new one
        if self._smtp is None:
            self._smtp = self._open()
        self._used = time.monotonic()
        try:
            self._smtp.send_message(msg)
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

    def close(self) -> None:
        """Close the connection (quietly)."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None
