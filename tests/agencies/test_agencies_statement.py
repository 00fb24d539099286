"""Commission statements: payments made while a case was handed over belong to the agency; commission
is rate × collected, half-up to the cent; and the case-file section for the export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accord.agencies import service
from accord.agencies.rules import commission_minor
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from agency_helpers import HANDOVER, add_agency, advance, make_book, mark_notices_sent, pay, place


def test_commission_rounds_half_up_to_the_minor_unit():
    from decimal import Decimal

    assert commission_minor(Decimal("0.25"), 1001) == 250  # 250.25 → 250
    assert commission_minor(Decimal("0.25"), 1002) == 251  # 250.5 → 251 (half up)
    assert commission_minor(Decimal("0.275"), 110016) == 30254  # 30254.4 → 30254
    assert commission_minor(Decimal("0"), 5000) == 0


@pytest.fixture
def placed(db_url, tmp_path):
    """L1 and L2 placed with huaxin (handed over 2026-03-23); payments before, during and after."""
    cases = make_book(db_url, tmp_path / "book", payments=[
        pay("P0", "L1", "2026-03-22T23:59:00+08:00", "100.00"),  # before the hand-over: the lender's
        pay("P1", "L1", "2026-03-23T00:00:00+08:00", "500.01"),  # first minute of the hand-over day
        pay("P2", "L1", "2026-04-02T12:00:00+08:00", "300.00"),
        pay("P3", "L2", "2026-04-05T12:00:00+08:00", "200.02"),
        pay("P4", "L1", "2026-04-12T12:00:00+08:00", "999.00"),  # after the recall below
    ])
    add_agency(db_url, "huaxin", rate="0.25")
    p1, p2 = place(db_url, "huaxin", [cases["L1"], cases["L2"]])
    mark_notices_sent(db_url)
    advance(db_url)
    from datetime import datetime, timezone

    with session_scope(db_url) as s:
        service.recall(s, p1, reason="end of pilot", actor="manager:M1",
                       now=datetime(2026, 4, 10, 2, 0, tzinfo=timezone.utc))
    return db_url, cases, (p1, p2)


def test_statement_attributes_payments_between_hand_over_and_recall(placed):
    url, cases, (p1, p2) = placed
    with session_scope(url) as s:
        st = service.statement(s, "huaxin", date(2026, 3, 1), date(2026, 4, 30))
    lines = {ln["placement_id"]: ln for ln in st["lines"]}
    assert (lines[p1]["payments"], lines[p1]["collected"], lines[p1]["commission"]) == (2, "800.01", "200.00")
    assert (lines[p2]["payments"], lines[p2]["collected"], lines[p2]["commission"]) == (1, "200.02", "50.01")
    assert st["totals"] == [{"currency": "CNY", "payments": 3, "collected": "1000.03", "commission": "250.01"}]
    # The period filters by payment date.
    with session_scope(url) as s:
        st = service.statement(s, "huaxin", date(2026, 4, 1), date(2026, 4, 3))
    assert st["totals"][0]["collected"] == "300.00"
    with session_scope(url) as s, pytest.raises(InputError, match="before --from"):
        service.statement(s, "huaxin", date(2026, 4, 3), date(2026, 4, 1))
    with session_scope(url) as s, pytest.raises(ProblemError, match="no agency"):
        service.statement(s, "nobody", date(2026, 4, 1), date(2026, 4, 3))


def test_case_file_section_lists_placements_history_and_collections(placed):
    url, cases, (p1, _p2) = placed
    with session_scope(url) as s:
        (sec,) = service.case_file_section(s, "L1")
        assert service.case_file_section(s, "L3") == []
    assert sec["placement_id"] == p1 and sec["status"] == "recalled" and sec["end_reason"] == "end of pilot"
    assert sec["agency"]["contract_ref"] == "C-huaxin" and sec["agency"]["dpa_ref"] == "DPA-huaxin"
    assert [h["status"] for h in sec["history"]] == ["notified", "handed_over", "recalled"]
    assert [c["payment_id"] for c in sec["collections"]] == ["P1", "P2"]
    assert (sec["collected"], sec["commission"], sec["currency"]) == ("800.01", "200.00", "CNY")
    assert sec["handover_on"] == HANDOVER.isoformat()
    assert sec["ended_at"].startswith("2026-04-10")
    assert HANDOVER + timedelta(days=90) == date.fromisoformat(sec["ends_on"])
