"""Placing cases with agencies: checks (CN-OUT-01 evaluation, jurisdiction, capacity, holds, already
placed, closed), the notice before the hand-over, hand-over on the daily step, recall, return, expiry,
and the journal and history of every step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from accord.agencies import service
from accord.agencies.models import Placement
from accord.cases.models import Case
from accord.journal.models import JournalEntry
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from accord.outbox.models import Message
from agency_helpers import DAY, HANDOVER, add_agency, advance, make_book, mark_notices_sent, place


@pytest.fixture
def book(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "huaxin")
    return db_url, cases


def case_row(url, case_id):
    with session_scope(url) as s:
        return s.get(Case, case_id)


def placement(url, pid):
    with session_scope(url) as s:
        return s.get(Placement, pid)


def kinds(url, prefix="placement."):
    with session_scope(url) as s:
        return [k for k in s.scalars(select(JournalEntry.kind).order_by(JournalEntry.seq)) if k.startswith(prefix)]


def test_placement_notifies_first_and_hands_over_only_after_the_notice_went_out(book):
    url, cases = book
    (pid,) = place(url, "huaxin", [cases["L1"]])
    p = placement(url, pid)
    assert (p.status, p.handover_on, p.commission_rate, p.bucket) == ("notified", HANDOVER, p.commission_rate, "M2")
    assert str(p.commission_rate) == "0.25"
    with session_scope(url) as s:
        msg = s.get(Message, p.notice_message_id)
        assert (msg.template, msg.channel, msg.target, msg.status) == ("agency_handover_notice", "sms",
                                                                        "+8613800000001", "queued")
        assert "huaxin 资产管理" in msg.body and "400-800-0000" in msg.body and "2026" in msg.body
    # Before the hand-over the lender still owns the case.
    c = case_row(url, cases["L1"])
    assert (c.owner_kind, c.stage) == ("queue", "M2")
    # The notice has not gone out yet: the hand-over waits, whatever the date.
    assert advance(url, HANDOVER + timedelta(days=5))["waiting"] == 1
    mark_notices_sent(url)
    assert advance(url, HANDOVER - timedelta(days=1))["waiting"] == 1  # N days not yet passed
    assert advance(url, HANDOVER)["handed_over"] == 1
    c = case_row(url, cases["L1"])
    assert (c.owner_kind, c.owner_id, c.stage) == ("agency", "huaxin", "placed")
    p = placement(url, pid)
    assert p.status == "handed_over" and p.ends_on == HANDOVER + timedelta(days=90)
    assert p.handed_over_at == datetime(2026, 3, 22, 16, 0, tzinfo=timezone.utc)  # midnight in Shanghai
    assert kinds(url) == ["placement.notified", "placement.handed_over"]
    assert advance(url, HANDOVER)["handed_over"] == 0  # idempotent


def test_recall_restores_the_queue_owner_and_is_journalled(book):
    url, cases = book
    (pid,) = place(url, "huaxin", [cases["L1"]])
    mark_notices_sent(url)
    advance(url)
    with session_scope(url) as s, pytest.raises(InputError, match="--reason"):
        service.recall(s, pid, reason=" ", actor="manager:M1")
    with session_scope(url) as s:
        service.recall(s, pid, reason="complaint about the agency", actor="manager:M1")
    c = case_row(url, cases["L1"])
    assert (c.owner_kind, c.owner_id, c.stage) == ("queue", "default", "M2")
    p = placement(url, pid)
    assert (p.status, p.end_reason) == ("recalled", "complaint about the agency")
    with session_scope(url) as s, pytest.raises(ProblemError, match="already ended"):
        service.recall(s, pid, reason="again", actor="manager:M1")
    with session_scope(url) as s:
        (d,) = service.list_placements(s, case_id=cases["L1"], with_history=True)
    assert [h["status"] for h in d["history"]] == ["notified", "handed_over", "recalled"]
    assert all(h["journal_seq"] for h in d["history"])
    # The case can be placed again once the placement ended.
    assert place(url, "huaxin", [cases["L1"]])


def test_cn_out_01_refuses_an_agency_not_evaluated_within_the_year(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "stale", evaluated_on=DAY - timedelta(days=400))
    add_agency(db_url, "never", evaluated_on=None)
    with pytest.raises(ProblemError, match=r"CN-OUT-01.*older than 365 days.*nothing was placed"):
        place(db_url, "stale", [cases["L1"]])
    with pytest.raises(ProblemError, match="CN-OUT-01: the agency has never been evaluated"):
        place(db_url, "never", [cases["L1"]])
    with session_scope(db_url) as s:
        service.evaluate_agency(s, "stale", on=DAY, score=90)
    assert place(db_url, "stale", [cases["L1"]])


def test_each_check_refuses_with_its_reason_and_nothing_is_placed(book):
    url, cases = book
    from accord.cases.service import open_hold

    with session_scope(url) as s:
        open_hold(s, "B3", "dispute", source="agent:A1", at=datetime(2026, 3, 19, tzinfo=timezone.utc))
    refusals = {"LUS": "may not collect in US", "LX": "no phone, e-mail or address",
                "L3": "under a dispute hold"}
    for loan_id, reason in refusals.items():
        with pytest.raises(ProblemError, match=reason):
            place(url, "huaxin", [cases["L1"], cases[loan_id]])
    with session_scope(url) as s:
        assert s.scalar(select(Placement.id)) is None  # all or nothing
    # --skip-ineligible places the rest and lists the refused with every reason.
    with session_scope(url) as s:
        r = service.place_cases(s, "huaxin", [cases["L1"], cases["LUS"], cases["L3"]], actor="m", on=DAY,
                                skip_ineligible=True)
        assert [p.case_id for p in r.placements] == [cases["L1"]]
        assert {x["case_id"] for x in r.refused} == {cases["LUS"], cases["L3"]}
    with pytest.raises(ProblemError, match="already placed"):
        place(url, "huaxin", [cases["L1"]])
    with pytest.raises(InputError, match="given twice"):
        place(url, "huaxin", [cases["L2"], cases["L2"]])
    with pytest.raises(ProblemError, match="no case 999"):
        place(url, "huaxin", [999])
    with session_scope(url) as s:
        s.get(Case, cases["L2"]).stage, s.get(Case, cases["L2"]).dpd = "pre_due", 0
    with pytest.raises(ProblemError, match="not past due"):
        place(url, "huaxin", [cases["L2"]])


def test_capacity_counts_active_placements(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "small", capacity=2)
    place(db_url, "small", [cases["L1"]])
    with pytest.raises(ProblemError, match=r"capacity for 1 more case\(s\) \(1 of 2 placed\); 2 asked"):
        place(db_url, "small", [cases["L2"], cases["L3"]])
    place(db_url, "small", [cases["L2"]])


def test_commission_rate_by_bucket_is_fixed_at_placement(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "tiered", rate="0.20", by_bucket={"M2": "0.28"})
    (pid,) = place(db_url, "tiered", [cases["L1"]])
    assert str(placement(db_url, pid).commission_rate) == "0.28"


def test_a_notice_that_never_went_out_or_a_new_hold_stops_the_hand_over(book):
    url, cases = book
    p1, p2 = place(url, "huaxin", [cases["L1"], cases["L2"]])
    mark_notices_sent(url, [p1], status="blocked")
    mark_notices_sent(url, [p2])
    from accord.cases.service import open_hold

    with session_scope(url) as s:
        open_hold(s, "B2", "cease", source="reply:1", at=datetime(2026, 3, 21, tzinfo=timezone.utc))
    assert advance(url) == {"handed_over": 0, "waiting": 0, "recalled": 2, "returned": 0, "expired": 0}
    assert "notice not sent (blocked)" in placement(url, p1).end_reason
    assert "cease hold" in placement(url, p2).end_reason
    assert case_row(url, cases["L1"]).owner_kind == "queue"


def test_placements_expire_at_the_end_of_their_term_and_return_when_the_case_closes(book):
    url, cases = book
    p1, p2 = place(url, "huaxin", [cases["L1"], cases["L2"]])
    mark_notices_sent(url)
    advance(url)
    with session_scope(url) as s:
        s.get(Case, cases["L2"]).status = "closed"
        s.get(Case, cases["L2"]).close_reason = "paid_off"
        s.get(Case, cases["L2"]).closed_on = HANDOVER + timedelta(days=10)
    counts = advance(url, HANDOVER + timedelta(days=90))
    assert (counts["expired"], counts["returned"]) == (1, 1)
    assert placement(url, p1).status == "expired" and case_row(url, cases["L1"]).owner_kind == "queue"
    assert placement(url, p2).status == "returned" and placement(url, p2).end_reason == "case closed (paid_off)"
    assert kinds(url)[-2:] == ["placement.returned", "placement.expired"] or \
        sorted(kinds(url)[-2:]) == ["placement.expired", "placement.returned"]


def test_daily_run_hands_over_in_its_cases_step(book):
    url, cases = book
    from accord.batch.pipeline import run_pipeline

    (pid,) = place(url, "huaxin", [cases["L1"]])
    mark_notices_sent(url)
    report = run_pipeline(HANDOVER, url)
    assert report.steps["cases"]["placements"]["handed_over"] == 1
    assert placement(url, pid).status == "handed_over"
    # The lender's own ladder leaves a handed-over case alone (the planner never sees it).
    from accord.strategy.accounts import load_accounts

    with session_scope(url) as s:
        loans = set(load_accounts(s, HANDOVER)["loan_id"].to_list())
    assert "L1" not in loans and {"L2", "L3"} <= loans
