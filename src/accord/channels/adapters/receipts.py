"""Delivery-receipt parsing for SMS: the gateway's webhook payload (JSON or form) and the SMPP
receipt text (``id:... stat:DELIVRD err:000 ...``). Pure functions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from accord.channels.adapters.base import DeliveryReport

# Gateways disagree on words; SMPP's stat values (DELIVRD, UNDELIV...) are the common core.
_STATUS_WORDS = {
    "delivered": "delivered", "delivrd": "delivered", "success": "delivered", "ok": "delivered",
    "undelivered": "undelivered", "undeliv": "undelivered", "undeliverable": "undelivered",
    "failed": "undelivered", "failure": "undelivered", "rejected": "undelivered",
    "rejectd": "undelivered", "expired": "undelivered", "deleted": "undelivered",
    "blocked": "undelivered",
    "sent": "sent", "accepted": "sent", "acceptd": "sent", "enroute": "sent", "queued": "sent",
    "buffered": "sent", "submitted": "sent", "unknown": "sent",
}


def status_word(word: object) -> str | None:
    """A provider's status word → sent / delivered / undelivered (None when not recognised)."""
    return _STATUS_WORDS.get(str(word).strip().lower())


def _dig(data: object, path: str) -> object:
    for key in path.split("."):
        if isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return None
    return data


def _as_mapping(payload: bytes | str | dict) -> dict:
    if isinstance(payload, dict):
        return payload
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    return dict(parse_qsl(text, keep_blank_values=True))


def parse_delivery_receipt(payload: bytes | str | dict, *, id_field: str = "id",
                           status_field: str = "status", recipient_field: str = "to",
                           reason_field: str = "error") -> DeliveryReport:
    """A gateway's delivery-receipt webhook body → ``DeliveryReport``. Field names are dotted paths
    into the JSON (or form keys) and match the gateway's documentation; common alternatives
    (message_id, messageId, stat) are tried when the configured one is absent.

    Raises ValueError when the payload has no message id or an unknown status.
    """
    data = _as_mapping(payload)
    provider_id = next((v for v in (_dig(data, id_field), data.get("message_id"),
                                    data.get("messageId"), data.get("msgid")) if v), None)
    if not provider_id:
        raise ValueError(f"delivery receipt has no message id field {id_field!r}")
    word = next((v for v in (_dig(data, status_field), data.get("stat"), data.get("state"))
                 if v is not None), None)
    status = status_word(word)
    if status is None:
        raise ValueError(f"delivery receipt for {provider_id} has an unknown status {word!r}")
    reason = _dig(data, reason_field)
    return DeliveryReport(provider_id=str(provider_id), status=status,
                          recipient=str(_dig(data, recipient_field) or ""),
                          reason=str(reason) if reason not in (None, "") else str(word),
                          at=datetime.now(UTC))


_SMPP_FIELDS = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err):\s*(\S+)", re.IGNORECASE)


def parse_smpp_receipt(text: str | bytes) -> DeliveryReport:
    """The SMPP delivery receipt in a deliver_sm short_message (SMPP 3.4 appendix B format)."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    fields = {k.lower(): v for k, v in _SMPP_FIELDS.findall(text)}
    if "id" not in fields or "stat" not in fields:
        raise ValueError(f"not an SMPP delivery receipt: {text[:80]!r}")
    status = status_word(fields["stat"])
    if status is None:
        raise ValueError(f"SMPP receipt for {fields['id']} has an unknown stat {fields['stat']!r}")
    at = None
    done = fields.get("done date", "")
    if re.fullmatch(r"\d{10}", done):
        at = datetime.strptime(done, "%y%m%d%H%M").replace(tzinfo=UTC)
    return DeliveryReport(provider_id=fields["id"], status=status,
                          reason=f"{fields['stat']} err:{fields.get('err', '')}", at=at)
