"""Bounce parsing: a delivery status notification (RFC 3464 DSN) → delivery reports.

The original message is matched by its Message-ID (which our SMTP adapter derives from the outbox
row's idempotency key), found in the DSN's returned message or returned headers.
"""

from __future__ import annotations

from email import message_from_bytes, message_from_string, policy
from email.message import Message

from accord.channels.adapters.base import DeliveryReport

_ACTION_STATUS = {"failed": "undelivered", "delivered": "delivered", "relayed": "delivered",
                  "expanded": "delivered", "delayed": "sent"}


def _original_message_id(dsn: Message) -> str:
    for part in dsn.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            if inner is not None and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        elif ctype == "text/rfc822-headers":
            headers = message_from_string(part.get_payload(decode=True).decode("utf-8", "replace"))
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return ""


def _address(value: str | None) -> str:
    # "rfc822; user@example.com" -> "user@example.com"
    text = str(value or "")
    return text.split(";", 1)[1].strip() if ";" in text else text.strip()


def parse_dsn(raw: bytes | str | Message) -> list[DeliveryReport]:
    """One report per recipient of a DSN; an empty list when ``raw`` is not a DSN."""
    if isinstance(raw, bytes):
        msg = message_from_bytes(raw, policy=policy.compat32)
    elif isinstance(raw, str):
        msg = message_from_string(raw, policy=policy.compat32)
    else:
        msg = raw
    if msg.get_content_type() != "multipart/report":
        return []
    message_id = _original_message_id(msg)
    reports: list[DeliveryReport] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        # The first block is about the whole message; each later block is one recipient.
        for block in blocks[1:] if isinstance(blocks, list) else []:
            action = str(block.get("Action", "")).strip().lower()
            status = _ACTION_STATUS.get(action)
            if status is None:
                continue
            reason = " ".join(x for x in (str(block.get("Status", "")).strip(),
                                          _address(block.get("Diagnostic-Code"))) if x)
            reports.append(DeliveryReport(provider_id=message_id, status=status,
                                          recipient=_address(block.get("Final-Recipient")),
                                          reason=reason or action))
    return reports
