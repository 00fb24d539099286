"""The strategy's M3 agency step becomes a proposal in the manager's queue; confirming one places the
case (notice first), dismissing one takes it off the queue."""

from __future__ import annotations

from datetime import date

import pytest

from accord.agencies import service
from accord.batch.pipeline import run_pipeline
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from agency_helpers import add_agency, make_book

M3_DAY_15 = date(2026, 5, 1)  # 75 days past the 2026-02-15 due date: day 15 of M3


@pytest.fixture
def proposed(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    add_agency(db_url, "huaxin", evaluated_on=date(2026, 3, 1))
    report = run_pipeline(M3_DAY_15, db_url)
    assert report.steps["plan"]["by_channel"].get("agency_placement"), report.steps["plan"]
    return db_url, cases


def test_strategy_proposals_are_confirmed_or_dismissed_by_a_manager(proposed, accord):
    url, cases = proposed
    with session_scope(url) as s:
        props = service.proposals(s)
    assert {p["loan_id"] for p in props} >= {"L1", "L2", "L3"}
    by_loan = {p["loan_id"]: p for p in props}
    assert by_loan["L1"]["bucket"] == "M3" and by_loan["L1"]["case_id"] == cases["L1"]
    # No hand-over notice step in the ladder: the notice comes with the real placement.
    from sqlalchemy import select

    from accord.strategy.models import Action

    with session_scope(url) as s:
        assert not s.scalars(select(Action).where(Action.template == "agency_handover_notice")).first()

    res = accord("agency", "place", "huaxin", "--proposal", by_loan["L1"]["proposal_id"], "--on", "2026-05-01",
                 "--format", "json", db=url)
    assert res.code == 0, res
    (p,) = res.json()["placed"]
    assert p["source"] == f"proposal:{by_loan['L1']['proposal_id']}" and p["status"] == "notified"
    res = accord("agency", "dismiss", by_loan["L2"]["proposal_id"], "--reason", "borrower in hospital", db=url)
    assert res.code == 0, res
    res = accord("agency", "proposals", "--format", "json", db=url)
    left = {x["loan_id"] for x in res.json()}
    assert "L1" not in left and "L2" not in left and "L3" in left
    with session_scope(url) as s, pytest.raises(ProblemError, match="already confirmed|already placed"):
        service.place_proposals(s, "huaxin", [by_loan["L1"]["proposal_id"]], actor="m")
    with session_scope(url) as s, pytest.raises(ProblemError, match="already cancelled"):
        service.dismiss_proposal(s, by_loan["L2"]["proposal_id"], reason="x", actor="m")
    with session_scope(url) as s, pytest.raises(InputError, match="not an agency placement proposal"):
        service.place_proposals(s, "huaxin", ["nope"], actor="m")
