"""The batch gate (one read of the context per claimed batch) decides exactly as the single gate does,
message by message, including the daily caps counted across messages of the same batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outbox_helpers import NOON_US, sms_adapter
from accord.kit.db import session_scope
from accord.loans.models import Borrower, ContactPoint
from accord.outbox import repository as repo
from accord.outbox.gate import default_batch_gate, default_gate, make_default_gate
from accord.outbox.models import ContactEvent, Message
from accord.outbox.service import OutboxItem, enqueue
from accord.outbox.worker import Worker

US_BODY = ("This is a communication from a debt collector. Jane, a payment of $350.00 on your loan is past due. "
           "Pay at https://pay.example. Reply STOP to opt out.")
CN_BODY = "【安信借】您好，您的账单已到期，请及时还款。退订回T"
LEASE = timedelta(minutes=2)


def mixed_batch(url: str) -> None:
    """At NOON_US (10:00 New York, 22:00 Shanghai): B1 (CN) is at night; B2 (US) has disputed (a case
    dispute hold); B3 (US) opted out of e-mail, was texted once earlier today and has four texts due
    (the US pack allows three a day)."""
    from accord.cases.hold_service import open_hold

    with session_scope(url) as s:
        s.add(Borrower(id="B3", name="Sam Poe", timezone="America/New_York", language="en", jurisdiction="US",
                       status="reachable", civil_capacity="full", flags=[], content_hash="x"))
        s.flush()
        s.add_all([ContactPoint(borrower_id="B3", kind="mobile", value="+12125550103", verified=True,
                                consent_at=datetime(2026, 1, 1, tzinfo=UTC)),
                   ContactPoint(borrower_id="B3", kind="email", value="b3@example.com", verified=True,
                                opted_out_at=NOON_US - timedelta(days=2))])
        s.add(ContactEvent(at=NOON_US - timedelta(hours=2), channel="sms", direction="outbound",
                           target="+12125550103", actor="system", borrower_id="B3", loan_ids=[], debt_ids=[],
                           outcome="sent"))
        open_hold(s, "B2", "dispute", form="written", reason="not mine", at=NOON_US - timedelta(hours=1))
        us = dict(lang="en", body=US_BODY)
        enqueue(s, [
            OutboxItem("night", "B1", "sms", "+8613800000001", CN_BODY, loan_id="L1"),
            OutboxItem("disputed", "B2", "sms", "+12125550102", loan_id="L2", **us),
            *[OutboxItem(f"b3-sms{i}", "B3", "sms", "+12125550103", **us) for i in range(4)],
            OutboxItem("b3-mail", "B3", "email", "b3@example.com", subject="Your loan", **us),
            OutboxItem("b2-mail", "B2", "email", "b2@example.com", loan_id="L2", **us),
        ], now=NOON_US)


def claimed(url: str) -> list[Message]:
    with session_scope(url) as s:
        ids = repo.claim(s, "w", NOON_US, LEASE, 100)
        return repo.load(s, ids)


def decide_one_by_one(sessions, msgs: list[Message]) -> dict[int, tuple[bool, list[str]]]:
    """The single gate as the worker used it: each allowed message is marked ``sending`` before the next
    is checked (so the caps count it). Rolled back afterwards."""
    out = {}
    with sessions() as s:
        s.begin()
        for m in msgs:
            r = default_gate(s, m, NOON_US)
            out[m.id] = (r.allowed, r.rules)
            if r.allowed:
                repo.mark_sending(s, "w", [m.id], NOON_US + LEASE)
        s.rollback()
    return out


def test_batch_gate_decides_a_mixed_batch_like_the_single_gate(url, sessions):
    mixed_batch(url)
    msgs = claimed(url)
    assert len(msgs) == 8
    single = decide_one_by_one(sessions, msgs)
    with sessions() as s, s.begin():
        batch = {i: (r.allowed, r.rules) for i, r in default_batch_gate(s, msgs, NOON_US).items()}
    assert batch == single
    by_key = {m.idempotency_key: batch[m.id] for m in msgs}
    assert by_key["night"] == (False, ["CN-TIME-01"])
    assert by_key["disputed"] == (False, ["US-DISP-01"]) and by_key["b2-mail"] == (False, ["US-DISP-01"])
    assert by_key["b3-mail"] == (False, ["US-MEDIUM-01"])
    # One text earlier today + two of this batch reach the cap of three; the last two are blocked.
    assert [by_key[f"b3-sms{i}"][0] for i in range(4)] == [True, True, False, False]
    assert by_key["b3-sms2"][1] == by_key["b3-sms3"][1] == ["US-HARASS-01"]


def test_batch_gate_reports_what_it_cannot_evaluate_like_the_single_gate(url, sessions):
    """A message whose borrower row is missing or whose channel is not gated gets the single gate's answer."""
    mixed_batch(url)
    msgs = claimed(url)
    ghost = Message(id=10**9, borrower_id="NOBODY", channel="sms", target="+1", body="x", idempotency_key="g",
                    lang="en", purpose="collection")
    odd = Message(id=10**9 + 1, borrower_id="B3", channel="pigeon", target="loft", body="x", idempotency_key="o",
                  lang="en", purpose="collection")
    with sessions() as s, s.begin():
        got = default_batch_gate(s, [*msgs[:2], ghost, odd], NOON_US)
        assert got[ghost.id] == default_gate(s, ghost, NOON_US)
        assert got[ghost.id].rules == ["GATE-UNAVAILABLE"] and not got[ghost.id].allowed
        assert got[odd.id].allowed and got[odd.id] == default_gate(s, odd, NOON_US)


@pytest.mark.parametrize("batched", [True, False])
def test_worker_blocks_the_same_messages_with_and_without_the_batch_port(url, sessions, gateway, batched):
    mixed_batch(url)
    single_only = make_default_gate()
    del single_only.batch          # a plain GateCheck: the worker falls back to gating one by one
    w = Worker(sessions, "w", {"sms": sms_adapter(gateway), "email": Ok()}, clock=lambda: NOON_US,
               gate=default_gate if batched else single_only)
    assert (w.batch_gate is not None) == batched
    t = w.run_once()
    assert (t.sent, t.blocked) == (2, 6)
    with session_scope(url) as s:
        got = {m.idempotency_key: (m.status, m.gate_rules or []) for m in s.scalars(select(Message))}
    assert got["night"] == ("blocked", ["CN-TIME-01"]) and got["b3-mail"] == ("blocked", ["US-MEDIUM-01"])
    assert [got[f"b3-sms{i}"][0] for i in range(4)] == ["sent", "sent", "blocked", "blocked"]
    assert sorted(gateway.keys()) == ["b3-sms0", "b3-sms1"]


class Ok:
    def send(self, message):
        from accord.channels.adapters.base import receipt

        return receipt(f"ok-{message.idempotency_key}", "sent")
