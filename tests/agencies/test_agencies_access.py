"""Data minimisation (PIPL art. 21): an agency user sees only the cases handed over to their own
agency, with only the fields it needs; the agents' queue serves agency agents their placed cases
only, never placed cases to in-house agents; the agency's contacts carry actor agency:ID."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from accord.agencies import service
from accord.agencies.access import AccessDenied
from accord.agents.service import log_outcome, next_for
from accord.kit.db import session_scope
from agency_helpers import HANDOVER, add_agency, advance, agency_user, make_book, mark_notices_sent, place
from fixtures.book import run

AFTERNOON = datetime.combine(HANDOVER, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=6)  # 14:00 CST


@pytest.fixture
def placed(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "huaxin")
    add_agency(db_url, "jinke")
    (p1,) = place(db_url, "huaxin", [cases["L1"]])
    (p2,) = place(db_url, "jinke", [cases["L2"]])
    agency_user(db_url, "HX1", "huaxin")
    agency_user(db_url, "JK1", "jinke")
    agency_user(db_url, "IN1", None, role="agent")
    return db_url, cases, p1, p2


def view(url, user, case_id):
    with session_scope(url) as s:
        return service.agency_view(s, user, case_id)


def listed(url, user):
    with session_scope(url) as s:
        return [c["case_id"] for c in service.agency_cases(s, user)]


def test_agency_user_sees_only_handed_over_cases_of_their_own_agency(placed):
    url, cases, p1, _ = placed
    # Notified but not handed over yet: nothing to see.
    with pytest.raises(AccessDenied):
        view(url, "HX1", cases["L1"])
    assert listed(url, "HX1") == []
    mark_notices_sent(url)
    advance(url)
    v = view(url, "HX1", cases["L1"])
    assert listed(url, "HX1") == [cases["L1"]] and listed(url, "JK1") == [cases["L2"]]
    assert set(v) == {"case_id", "loan_id", "placement_id", "agency_id", "borrower_name", "phone", "national_id",
                      "currency", "amount_due", "outstanding_principal", "penalty", "dpd", "bucket", "language",
                      "timezone", "holds", "handed_over_at", "ends_on"}
    assert (v["loan_id"], v["phone"], v["national_id"]) == ("L1", "138****0001", "1101**********1234")
    assert v["dpd"] == 33 and v["holds"] == [] and v["amount_due"] != "0.00"
    # Another agency's case, an unplaced case, a case that does not exist: one refusal for all.
    for user, case_id in (("JK1", cases["L1"]), ("HX1", cases["L2"]), ("HX1", cases["L3"]), ("HX1", 999999)):
        with pytest.raises(AccessDenied, match=f"case {case_id} is not placed with agency"):
            view(url, user, case_id)
    # In-house and unknown users are not agency users at all.
    for user in ("IN1", "nobody"):
        with pytest.raises(AccessDenied, match="not an active agency user"):
            view(url, user, cases["L1"])
    # Recalled: gone from the agency's sight at once.
    with session_scope(url) as s:
        service.recall(s, p1, reason="complaint", actor="manager:M1")
    with pytest.raises(AccessDenied):
        view(url, "HX1", cases["L1"])
    assert listed(url, "HX1") == []


def test_even_a_pii_agency_user_never_sees_the_national_id_in_clear(placed):
    url, cases, _, _ = placed
    agency_user(url, "HX2", "huaxin", pii=True)
    mark_notices_sent(url)
    advance(url)
    v = view(url, "HX2", cases["L1"])
    assert v["phone"] == "+8613800000001" and v["national_id"] == "1101**********1234"


def _planned_call(url, loan_id, case_id):
    from accord.strategy.models import Action

    with session_scope(url) as s:
        from accord.loans.models import Loan

        pk = s.scalar(select(Loan.pk).where(Loan.id == loan_id))
        s.add(Action(id=f"{HANDOVER}:{loan_id}:m2:3", plan_date=HANDOVER, loan_pk=pk, loan_id=loan_id,
                     borrower_id={"L1": "B1", "L2": "B2", "L3": "B3"}[loan_id], case_id=str(case_id), segment="m2",
                     ladder="m2", step=3, channel="call", template="reminder_m2_firm", tone="firm", lang="zh",
                     target=None, scheduled_at=AFTERNOON, local_time="14:00", timezone="Asia/Shanghai",
                     status="planned", rules=[], arm="champion", experiment=None, strategy="default-ladder"))


def test_queue_serves_agency_agents_their_placed_cases_and_never_placed_cases_to_in_house(placed):
    url, cases, p1, _ = placed
    run(url, HANDOVER)
    mark_notices_sent(url)
    advance(url)
    _planned_call(url, "L1", cases["L1"])  # planned before the hand-over was known
    _planned_call(url, "L3", cases["L3"])
    with session_scope(url) as s:
        item = next_for(s, "HX1", HANDOVER, now=AFTERNOON)
    assert item.loan_id == "L1" and item.action_id == f"placement:{p1}:{HANDOVER}" and item.phone == "138****0001"
    with session_scope(url) as s:
        assert next_for(s, "HX1", HANDOVER, now=AFTERNOON) is None  # once a day
    with session_scope(url) as s:
        inhouse = next_for(s, "IN1", HANDOVER, now=AFTERNOON)
    assert inhouse.loan_id == "L3"
    with session_scope(url) as s:
        assert next_for(s, "IN1", HANDOVER, now=AFTERNOON) is None  # L1 is the agency's
    # The agency logs the call: the contact and the promise are the agency's.
    with session_scope(url) as s:
        res = log_outcome(s, "HX1", item.action_id, "conversation", promise_amount="300.00",
                          promise_date=HANDOVER + timedelta(days=2), at=AFTERNOON)
    from accord.cases.models import Promise
    from accord.journal.models import JournalEntry
    from accord.outbox.models import ContactEvent

    with session_scope(url) as s:
        ev = s.get(ContactEvent, res["contact_event_id"])
        assert (ev.actor, ev.loan_ids, ev.outcome) == ("agency:huaxin", ["L1"], "conversation")
        assert s.get(Promise, res["promise_id"]).taken_by == "agency:huaxin"
        j = s.scalars(select(JournalEntry).where(JournalEntry.kind == "call.logged")).one()
        assert j.actor == "agent:HX1" and '"collector":"agency:huaxin"' in j.payload
    # Nobody acts on a case outside their own agency's placements.
    with session_scope(url) as s, pytest.raises(AccessDenied):
        log_outcome(s, "JK1", item.action_id, "no_answer", at=AFTERNOON)
    with session_scope(url) as s, pytest.raises(AccessDenied):
        log_outcome(s, "IN1", item.action_id, "no_answer", at=AFTERNOON)
    with session_scope(url) as s, pytest.raises(AccessDenied):
        log_outcome(s, "HX1", f"{HANDOVER}:L3:m2:3", "no_answer", at=AFTERNOON)
    # After a recall the in-house queue gets the case back.
    with session_scope(url) as s:
        service.recall(s, p1, reason="pilot ended", actor="manager:M1")
    with session_scope(url) as s:
        assert next_for(s, "IN1", HANDOVER, now=AFTERNOON).loan_id == "L1"


def test_agency_agents_need_an_agency_and_only_they_have_one(db_url):
    from accord.agents.service import add_agent
    from accord.kit.errors import InputError

    with session_scope(db_url) as s, pytest.raises(InputError, match="--agency is required"):
        add_agent(s, "X", "x", ["zh"], 10, "agency_agent")
    with session_scope(db_url) as s, pytest.raises(InputError, match="--agency is required"):
        add_agent(s, "X", "x", ["zh"], 10, "agent", agency="huaxin")
