"""What the plan and outbox steps write, checked against the per-row definitions they replaced: one
journal event per action and per message with the same payload, a gate decision per contact, and
each message's text exactly what ``render`` gives for the loan's facts."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select, text

from accord.batch import collection
from accord.batch.pipeline import run_pipeline
from accord.channels.profile import base_context
from accord.channels.rendering import render
from accord.compliance.models import GateDecisionRecord
from accord.journal.models import JournalEntry
from accord.journal.service import verify
from accord.kit.crypto import canonical_json, sha256_hex
from accord.kit.db import session_scope
from accord.kit.money import fmt_minor
from accord.outbox.models import Message
from accord.simulation.service import load_demo
from accord.strategy.models import Action
from accord.strategy.schema import CONTACT_CHANNELS, parse_strategy

FIRST, DAY = date(2026, 6, 1), date(2026, 6, 2)


def _dense_strategy():
    """A contact every day of delinquency, rotating channels, templates and tones (so the day has
    texts, pushes and e-mails in both languages and every pack)."""
    kinds = [("sms", "reminder_m1_soft", "neutral"), ("push", "reminder_m1_soft", "gentle"),
             ("email", "reminder_m2_firm", "firm"), ("sms", "reminder_m2_firm", "firm")]
    daily = "\n".join(f"    - {{day: {d}, channel: {c}, template: {t}, tone: {tone}}}"
                      for d in range(1, 61) for c, t, tone in [kinds[d % len(kinds)]])
    return parse_strategy(f"""name: dense-test
segments:
  - {{id: pre_due, when: {{bucket: [M0], stage: [pre_due], pre_due_days: {{min: 1, max: 3}}}}, ladder: pre_due}}
  - {{id: delinquent, when: {{bucket: [M1, M2, M3, M4, M5, M6, M7]}}, ladder: daily}}
ladders:
  pre_due:
    - {{day: -3, channel: sms, template: pre_due_reminder, tone: gentle}}
    - {{day: -1, channel: push, template: pre_due_reminder, tone: gentle}}
  daily:
{daily}
""")


@pytest.fixture
def book(db_url):
    with session_scope(db_url) as s:
        load_demo(s, 1500, 5, date(2026, 6, 30))
    strategy = _dense_strategy()
    run_pipeline(FIRST, db_url, strategy=strategy)
    run_pipeline(DAY, db_url, strategy=strategy)
    return db_url


def _facts(s, action: Action) -> tuple[str, dict]:
    """The loan's jurisdiction and message values, read as the per-row path read them."""
    r = s.execute(text("""
        SELECT l.id AS loan_id, b.name, b.jurisdiction, s.dpd,
               s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue,
               s.outstanding_principal, s.penalty
        FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk JOIN borrowers b ON b.id = l.borrower_id
        WHERE s.as_of = :d AND s.loan_pk = :pk"""), {"d": DAY, "pk": action.loan_pk}).one()
    return r.jurisdiction, {
        "borrower_name": r.name, "loan_ref": r.loan_id, "dpd": int(r.dpd), "amount_due": fmt_minor(r.overdue),
        "outstanding_balance": fmt_minor(r.outstanding_principal), "penalty_accrued": fmt_minor(r.penalty),
        "due_date": DAY - timedelta(days=int(r.dpd))}


@settings(deadline=None)
@given(st.lists(st.one_of(st.integers(-10**15, 10**15), st.integers(-1000, 1000)), max_size=50))
def test_minor_text_is_fmt_minor_by_column(values):
    got = pl.DataFrame({"m": values}, schema={"m": pl.Int64}).select(collection.minor_text("m"))["m"].to_list()
    assert got == [fmt_minor(v) for v in values]


