"""The adapter protocol every channel plugin implements, and the data it speaks.

An outbox worker builds an ``OutboundMessage`` (with the idempotency key of its outbox row), calls
``adapter.send(message)`` and records the ``Receipt``. A ``TransientSendError`` means "try again later"
(use ``backoff_delay``); a ``PermanentSendError`` means "park the message, a human must look". Adapters
pass the idempotency key to the provider (a header) so that a retry after a worker died mid-send is
recognised downstream; providers that cannot dedupe see the same key and Message-ID at least.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from accord.kit.timeutil import utcnow

ReceiptStatus = Literal["sent", "delivered", "undelivered"]
RECEIPT_STATUSES = ("sent", "delivered", "undelivered")


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one address. ``to`` is an email address, a phone number (E.164) or a push
    device token; ``metadata`` carries adapter hints (sender id, loan id for the provider's
    reference, unsubscribe URL ...)."""

    idempotency_key: str
    channel: str
    to: str
    text: str
    subject: str = ""
    html: str | None = None
    lang: str = "zh"
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What the provider told us: its id for the message, a status, when, and its raw answer."""

    provider_id: str
    status: ReceiptStatus
    at: datetime
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryReport:
    """A later report about a sent message (SMS delivery receipt, email bounce / DSN)."""

    provider_id: str
    status: ReceiptStatus
    recipient: str = ""
    reason: str = ""
    at: datetime | None = None


class SendError(Exception):
    """Base of send failures. ``reason`` is one sentence for people; ``raw`` is the provider's answer."""

    def __init__(self, reason: str, *, raw: dict[str, Any] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw or {}


class TransientSendError(SendError):
    """Worth retrying with backoff: timeouts, unreachable server, 4xx SMTP, 5xx HTTP, throttling."""

    def __init__(self, reason: str, *, raw: dict[str, Any] | None = None,
                 retry_after: float | None = None):
        super().__init__(reason, raw=raw)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Retrying will not help: bad address, rejected content, 5xx SMTP, 4xx HTTP. Park it."""


class AdapterConfigError(Exception):
    """The adapter cannot be built from the settings (missing URL, unknown adapter name, no font)."""


class ChannelAdapter(ABC):
    """Base class of channel adapters. Subclasses set ``channel`` and implement ``send``.

    Adapters must be safe to call from several worker threads at once (each keeps per-thread
    connections) and should be closed when the worker stops.
    """

    channel: ClassVar[str] = ""
    name: ClassVar[str] = ""

    @classmethod
    def from_settings(cls, settings: Any) -> ChannelAdapter:
        """Build from ``ChannelSettings`` (see ``accord.channels.settings``)."""
        return cls()

    @abstractmethod
    def send(self, message: OutboundMessage) -> Receipt:
        """Send one message; raise ``TransientSendError`` or ``PermanentSendError`` on failure."""

    def close(self) -> None:
        """Release connections (default: nothing to release)."""

    def __enter__(self) -> ChannelAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def receipt(provider_id: str, status: ReceiptStatus = "sent", raw: dict | None = None) -> Receipt:
    return Receipt(provider_id=provider_id, status=status, at=utcnow(), raw=raw or {})


def backoff_delay(attempt: int, *, base: float = 30.0, cap: float = 3600.0,
                  retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (1 = first retry): exponential with "equal jitter"
    (half fixed, half random) so that workers that failed together do not retry together; never
    below the provider's ``Retry-After`` and never above ``cap``."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(cap, base * (2 ** min(attempt - 1, 32)))
    r = (rng or random).random()
    delay = ceiling / 2 + r * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return min(delay, cap)
