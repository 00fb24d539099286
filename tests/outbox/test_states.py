"""Pure rules of the lifecycle: backoff, retry budget, in-doubt decisions, token bucket."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings, strategies as st

from accord.outbox.ratelimit import TokenBucket, parse_rates
from accord.outbox.states import RetryPolicy, after_transient, backoff_seconds, resolve_in_doubt

NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)


@given(attempt=st.integers(1, 40), base=st.floats(0.1, 100), seed=st.integers(0, 10**6),
       retry_after=st.none() | st.floats(0, 10_000))
def test_backoff_is_jittered_exponential_within_bounds(attempt, base, seed, retry_after):
    policy = RetryPolicy(max_attempts=50, base_seconds=base, cap_seconds=base * 64)
    d = backoff_seconds(attempt, policy, retry_after, random.Random(seed))
    ceiling = min(policy.cap_seconds, base * 2 ** (attempt - 1))
    assert d <= policy.cap_seconds + 1e-9
    assert d >= ceiling / 2 - 1e-9                       # "equal jitter": never below half the ceiling
    if retry_after is not None:
        assert d >= min(retry_after, policy.cap_seconds) - 1e-9


def test_backoff_grows_then_caps():
    policy = RetryPolicy(max_attempts=10, base_seconds=10, cap_seconds=100)
    lows = [backoff_seconds(a, policy, rng=random.Random(0)) for a in range(1, 8)]
    assert lows[0] < 10 and 10 <= lows[1] <= 20 and 20 <= lows[2] <= 40
    assert all(x <= 100 for x in lows) and lows[-1] >= 50


def test_transient_failures_retry_until_the_budget_then_park():
    policy = RetryPolicy(max_attempts=3, base_seconds=30, cap_seconds=600)
    first = after_transient(1, NOW, policy, rng=random.Random(1))
    assert first.status == "failed" and 15 <= (first.next_attempt_at - NOW).total_seconds() <= 30
    assert after_transient(2, NOW, policy).status == "failed"
    assert after_transient(3, NOW, policy) == after_transient(3, NOW, policy)
    assert after_transient(3, NOW, policy).status == "parked"


@pytest.mark.parametrize("policy,known,expected", [
    ("park", None, "park"), ("resend", None, "requeue"), ("assume_sent", None, "sent"),
    ("park", True, "sent"), ("park", False, "requeue"), ("resend", True, "sent"),
])
def test_in_doubt_decisions(policy, known, expected):
    assert resolve_in_doubt(policy, known) == expected


def test_unknown_in_doubt_policy_is_refused():
    with pytest.raises(ValueError, match="in-doubt policy"):
        resolve_in_doubt("retry", None)


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


@settings(max_examples=60)
@given(rate=st.floats(1, 500), burst=st.integers(1, 20), n=st.integers(1, 300))
def test_token_bucket_never_exceeds_rate_plus_burst(rate, burst, n):
    clock = FakeClock()
    bucket = TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)
    for _ in range(n):
        bucket.acquire()
    # n messages need at least (n - burst) / rate seconds.
    assert clock.t >= max(0, n - burst) / rate - 1e-6
    assert clock.t <= max(0, n - burst) / rate + n * 1e-6 + 1e-6


def test_parse_rates():
    assert parse_rates(["sms=50", "email=2.5"]) == {"sms": 50.0, "email": 2.5}
    for bad in ("sms", "sms=0", "=3", "sms=fast"):
        with pytest.raises(ValueError, match="CHANNEL=MESSAGES_PER_SECOND"):
            parse_rates([bad])
