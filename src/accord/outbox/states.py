"""The message lifecycle as pure rules (no I/O, no clock): retry or park, and what to do with a
message a dead worker left in ``sending``.

::

    queued ──claim──▶ claimed ──gate blocks──▶ blocked
       ▲                 │
       │ (lease expired, │ mark sending (committed before the adapter is called)
       │  never sent)    ▼
       └──────────── sending ──receipt──▶ sent ──DLR──▶ delivered / undelivered
                         │  ├─transient──▶ failed (retry at next_attempt_at) ──▶ claimed ...
                         │  └─permanent / max attempts──▶ parked
                         └─lease expired (worker died mid-send)──▶ reconcile: sent | queued | parked (in doubt)
    queued / failed ──cancel──▶ cancelled
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from accord.outbox.models import (
    BLOCKED, CANCELLED, CLAIMED, DELIVERED, FAILED, PARKED, QUEUED, SENDING, SENT, UNDELIVERED,
)

STATUSES = (QUEUED, CLAIMED, SENDING, SENT, DELIVERED, UNDELIVERED, FAILED, PARKED, CANCELLED, BLOCKED)
WAITING = (QUEUED, FAILED)            # may be claimed once due
FINAL = (SENT, DELIVERED, UNDELIVERED, PARKED, CANCELLED, BLOCKED)
# What to do with a message found in ``sending`` after its lease expired, when the adapter cannot be
# asked whether the provider got it: park it for a person (default), resend it with the same
# idempotency key (only for providers that deduplicate on it), or count it as sent.
IN_DOUBT_POLICIES = ("park", "resend", "assume_sent")


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures are retried with exponential backoff and jitter up to ``max_attempts``
    sends in all; then the message is parked."""

    max_attempts: int = 5
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_seconds < 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("retry policy needs max_attempts >= 1 and 0 <= base <= cap")


def backoff_seconds(attempt: int, policy: RetryPolicy, retry_after: float | None = None,
                    rng: random.Random | None = None) -> float:
    """Delay before the retry that follows failed send number ``attempt`` (1-based): "equal jitter"
    exponential backoff (half fixed, half random), never below the provider's Retry-After."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(policy.cap_seconds, policy.base_seconds * (2 ** min(attempt - 1, 32)))
    delay = ceiling / 2 + (rng or random).random() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.cap_seconds))
    return min(delay, policy.cap_seconds)


@dataclass(frozen=True)
class Next:
    """Where a message goes after a failed send: ``status`` and, for a retry, when."""

    status: str
    next_attempt_at: datetime | None = None


def after_transient(attempts: int, now: datetime, policy: RetryPolicy, retry_after: float | None = None,
                    rng: random.Random | None = None) -> Next:
    """A transient failure of send number ``attempts``: retry later, or park when attempts are used up."""
    if attempts >= policy.max_attempts:
        return Next(PARKED)
    return Next(FAILED, now + timedelta(seconds=backoff_seconds(attempts, policy, retry_after, rng)))


def resolve_in_doubt(policy: str, provider_has_it: bool | None) -> str:
    """Decide a message a dead worker left in ``sending``. ``provider_has_it`` is the adapter's answer
    (True / False) or None when the adapter cannot be asked. Returns "sent", "requeue" or "park"."""
    if policy not in IN_DOUBT_POLICIES:
        raise ValueError(f"in-doubt policy must be one of {', '.join(IN_DOUBT_POLICIES)}, not {policy!r}")
    if provider_has_it is True:
        return "sent"
    if provider_has_it is False:
        return "requeue"   # the provider never saw it: sending now is the first and only send
    return {"park": "park", "resend": "requeue", "assume_sent": "sent"}[policy]
