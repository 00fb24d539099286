"""Adapter registry, settings-driven choice, and the retry backoff used by the outbox."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, strategies as st

from accord.channels.adapters.base import AdapterConfigError, backoff_delay
from accord.channels.adapters.email_smtp import SmtpEmailAdapter
from accord.channels.adapters.registry import adapter_class, adapter_for, available_adapters
from accord.channels.adapters.sms_http import HttpGatewaySmsAdapter
from accord.channels.adapters.sms_smpp import SmppSmsAdapter
from accord.channels.settings import ChannelSettings


def test_builtin_adapters_are_registered():
    names = available_adapters()
    assert {"smtp", "http_gateway", "smpp", "webhook", "pdf", "spool"} <= set(names)
    assert adapter_class("smpp") is SmppSmsAdapter


def test_choice_follows_environment(monkeypatch):
    monkeypatch.setenv("ACCORD_SMS_ADAPTER", "http_gateway")
    monkeypatch.setenv("ACCORD_SMS_GATEWAY_URL", "http://127.0.0.1:9/sms")
    assert isinstance(adapter_for("sms"), HttpGatewaySmsAdapter)
    monkeypatch.setenv("ACCORD_SMS_ADAPTER", "smpp")
    assert isinstance(adapter_for("sms"), SmppSmsAdapter)
    monkeypatch.setenv("ACCORD_SMTP_PORT", "2525")
    email = adapter_for("email")
    assert isinstance(email, SmtpEmailAdapter) and email.port == 2525


def test_misconfiguration_is_one_clear_error(monkeypatch):
    with pytest.raises(AdapterConfigError, match="unknown channel adapter 'carrier-pigeon'"):
        adapter_for("sms", ChannelSettings(sms_adapter="carrier-pigeon"))
    with pytest.raises(AdapterConfigError, match="ACCORD_SMS_GATEWAY_URL"):
        adapter_for("sms", ChannelSettings(sms_adapter="http_gateway", sms_gateway_url=None))
    with pytest.raises(AdapterConfigError, match="sends email, not sms"):
        adapter_for("sms", ChannelSettings(sms_adapter="smtp"))


def test_spool_adapter_writes_json_lines(tmp_path):
    import json

    from accord.channels.adapters.base import OutboundMessage

    adapter = adapter_for("sms", ChannelSettings(sms_adapter="spool", spool_dir=tmp_path))
    adapter.send(OutboundMessage("k1", "sms", "+8613800000000", "你好"))
    line = json.loads((tmp_path / "sms.jsonl").read_text(encoding="utf-8"))
    assert line["idempotency_key"] == "k1" and line["text"] == "你好"


@given(attempt=st.integers(1, 60), base=st.floats(0.1, 120), cap=st.floats(1, 7200),
       retry_after=st.none() | st.floats(0, 10_000), seed=st.integers(0, 2**32))
def test_backoff_stays_within_bounds(attempt, base, cap, retry_after, seed):
    delay = backoff_delay(attempt, base=base, cap=cap, retry_after=retry_after,
                          rng=random.Random(seed))
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert 0 < delay <= cap
    assert delay >= ceiling / 2 or (retry_after is not None and delay >= min(retry_after, cap))
    if retry_after is not None:
        assert delay >= min(retry_after, cap)


@given(attempt=st.integers(1, 20), seed=st.integers(0, 1000))
def test_backoff_lower_bound_grows(attempt, seed):
    a = backoff_delay(attempt, base=10, cap=1e9, rng=random.Random(seed))
    b = backoff_delay(attempt + 1, base=10, cap=1e9, rng=random.Random(seed))
    assert b >= a  # with the same random draw, the next retry never waits less