def test_actions_are_journalled_and_decisions_stored_as_before(book):
    with session_scope(book) as s:
        actions = s.scalars(select(Action).where(Action.plan_date == DAY)).all()
        events = {e.subject: e for e in s.scalars(select(JournalEntry).where(
            JournalEntry.kind.in_(["action.planned", "action.blocked"])))}
        decisions = {d.action_id: d for d in s.scalars(select(GateDecisionRecord))}
        jurisdiction = dict(s.execute(text("SELECT id, jurisdiction FROM borrowers")).all())
        assert len(actions) > 20 and verify(s).intact
    assert sum(e.subject.startswith(f"action:{DAY.isoformat()}") for e in events.values()) == len(actions)
    for a in actions:
        e = events[f"action:{a.id}"]
        assert (e.kind, e.actor, e.loan_id, e.borrower_id) == (
            "action.blocked" if a.status == "blocked" else "action.planned", "strategy", a.loan_id, a.borrower_id)
        assert e.payload == canonical_json({"action_id": a.id, "channel": a.channel, "scheduled_at": a.scheduled_at,
                                            "rules": list(a.rules or [])})
        if a.channel in CONTACT_CHANNELS:
            d = decisions[a.id]
            assert (d.decision, d.rules, d.policy, d.channel, d.planned_at, d.messages) == (
                "allow" if a.status == "planned" else "block", list(a.rules or []), jurisdiction[a.borrower_id],
                a.channel, a.scheduled_at, [])
        else:
            assert a.id not in decisions


def test_messages_carry_the_rendered_text_and_are_journalled_as_before(book):
    with session_scope(book) as s:
        queued = {a.id: a for a in s.scalars(select(Action).where(
            Action.plan_date == DAY, Action.status == "planned", Action.channel.in_(collection.QUEUED_CHANNELS)))}
        messages = s.scalars(select(Message).where(Message.action_id.in_(list(queued)))).all()
        events = {e.subject: e for e in s.scalars(select(JournalEntry).where(JournalEntry.kind == "message.queued"))}
        assert len(queued) > 10 and {"sms", "push", "email"} <= {a.channel for a in queued.values()}
        # Every action with an address and a template that renders has its message; no other does.
        sendable = set()
        for a in queued.values():
            pol, facts = _facts(s, a)
            try:
                render(a.template, lang=a.lang, tone=a.tone, channel=a.channel, policy=pol,
                       context={**base_context(a.lang, pol), **facts})
            except Exception:  # noqa: BLE001
                continue
            if a.target:
                sendable.add(a.id)
        assert {m.action_id for m in messages} == sendable and len(sendable) > 10
        assert {"sms", "push", "email"} <= {m.channel for m in messages}
        for m in messages:
            a = queued[m.action_id]
            pol, facts = _facts(s, a)
            ref = render(a.template, lang=a.lang, tone=a.tone, channel=a.channel, policy=pol,
                         context={**base_context(a.lang, pol), **facts})
            assert (m.body, m.subject, m.html) == (ref.text, ref.subject, ref.html)
            assert (m.idempotency_key, m.borrower_id, m.loan_id, m.case_id, m.channel, m.target, m.template, m.lang,
                    m.purpose, m.adapter, m.status, m.attempts, m.in_doubt, m.not_before) == (
                a.id, a.borrower_id, a.loan_id, a.case_id, a.channel, a.target, a.template, a.lang, "collection",
                None, "queued", 0, False, a.scheduled_at)
            e = events[f"message:{m.id}"]
            assert (e.actor, e.loan_id, e.borrower_id) == ("batch", m.loan_id, m.borrower_id)
            assert e.payload == canonical_json({
                "message_id": m.id, "idempotency_key": m.idempotency_key, "channel": m.channel,
                "template": m.template, "action_id": m.action_id, "not_before": a.scheduled_at,
                "body_sha256": sha256_hex(m.body), "target_sha256": sha256_hex(m.target)})
        # Queueing the day again adds nothing: the keys exist, the messages are left untouched.
        n_messages, n_events = s.scalar(select(func.count()).select_from(Message)), len(events)
    with session_scope(book) as s:
        assert collection.queue_actions(s, DAY) == {"queued": len(sendable), "skipped": len(queued) - len(sendable)}
    with session_scope(book) as s:
        assert s.scalar(select(func.count()).select_from(Message)) == n_messages
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == "message.queued")) == n_events
        assert verify(s).intact
