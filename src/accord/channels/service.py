"""Channel orchestration used by the CLI (and later the outbox worker): build the configured adapter,
send a test message, turn send errors into reported problems."""

from __future__ import annotations

import re
import uuid

from accord.channels.adapters.base import (
    AdapterConfigError, OutboundMessage, PermanentSendError, Receipt, TransientSendError,
)
from accord.kit.errors import InputError, ProblemError

TEST_TEXT = {
    "en": ("Accord test message", "This is a test message from Accord. No action is needed."),
    "zh": ("Accord 测试消息", "这是一条来自 Accord 的测试消息，无需任何操作。"),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")
_PHONE = re.compile(r"^\+?\d{6,15}$")


def validate_address(channel: str, to: str) -> None:
    if channel == "email" and not _EMAIL.match(to):
        raise InputError(f"--to {to!r} is not an email address")
    if channel == "sms" and not _PHONE.match(to.replace(" ", "")):
        raise InputError(f"--to {to!r} is not a phone number (use E.164, e.g. +8613800000000)")
    if channel == "push" and not to.strip():
        raise InputError("--to must be a push device token")


def test_message(channel: str, to: str, lang: str = "en") -> OutboundMessage:
    subject, text = TEST_TEXT.get(lang, TEST_TEXT["en"])
    html = f"<p>{text}</p>" if channel == "email" else None
    return OutboundMessage(idempotency_key=f"send-test:{uuid.uuid4()}", channel=channel,
                           to=to.replace(" ", "") if channel == "sms" else to, subject=subject,
                           text=text, html=html, lang=lang, metadata={"purpose": "send_test"})


def send_test(channel: str, to: str, *, lang: str = "en", settings=None) -> Receipt:
    """Send one test message through the configured adapter for ``channel``.

    Raises ``InputError`` for a bad address or channel, ``ProblemError`` with one sentence when the
    adapter is misconfigured or the server refuses / cannot be reached.
    """
    from accord.channels.adapters.registry import adapter_for

    if channel not in ("email", "sms", "push"):
        raise InputError(f"--channel {channel!r} is not one of email, sms, push")
    validate_address(channel, to)
    try:
        adapter = adapter_for(channel, settings)
    except AdapterConfigError as exc:
        raise ProblemError(f"the {channel} adapter is not configured: {exc}") from exc
    try:
        with adapter:
            return adapter.send(test_message(channel, to, lang))
    except (TransientSendError, PermanentSendError) as exc:
        raise ProblemError(f"{channel} test message to {to} was not sent: {exc.reason}") from exc
