"""App push through a webhook: POST an FCM-style JSON message (or a plain one) to the lender's push
service, signed with HMAC-SHA256 when a secret is set (``X-Accord-Signature: sha256=<hex>``)."""

from __future__ import annotations

import hashlib
import hmac
import json

from accord.channels.adapters._http import JsonPoster, header_pair
from accord.channels.adapters.base import (
    AdapterConfigError, ChannelAdapter, OutboundMessage, Receipt, receipt,
)

SIGNATURE_HEADER = "X-Accord-Signature"


def fcm_payload(message: OutboundMessage) -> dict:
    """The FCM HTTP v1 shape: ``{"message": {"token", "notification", "data", "android", "apns"}}``.
    FCM data values must be strings."""
    data = {str(k): str(v) for k, v in message.metadata.items()}
    data["idempotency_key"] = message.idempotency_key
    data["lang"] = message.lang
    return {"message": {
        "token": message.to,
        "notification": {"title": message.subject, "body": message.text},
        "data": data,
        "android": {"priority": "normal", "collapse_key": message.metadata.get("loan_id", "accord")},
        "apns": {"headers": {"apns-collapse-id": message.idempotency_key[:64]}},
    }}


def plain_payload(message: OutboundMessage) -> dict:
    return {"idempotency_key": message.idempotency_key, "to": message.to, "title": message.subject,
            "body": message.text, "lang": message.lang, "data": dict(message.metadata)}


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookPushAdapter(ChannelAdapter):
    channel = "push"
    name = "webhook"

    def __init__(self, url: str, *, payload_format: str = "fcm", auth_header: str | None = None,
                 signing_secret: str | None = None, timeout: float = 10.0):
        if payload_format not in ("fcm", "plain"):
            raise AdapterConfigError(f"push format must be fcm or plain, not {payload_format!r}")
        try:
            self.poster = JsonPoster(url, timeout=timeout, what="push webhook")
            self.headers = header_pair(auth_header)
        except ValueError as exc:
            raise AdapterConfigError(f"push webhook settings are unusable: {exc}") from exc
        self.payload_format = payload_format
        self.signing_secret = signing_secret

    @classmethod
    def from_settings(cls, settings) -> WebhookPushAdapter:
        if not settings.push_webhook_url:
            raise AdapterConfigError("ACCORD_PUSH_WEBHOOK_URL is not set (the push webhook's URL)")
        return cls(settings.push_webhook_url, payload_format=settings.push_format,
                   auth_header=settings.push_auth_header,
                   signing_secret=settings.push_signing_secret, timeout=settings.push_timeout)

    def payload(self, message: OutboundMessage) -> dict:
        return fcm_payload(message) if self.payload_format == "fcm" else plain_payload(message)

    def send(self, message: OutboundMessage) -> Receipt:
        payload = self.payload(message)
        headers = {**self.headers, "Idempotency-Key": message.idempotency_key}
        if self.signing_secret:
            # Sign exactly the bytes JsonPoster sends (same json.dumps arguments).
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers[SIGNATURE_HEADER] = sign(body, self.signing_secret)
        answer = self.poster.post(payload, headers)
        body = answer.json()
        # FCM answers {"name": "projects/p/messages/0:123"}; other services an id.
        provider_id = ""
        if isinstance(body, dict):
            provider_id = str(body.get("name") or body.get("id") or body.get("message_id") or "")
        return receipt(provider_id or message.idempotency_key, "sent",
                       {"http_status": answer.status, "body": body})

    def close(self) -> None:
        self.poster.close()
