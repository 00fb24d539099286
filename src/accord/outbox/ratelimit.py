"""Per-channel rate limits: a token bucket per channel, shared by the threads of one worker process.

A gateway contract usually says "N messages per second"; the bucket lets a short burst of ``burst``
messages through and then paces to ``rate`` per second. The limit holds per worker process: run K
processes against one provider and give each ``rate / K`` (``accord outbox work --rate sms=50``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up. ``acquire`` blocks until a token is free."""

    def __init__(self, rate: float, burst: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("a rate limit must be a positive number of messages per second")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate / 10))
        if self.burst < 1:
            raise ValueError("a burst must allow at least one message")
        self.clock, self.sleep = clock, sleep
        self.tokens = self.burst
        self.stamp = clock()
        self.lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def try_acquire(self) -> float:
        """Take a token now (0.0) or say how many seconds until one is free (nothing taken)."""
        with self.lock:
            self._refill()
            # A hair of tolerance: float refills can stop at 0.999999..., and a wait of 1e-17 s
            # would never move the clock forward.
            if self.tokens >= 1 - 1e-9:
                self.tokens = max(0.0, self.tokens - 1)
                return 0.0
            return (1 - self.tokens) / self.rate

    def acquire(self) -> float:
        """Block until a token is taken; returns the seconds waited."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait == 0.0:
                return waited
            self.sleep(wait)
            waited += wait


class RateLimits:
    """One bucket per channel; channels without a limit pass straight through."""

    def __init__(self, limits: dict[str, float] | None = None, burst: dict[str, float] | None = None):
        self.buckets = {ch: TokenBucket(rate, (burst or {}).get(ch)) for ch, rate in (limits or {}).items()}

    def acquire(self, channel: str) -> float:
        bucket = self.buckets.get(channel)
        return bucket.acquire() if bucket else 0.0


def parse_rates(specs: list[str] | None) -> dict[str, float]:
    """["sms=50", "email=20"] -> {"sms": 50.0, "email": 20.0}; ValueError names a bad entry."""
    out: dict[str, float] = {}
    for spec in specs or []:
        channel, sep, value = spec.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not channel.strip() or rate <= 0:
            raise ValueError(f"a rate must look like CHANNEL=MESSAGES_PER_SECOND (e.g. sms=50), got {spec!r}")
        out[channel.strip()] = rate
    return out
