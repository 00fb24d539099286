"""SMS through a generic HTTP gateway: configurable URL, auth, JSON payload template.

The payload template is JSON whose string leaves may hold ``$to``, ``$text``, ``$sender``,
``$idempotency_key``, ``$lang``, ``$callback_url``, ``$subject`` and ``$<metadata key>``; values are
substituted after parsing, so a quote or a dollar sign in the message cannot break the JSON.
"""

from __future__ import annotations

import json
from string import Template as DollarTemplate

from accord.channels.adapters._http import JsonPoster, header_pair
from accord.channels.adapters.base import (
    AdapterConfigError, ChannelAdapter, OutboundMessage, Receipt, receipt,
)
from accord.channels.adapters.receipts import _dig
from accord.channels.settings import DEFAULT_SMS_PAYLOAD


def fill_payload(template: object, values: dict[str, str]) -> object:
    """Substitute ``$name`` in every string leaf of a parsed JSON template."""
    if isinstance(template, str):
        return DollarTemplate(template).safe_substitute(values)
    if isinstance(template, list):
        return [fill_payload(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill_payload(item, values) for key, item in template.items()}
    return template


class HttpGatewaySmsAdapter(ChannelAdapter):
    channel = "sms"
    name = "http_gateway"

    def __init__(self, url: str, *, payload: str | object = DEFAULT_SMS_PAYLOAD,
                 auth_header: str | None = None, user: str | None = None,
                 password: str | None = None, sender: str = "Accord", id_field: str = "id",
                 idempotency_header: str = "Idempotency-Key", callback_url: str = "",
                 timeout: float = 10.0):
        try:
            self.payload = json.loads(payload) if isinstance(payload, str) else payload
            self.headers = header_pair(auth_header)
            self.poster = JsonPoster(url, timeout=timeout, what="SMS gateway")
        except (ValueError, json.JSONDecodeError) as exc:
            raise AdapterConfigError(f"SMS gateway settings are unusable: {exc}") from exc
        if user:
            import base64

            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        self.sender, self.id_field = sender, id_field
        self.idempotency_header = idempotency_header
        self.callback_url = callback_url

    @classmethod
    def from_settings(cls, settings) -> HttpGatewaySmsAdapter:
        if not settings.sms_gateway_url:
            raise AdapterConfigError("ACCORD_SMS_GATEWAY_URL is not set (the HTTP gateway's URL)")
        return cls(settings.sms_gateway_url, payload=settings.sms_gateway_payload,
                   auth_header=settings.sms_gateway_auth_header, user=settings.sms_gateway_user,
                   password=settings.sms_gateway_password, sender=settings.sms_sender,
                   id_field=settings.sms_gateway_id_field,
                   idempotency_header=settings.sms_gateway_idempotency_header,
                   callback_url=settings.sms_callback_url, timeout=settings.sms_gateway_timeout)

    def build_payload(self, message: OutboundMessage) -> object:
        values = {str(k): str(v) for k, v in message.metadata.items()}
        values.update(to=message.to, text=message.text, subject=message.subject,
                      sender=str(message.metadata.get("sender", self.sender)),
                      idempotency_key=message.idempotency_key, lang=message.lang,
                      callback_url=self.callback_url)
        return fill_payload(self.payload, values)

    def send(self, message: OutboundMessage) -> Receipt:
        headers = {**self.headers, self.idempotency_header: message.idempotency_key}
        answer = self.poster.post(self.build_payload(message), headers)
        body = answer.json()
        provider_id = _dig(body, self.id_field) if self.id_field else None
        status = "sent"
        if isinstance(body, dict) and str(body.get("status", "")).lower() == "delivered":
            status = "delivered"
        return receipt(str(provider_id or message.idempotency_key), status,
                       {"http_status": answer.status, "body": body})

    def close(self) -> None:
        self.poster.close()
