"""Borrower notices from the case workflow reach the outbox: rendered in the borrower's language,
addressed to their own contact point, inside their window, and never queued twice."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from cases_helpers import borrower, loan, make_book  # noqa: E402
from fixtures.book import run  # noqa: E402

from accord.cases.views import Outbound  # noqa: E402
from accord.kit.db import session_scope  # noqa: E402
from accord.outbox.models import Message  # noqa: E402
from accord.outbox.notices import next_send_time, send_notices  # noqa: E402


@pytest.fixture
def book(db_url, tmp_path):
    make_book(db_url, tmp_path / "book", loans=[loan("L1"), loan("L2", borrower_id="B2")],
              borrowers=[borrower("B1", phone="+8613800001111", email="b1@example.cn"),
                         borrower("B2", name="Ann Lee", jurisdiction="US", timezone="America/New_York",
                                  language="en", email="ann@example.com")])
    run(db_url, "2026-02-17")
    return db_url


def _messages(db_url: str) -> list[Message]:
    with session_scope(db_url) as s:
        rows = s.scalars(select(Message).order_by(Message.id)).all()
        s.expunge_all()
        return rows


def test_notice_is_rendered_addressed_and_queued_once(book):
    n = Outbound("promise_confirmation", "sms", "B1", "L1", None, "reminder",
                 {"promise_amount": "500.00", "promise_date": date(2026, 2, 20)}, "promise:1")
    now = datetime(2026, 2, 17, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    with session_scope(book) as s:
        (first,) = send_notices(s, [n], actor="agent:A1", now=now)
    with session_scope(book) as s:
        (again,) = send_notices(s, [n], actor="agent:A1", now=now)
    assert first["message_id"] is not None and first["message_id"] == again["message_id"]
    (m,) = _messages(book)
    assert (m.channel, m.target, m.lang, m.template, m.purpose) == ("sms", "+8613800001111", "zh",
                                                                    "promise_confirmation", "reminder")
    assert "500.00" in m.body and "张三" in m.body
    assert m.not_before.astimezone(UTC) == now


def test_english_borrower_without_phone_gets_email_next_morning(book):
    n = Outbound("dispute_acknowledgement", "sms", "B2", "L2", None, "notice",
                 {"dispute_received_on": date(2026, 2, 17)}, "dispute:9")
    late = datetime(2026, 2, 18, 3, 0, tzinfo=UTC)  # 22:00 in New York
    with session_scope(book) as s:
        (r,) = send_notices(s, [n], actor="system", now=late)
    assert r["channel"] == "email" and r["skipped"] is None
    (m,) = _messages(book)
    assert m.target == "ann@example.com" and m.lang == "en" and "Ann Lee" in m.body
    assert m.purpose == "collection"  # a notice is judged by the gate as strictly as collection
    local = m.not_before.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local.date(), local.hour, local.minute) == (date(2026, 2, 18), 8, 30)


def test_unknown_template_or_no_address_is_reported_not_raised(book):
    bad = Outbound("no_such_template", "sms", "B1", "L1", None, "notice", {}, "x:1")
    no_addr = Outbound("promise_reminder", "push", "B2", "L2", None, "reminder",
                       {"promise_amount": "1.00", "promise_date": date(2026, 2, 20)}, "promise:2")
    with session_scope(book) as s:
        r1, r2 = send_notices(s, [bad, no_addr], actor="system")
    assert r1["message_id"] is None and "template" in r1["skipped"]
    # promise_reminder offers sms/push/email: B2 has only an e-mail address, so it goes there.
    assert r2["channel"] == "email" and r2["message_id"] is not None


@pytest.mark.parametrize("tz,now_utc,expected_local", [
    ("Asia/Shanghai", datetime(2026, 3, 1, 13, 0, tzinfo=UTC), (1, 21, 0)),  # 21:00 → next day 08:30
    ("Asia/Shanghai", datetime(2026, 2, 28, 23, 0, tzinfo=UTC), (1, 8, 30)),  # 07:00 → same day 08:30
    ("Europe/London", datetime(2026, 3, 1, 12, 0, tzinfo=UTC), (1, 12, 0)),  # in the window: now
])
def test_next_send_time_stays_in_the_window(tz, now_utc, expected_local):
    from zoneinfo import ZoneInfo

    at = next_send_time(now_utc, tz).astimezone(ZoneInfo(tz))
    day, hour, minute = expected_local
    if (hour, minute) == (21, 0):
        assert (at.day, at.hour, at.minute) == (2, 8, 30)
    else:
        assert (at.day, at.hour, at.minute) == (day, hour, minute)


def test_cli_promise_and_dispute_queue_their_letters(accord, book):
    res = accord("promise", "record", "--loan", "L1", "--amount", "300", "--due", "2026-02-19", "--channel", "call",
                 "--at", "2026-02-17T10:00:00+08:00", "--by", "agent:A1", "--format", "json", db=book)
    assert res.code == 0, res
    assert res.json()["confirmation"]["message_id"] is not None
    res = accord("dispute", "open", "--borrower", "B1", "--loan", "L1", "--type", "wrong_amount", "--form", "written",
                 "--channel", "email", "--received-at", "2026-02-17T11:00:00+08:00", "--format", "json", db=book)
    assert res.code == 0, res
    d = res.json()
    res = accord("dispute", "resolve", str(d["dispute_id"]), "--outcome", "rejected", "--resolution", "amount checked",
                 "--at", "2026-02-18T11:00:00+08:00", "--format", "json", db=book)
    assert res.code == 0, res
    out = res.json()
    assert out["letter"]["message_id"] is not None and out["survey"]["template"] == "dispute_survey"
    templates = [m.template for m in _messages(book)]
    assert templates.count("promise_confirmation") == 1 and "dispute_survey" in templates


def test_daily_run_queues_promise_reminders_the_day_before(accord, book):
    res = accord("promise", "record", "--loan", "L1", "--amount", "300", "--due", "2026-02-19", "--channel", "sms",
                 "--at", "2026-02-17T10:00:00+08:00", "--by", "agent:A1", "--format", "json", db=book)
    assert res.code == 0, res
    for day in ("2026-02-18", "2026-02-18"):  # the re-run queues nothing twice
        res = accord("run", "--as-of", day, "--format", "json", db=book)
        assert res.code == 0, res
    reminders = [m for m in _messages(book) if m.template == "promise_reminder"]
    assert len(reminders) == 1
    from zoneinfo import ZoneInfo

    local = reminders[0].not_before.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.date(), local.hour) == (date(2026, 2, 18), 10)


def test_a_legal_hold_withdraws_the_loans_waiting_messages(book, tmp_path):
    from accord.cases.hold_service import open_hold

    notes = [Outbound("promise_confirmation", "sms", "B1", "L1", None, "reminder",
                      {"promise_amount": "1.00", "promise_date": date(2026, 2, 20)}, "promise:7"),
             Outbound("promise_confirmation", "email", "B2", "L2", None, "reminder",
                      {"promise_amount": "2.00", "promise_date": date(2026, 2, 20)}, "promise:8")]
    with session_scope(book) as s:
        send_notices(s, notes, actor="system")
    with session_scope(book) as s:
        open_hold(s, "B1", "legal", loan_id="L1", reason="lawsuit filed", source="legal:1")
    status = {m.loan_id: m.status for m in _messages(book)}
    assert status == {"L1": "cancelled", "L2": "queued"}


def test_writing_a_loan_off_withdraws_its_waiting_messages(book):
    from accord.writeoffs.service import write_off

    with session_scope(book) as s:
        send_notices(s, [Outbound("promise_confirmation", "sms", "B1", "L1", None, "reminder",
                                  {"promise_amount": "1.00", "promise_date": date(2026, 2, 20)}, "promise:9")],
                     actor="system")
    with session_scope(book) as s:
        write_off(s, "L1", "uncollectable", on=date(2026, 2, 17))
    assert [m.status for m in _messages(book)] == ["cancelled"]
