"""Property: whatever the sequence of placements, hand-overs, recalls and returns, an agency user
sees exactly the cases currently handed over to their own agency — never an unplaced, notified,
recalled, returned or other agency's case (PIPL art. 21)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.agencies import service
from accord.agencies.access import AccessDenied
from accord.agencies.models import ACTIVE, Placement
from accord.kit.db import session_scope
from accord.kit.errors import ProblemError
from agency_helpers import add_agency, advance, agency_user, make_book, mark_notices_sent, place

AGENCIES = ("huaxin", "jinke")
USERS = {"HX1": "huaxin", "JK1": "jinke"}
LOANS = ("L1", "L2", "L3")

ops = st.lists(st.one_of(
    st.tuples(st.just("place"), st.sampled_from(LOANS), st.sampled_from(AGENCIES)),
    st.tuples(st.just("hand_over"), st.sampled_from(LOANS), st.none()),
    st.tuples(st.just("recall"), st.sampled_from(LOANS), st.none()),
    st.tuples(st.just("return"), st.sampled_from(LOANS), st.none()),
), min_size=1, max_size=8)


@pytest.fixture
def world(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    for a in AGENCIES:
        add_agency(db_url, a)
    for u, a in USERS.items():
        agency_user(db_url, u, a)
    agency_user(db_url, "IN1", None, role="agent")
    return db_url, cases


def _active(url, case_id):
    with session_scope(url) as s:
        return s.scalars(select(Placement).where(Placement.case_id == case_id, Placement.status.in_(ACTIVE))).first()


def _reset(url):
    with session_scope(url) as s:
        for p in s.scalars(select(Placement).where(Placement.status.in_(ACTIVE))):
            service.recall(s, p.id, reason="reset", actor="test")


def _check(url, cases, model):
    for user, agency in USERS.items():
        expected = sorted(cases[ln] for ln, (a, st_) in model.items() if a == agency and st_ == "handed_over")
        with session_scope(url) as s:
            assert sorted(c["case_id"] for c in service.agency_cases(s, user)) == expected
        for ln in LOANS:
            with session_scope(url) as s:
                if cases[ln] in expected:
                    assert service.agency_view(s, user, cases[ln])["loan_id"] == ln
                else:
                    with pytest.raises(AccessDenied):
                        service.agency_view(s, user, cases[ln])
    with session_scope(url) as s, pytest.raises(AccessDenied):
        service.agency_cases(s, "IN1")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_visibility_is_exactly_the_cases_handed_over_to_the_users_agency(world, steps):
    url, cases = world
    _reset(url)
    model: dict[str, tuple[str, str]] = {}
    for op, ln, agency in steps:
        cid = cases[ln]
        if op == "place":
            if ln in model:
                with pytest.raises(ProblemError, match="already placed"):
                    place(url, agency, [cid])
            else:
                place(url, agency, [cid])
                model[ln] = (agency, "notified")
        elif op == "hand_over" and ln in model and model[ln][1] == "notified":
            mark_notices_sent(url, [_active(url, cid).id])
            assert advance(url)["handed_over"] == 1
            model[ln] = (model[ln][0], "handed_over")
        elif op == "recall" and ln in model:
            with session_scope(url) as s:
                service.recall(s, _active(url, cid).id, reason="manager decision", actor="manager:M1")
            del model[ln]
        elif op == "return" and ln in model:
            with session_scope(url) as s:
                if model[ln][1] == "handed_over":
                    service.return_placement(s, _active(url, cid).id, reason="unreachable", actor="agency:x")
                    del model[ln]
                else:
                    with pytest.raises(ProblemError, match="not handed over yet"):
                        service.return_placement(s, _active(url, cid).id, reason="unreachable", actor="agency:x")
        _check(url, cases, model)
