"""The agent's day: masked PII, expected-value order, the gate at hand-out time, capacity, outcome
logging with promises, and notes checked by the content check."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from accord.agents.masking import mask_email, mask_id, mask_phone
from accord.agents.service import add_agent, log_outcome, next_for
from accord.batch.pipeline import run_pipeline
from accord.kit.db import session_scope
from accord.kit.errors import ProblemError
from accord.simulation.service import load_demo
from accord.strategy.models import Action


def test_masking():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13800000000") == "138****0000"
    assert mask_id("110101199001011234") == "1101**********1234"
    assert mask_email("alex.morgan@example.com") == "a***@example.com"


@pytest.fixture
def day_with_calls(db_url):
    with session_scope(db_url) as s:
        load_demo(s, 3000, 9, date(2026, 6, 30))
    run_pipeline(date(2026, 6, 1), db_url)
    for d in range(2, 20):
        day = date(2026, 6, d)
        run_pipeline(day, db_url)
        with session_scope(db_url) as s:
            calls = s.scalars(select(Action).where(Action.plan_date == day, Action.channel == "call",
                                                   Action.status == "planned")).all()
            if len(calls) >= 2 and any(c.lang == "zh" for c in calls):
                return db_url, day
    pytest.skip("no day with agent calls in this small book")


def test_queue_hands_out_masked_callable_accounts_and_logs_outcomes(day_with_calls):
    url, day = day_with_calls
    cn_afternoon = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=6)  # 14:00 Beijing
    with session_scope(url) as s:
        add_agent(s, "A1", "Li Na", ["zh", "en"], daily_capacity=2)
    with session_scope(url) as s:
        item = next_for(s, "A1", day, now=cn_afternoon)
    assert item is not None
    assert "****" in (item.phone or "****")  # masked for a plain agent
    # Notes that threaten are refused; a clean log with a promise is recorded and journalled.
    with session_scope(url) as s, pytest.raises(ProblemError, match="content check"):
        log_outcome(s, "A1", item.action_id, "conversation", notes="告诉你单位领导，让你全家不得安宁")
    with session_scope(url) as s:
        res = log_outcome(s, "A1", item.action_id, "conversation", notes="agreed to pay on Friday",
                          promise_amount="100.00", promise_date=day + timedelta(days=3), at=cn_afternoon)
    assert res["promise_id"] is not None
    with session_scope(url) as s:
        second = next_for(s, "A1", day, now=cn_afternoon)
    assert second is None or second.action_id != item.action_id  # never handed out twice


def test_nobody_in_china_is_handed_out_at_night(day_with_calls):
    url, day = day_with_calls
    beijing_midnight = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=16, minutes=30)
    with session_scope(url) as s:
        add_agent(s, "A2", "Wang Fang", ["zh"], daily_capacity=50)
    with session_scope(url) as s:
        assert next_for(s, "A2", day, now=beijing_midnight) is None


def test_a_dispute_raised_on_the_call_is_opened_and_linked_to_the_contact(day_with_calls):
    from accord.cases.models import Dispute

    url, day = day_with_calls
    cn_afternoon = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=6)
    with session_scope(url) as s:
        add_agent(s, "A3", "Zhao Lei", ["zh", "en"], daily_capacity=5)
    with session_scope(url) as s:
        item = next_for(s, "A3", day, now=cn_afternoon)
    assert item is not None
    with session_scope(url) as s, pytest.raises(Exception, match="conversation"):
        log_outcome(s, "A3", item.action_id, "no_answer", dispute="wrong_amount", at=cn_afternoon)
    with session_scope(url) as s:
        res = log_outcome(s, "A3", item.action_id, "conversation", dispute="wrong_amount",
                          promise_amount="50.00", promise_date=day + timedelta(days=2), at=cn_afternoon)
        notices = [n.template for n in res["notices"]]
    assert res["dispute_id"] is not None and "promise_confirmation" in notices
    with session_scope(url) as s:
        d = s.get(Dispute, res["dispute_id"])
        assert (d.form, d.channel, d.type, d.contact_event_id) == ("oral", "call", "wrong_amount",
                                                                   str(res["contact_event_id"]))
