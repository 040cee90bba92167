"""The SMS channel: an HTTP gateway, with ready-made request templates.

Templates (setting ``VOISINAGE_SMS_GATEWAY_TEMPLATE``):

``generic`` (default)
    ``POST VOISINAGE_SMS_GATEWAY_URL`` with the JSON body ``{"to": "+33612345678", "text": "...",
    "sender": "VOISINAGE", "reference": "<outbox id>"}`` and the header ``X-Api-Key: VOISINAGE_SMS_GATEWAY_KEY``.
    Any 2xx answer means accepted; 4xx (except 429) is a permanent refusal; 429 and 5xx are retried.

``brevo``
    Brevo (ex-Sendinblue, a French provider) transactional SMS API: set the URL to
    ``https://api.brevo.com/v3/transactionalSMS/sms`` (or ``.../transactionalSMS/send``) and the key to the
    account's API key. Body ``{"sender": "VOISINAGE", "recipient": "33612345678", "content": "...",
    "type": "transactional", "tag": "voisinage"}``, header ``api-key: <key>``.

Each commune has a monthly budget (``VOISINAGE_SMS_MONTHLY_BUDGET``) counted by the dispatcher.
"""

from __future__ import annotations

from typing import Any

import httpx

from notify._config import NotifyConfig
from notify._email import PermanentError


def request_for(template: str, to: str, text: str, reference: str, config: NotifyConfig) -> tuple[dict, dict]:
    """The JSON body and the headers of one SMS for ``template``."""
    if template == "brevo":
        body: dict[str, Any] = {
            "sender": config.sms_sender[:11],
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
            "tag": "voisinage",
        }
        return body, {"api-key": config.sms_gateway_key, "accept": "application/json"}
    body = {"to": to, "text": text, "sender": config.sms_sender[:11], "reference": reference}
    return body, {"X-Api-Key": config.sms_gateway_key}


class SmsChannel:
    """One HTTP client kept for the dispatcher's life."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config
        self._client = httpx.Client(timeout=10.0)

    def send(self, to: str, text: str, reference: str) -> None:
        """Send one SMS; :class:`PermanentError` when the gateway refuses it for good, ``OSError`` to retry."""
        if not self.config.sms_gateway_url:
            raise PermanentError("aucune passerelle SMS configurée (VOISINAGE_SMS_GATEWAY_URL)")
        body, headers = request_for(self.config.sms_gateway_template, to, text, reference, self.config)
        try:
            answer = self._client.post(self.config.sms_gateway_url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise OSError(f"passerelle SMS injoignable : {exc}") from exc
        if answer.status_code < 300:
            return
        if 400 <= answer.status_code < 500 and answer.status_code != 429:
            raise PermanentError(f"passerelle SMS : refus {answer.status_code} {answer.text[:200]}")
        raise OSError(f"passerelle SMS : erreur {answer.status_code}")

    def close(self) -> None:
        self._client.close()
