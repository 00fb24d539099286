"""Inbound replies, transcripts and delivery receipts: the right records, journal events and timeline."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from outbox_helpers import NOON_CN, NOON_US, sms_adapter
from accord.journal.models import JournalEntry
from accord.journal.service import verify
from accord.kit.db import session_scope
from accord.loans.models import ContactPoint
from accord.outbox.gate import allow_all
from accord.outbox.inbound import UnknownSender, receive_reply, receive_transcript, record_delivery
from accord.outbox.models import ContactEvent, Message, Reply, ReplyAction
from accord.outbox.service import OutboxItem, enqueue
from accord.outbox.timeline import timeline
from accord.outbox.worker import Worker

CN_NUMBER, US_NUMBER = "+8613800000001", "+12125550102"


def reply(url, text, sender=CN_NUMBER, at=NOON_CN, channel="sms", **kw):
    with session_scope(url) as s:
        return receive_reply(s, channel=channel, sender=sender, text=text, at=at, **kw)


def journal(url, kind):
    with session_scope(url) as s:
        return [json.loads(j.payload) | {"_loan": j.loan_id, "_borrower": j.borrower_id}
                for j in s.scalars(select(JournalEntry).where(JournalEntry.kind == kind).order_by(JournalEntry.seq))]


def actions(url):
    with session_scope(url) as s:
        return list(s.scalars(select(ReplyAction).order_by(ReplyAction.id)))


def test_promise_to_pay_is_recorded_with_amount_and_date(url):
    got = reply(url, "我下周五还500")
    assert got.borrower_id == "B1"
    assert got.classification == {"intent": "promise_to_pay", "amount": "500.00", "date": "2026-03-27", "lang": "zh"}
    assert [a["action"] for a in got.actions] == ["record_promise"]
    (a,) = actions(url)
    assert (a.kind, a.amount_minor, a.due_on, a.loan_id, a.borrower_id) == ("promise", 50000, date(2026, 3, 27), "L1", "B1")
    (p,) = journal(url, "reply.promise")
    assert p["amount_minor"] == 50000 and p["due_on"] == "2026-03-27" and p["_loan"] == "L1"
    # ... and it is a case promise, judged kept or broken by the daily run.
    from accord.cases.models import Promise

    with session_scope(url) as s:
        (cp,) = s.scalars(select(Promise)).all()
    assert (cp.loan_id, cp.amount_minor, cp.due_on, cp.status) == ("L1", 50000, date(2026, 3, 27), "pending")
    assert len(journal(url, "promise.recorded")) == 1
    (r,) = journal(url, "reply.received")
    assert r["intent"] == "promise_to_pay" and "text" not in r and len(r["text_sha256"]) == 64
    with session_scope(url) as s:
        stored = s.scalars(select(Reply)).one()
        event = s.get(ContactEvent, stored.contact_event_id)
    assert stored.text == "我下周五还500" and (event.direction, event.channel, event.target) == ("inbound", "sms", CN_NUMBER)


def test_stop_opts_out_of_that_channel_and_address_only(url, sessions, gateway):
    got = reply(url, "退订")
    assert got.classification["intent"] == "cease" and [a["action"] for a in got.actions] == ["opt_out"]
    with session_scope(url) as s:
        points = {p.value: p for p in s.scalars(select(ContactPoint).where(ContactPoint.borrower_id == "B1"))}
    assert points[CN_NUMBER].opted_out_at == NOON_CN and points["b1@example.com"].opted_out_at is None
    (o,) = journal(url, "consent.opt_out")
    assert o["channel"] == "sms" and o["address_sha256"] and CN_NUMBER not in json.dumps(o)
    # The next text to that number is blocked at claim time; an email still goes.
    with session_scope(url) as s:
        enqueue(s, [OutboxItem("after-stop", "B1", "sms", CN_NUMBER, "【安信借】您的账单已到期。", loan_id="L1"),
                    OutboxItem("mail", "B1", "email", "b1@example.com", "您的账单已到期。", loan_id="L1")],
                now=NOON_CN)
    class Ok:   # email is not under test here
        def send(self, m):
            from accord.channels.adapters.base import receipt

            return receipt(f"ok-{m.idempotency_key}")

    t = Worker(sessions, "w", {"sms": sms_adapter(gateway), "email": Ok()}, clock=lambda: NOON_CN + timedelta(hours=1)).run_once()
    assert (t.sent, t.blocked) == (1, 1) and gateway.keys() == []
    with session_scope(url) as s:
        blocked = s.scalars(select(Message).where(Message.idempotency_key == "after-stop")).one()
    assert blocked.status == "blocked" and blocked.gate_rules == ["CN-CHAN-01"]   # the CN pack's opt-out rule


def test_dispute_and_cease_open_holds(url):
    got = reply(url, "I dispute this debt, it is not mine", sender=US_NUMBER, at=NOON_US)
    assert [a["action"] for a in got.actions] == ["open_hold"]
    got = reply(url, "stop calling me and stop texting, I refuse to pay", sender=US_NUMBER, at=NOON_US)
    assert "open_hold" in [a["action"] for a in got.actions]
    holds = [a for a in actions(url) if a.kind == "hold"]
    assert [(h.hold_kind, h.form, h.borrower_id) for h in holds] == [("dispute", "written", "B2"), ("cease", "written", "B2")]
    assert [j["hold_kind"] for j in journal(url, "reply.hold")] == ["dispute", "cease"]
    # ... and they are case records: a US written dispute holds collection (US-DISP-01), so does a cease.
    from accord.cases.models import Dispute, Hold

    with session_scope(url) as s:
        assert [d.borrower_id for d in s.scalars(select(Dispute))] == ["B2"]
        assert sorted(h.kind for h in s.scalars(select(Hold)) if h.released_at is None) == ["cease", "dispute"]


def test_wrong_number_marks_the_contact_point_bad_and_binds_nothing_else(url, sessions, gateway):
    got = reply(url, "打错了，我不是他，我不认识这个人")
    assert got.classification["intent"] == "wrong_number"
    assert [a["action"] for a in got.actions] == ["mark_contact_point_bad"]
    with session_scope(url) as s:
        p = s.scalars(select(ContactPoint).where(ContactPoint.value == CN_NUMBER)).one()
    assert p.bad_since == NOON_CN
    assert not [a for a in actions(url) if a.kind == "hold"]
    (bad,) = journal(url, "contact_point.bad")
    assert bad["contact_point_ids"] == [p.id]
    # Messages to that number are now to a third party: the gate blocks them.
    with session_scope(url) as s:
        enqueue(s, [OutboxItem("to-bad", "B1", "sms", CN_NUMBER, "【安信借】您的账单已到期。", loan_id="L1")],
                now=NOON_CN)
    t = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, clock=lambda: NOON_CN + timedelta(hours=1)).run_once()
    assert t.blocked == 1 and gateway.keys() == []


def test_hardship_routes_to_a_plan_offer_and_callback_is_scheduled(url):
    got = reply(url, "最近失业了，实在还不上，能不能分期")
    assert "route_plan_offer" in [a["action"] for a in got.actions]
    assert journal(url, "arrangement.offer_routed")


def test_unknown_sender_and_bad_input(url):
    with pytest.raises(UnknownSender, match="no borrower has the sms address"):
        reply(url, "hello", sender="+10000000000")
    with pytest.raises(ValueError, match="inbound channel"):
        reply(url, "hello", channel="fax")


def test_portal_chat_by_borrower_id(url):
    got = reply(url, "I already paid yesterday", sender=None, borrower_id="B2", channel="portal", at=NOON_US)
    assert got.classification["intent"] == "paid_already"
    assert [a["action"] for a in got.actions] == ["check_payment"]
    with session_scope(url) as s:
        ev = s.get(ContactEvent, got.contact_event_id)
    assert (ev.channel, ev.target, ev.borrower_id) == ("portal", "borrower", "B2")


def test_robot_transcript_is_a_call_with_an_outcome_and_an_understood_reply(url):
    with session_scope(url) as s:
        got = receive_transcript(s, borrower_id="B1", target=CN_NUMBER, outcome="conversation",
                                 lines=["喂，是我", "我月底还2000"], talk_seconds=75, at=NOON_CN)
    assert got.classification["intent"] == "promise_to_pay" and got.classification["amount"] == "2000.00"
    with session_scope(url) as s:
        ev = s.get(ContactEvent, got.contact_event_id)
    assert (ev.channel, ev.direction, ev.actor, ev.outcome, ev.talk_seconds) == ("ai_call", "outbound", "robot",
                                                                                 "conversation", 75)
    (p,) = [a for a in actions(url) if a.kind == "promise"]
    assert p.amount_minor == 200000 and p.due_on == date(2026, 3, 31)


def test_delivery_receipts_update_message_and_contact_event(url, sessions, gateway):
    with session_scope(url) as s:
        enqueue(s, [OutboxItem(f"d{i}", "B1", "sms", CN_NUMBER, "【安信借】您的账单已到期。", loan_id="L1")
                    for i in range(2)], now=NOON_CN)
    Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=lambda: NOON_CN).run_once()
    later = NOON_CN + timedelta(minutes=1)
    with session_scope(url) as s:
        assert record_delivery(s, "gw-1", "delivered", at=later)["changed"]
        assert record_delivery(s, "gw-2", "undelivered", at=later, reason="absent subscriber")["status"] == "undelivered"
        assert not record_delivery(s, "gw-1", "delivered", at=later)["changed"]      # a repeated receipt
        with pytest.raises(LookupError):
            record_delivery(s, "gw-404", "delivered")
    with session_scope(url) as s:
        ms = {m.provider_id: m for m in s.scalars(select(Message))}
        outcomes = {e.message_id: e.outcome for e in s.scalars(select(ContactEvent))}
    assert ms["gw-1"].status == "delivered" and ms["gw-1"].delivered_at == later
    assert ms["gw-2"].status == "undelivered" and "absent subscriber" in ms["gw-2"].last_error
    assert outcomes == {ms["gw-1"].id: "delivered", ms["gw-2"].id: "undelivered"}
    assert len(journal(url, "message.delivered")) == 1 and len(journal(url, "message.undelivered")) == 1


def test_timeline_merges_contacts_replies_and_journal_in_time_order(url, sessions, gateway):
    with session_scope(url) as s:
        enqueue(s, [OutboxItem("t1", "B1", "sms", CN_NUMBER, "【安信借】您的账单已到期。", loan_id="L1")], now=NOON_CN)
    Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=lambda: NOON_CN).run_once()
    reply(url, "我明天还300", at=NOON_CN + timedelta(hours=1))
    with session_scope(url) as s:
        items = timeline(s, "B1")
        assert verify(s).intact
    ats = [i["at"] for i in items]
    assert ats == sorted(ats)
    kinds = [(i["type"], i.get("kind") or i.get("direction") or i.get("intent")) for i in items]
    for expected in [("journal", "message.queued"), ("contact", "outbound"), ("journal", "message.sent"),
                     ("contact", "inbound"), ("reply", "promise_to_pay"), ("journal", "reply.received"),
                     ("journal", "promise.recorded")]:
        assert expected in kinds
    assert kinds.index(("contact", "outbound")) < kinds.index(("reply", "promise_to_pay"))
    assert next(i for i in items if i["type"] == "reply")["text"] == "我明天还300"
    with session_scope(url) as s:
        assert timeline(s, "B2") == [] or all(i["type"] == "journal" for i in timeline(s, "B2"))
