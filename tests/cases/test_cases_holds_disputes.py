"""Holds and disputes per jurisdiction (US-DISP-01, UK-DISP-01, the CN default), SLA due dates,
resolution (hold released, letter, journal), surveys, overdue disputes and evidence attachments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from accord.cases import service
from accord.cases.models import Hold
from accord.journal.models import JournalEntry
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from cases_helpers import borrower, loan, make_book

AT = datetime(2026, 4, 1, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def book(db_url, tmp_path):
    make_book(db_url, tmp_path / "book",
              borrowers=[borrower("B1"), borrower("BUS", jurisdiction="US", timezone="America/New_York", language="en"),
                         borrower("BUK", jurisdiction="UK", timezone="Europe/London", language="en")],
              loans=[loan("L1"), loan("LUS", borrower_id="BUS", currency="USD"),
                     loan("LUK", borrower_id="BUK", currency="GBP")])
    return db_url


def dispute(url: str, **kw):
    kw = {"channel": "letter", "received_at": AT, "opened_by": "agent:A1", **kw}
    with session_scope(url) as s:
        return service.open_dispute(s, **kw)


def active_kinds(url: str, borrower_id: str) -> list[str]:
    with session_scope(url) as s:
        return service.active_holds(s, [borrower_id])["kind"].to_list()


@pytest.mark.parametrize("loan_id,form,within,dtype,held", [
    ("LUS", "oral", True, "not_my_debt", None),  # US: an oral dispute does not halt collection
    ("LUS", "written", True, "wrong_amount", "US-DISP-01"),
    ("LUS", "written", False, "wrong_amount", None),  # after the validation period
    ("LUS", "written", True, "service_complaint", None),  # a complaint is not a dispute of the debt
    ("LUK", "oral", None, "already_paid", "UK-DISP-01"),  # UK: any dispute, whatever its form
    ("LUK", "written", None, "identity_theft", "UK-DISP-01"),
    ("LUK", "oral", None, "collector_conduct", None),
    ("L1", "oral", None, "not_my_debt", "CN-DISP-HOLD"),  # CN default: not mine / stolen id / paid
    ("L1", "written", None, "wrong_amount", None),
])
def test_hold_semantics_per_jurisdiction(book, loan_id, form, within, dtype, held):
    r = dispute(book, loan_id=loan_id, dtype=dtype, form=form, within_validation_period=within)
    assert r.hold_rule == held
    bid = r.dispute.borrower_id
    assert active_kinds(book, bid) == (["dispute"] if held else [])
    assert (r.acknowledgement is not None) == bool(held)
    if held:
        assert r.dispute.hold_id == r.hold.id and r.hold.source == f"dispute:{r.dispute.id}"


def test_uk_dispute_not_on_possibly_valid_grounds_does_not_hold(book):
    assert dispute(book, loan_id="LUK", dtype="wrong_amount", form="oral", possibly_valid=False).hold is None


def test_us_written_dispute_defaults_to_within_the_validation_period(book):
    r = dispute(book, loan_id="LUS", dtype="not_my_debt", form="written")
    assert r.dispute.within_validation_period is True and r.hold_rule == "US-DISP-01"


@pytest.mark.parametrize("loan_id,dtype,days", [("LUS", "not_my_debt", 30), ("LUS", "collector_conduct", 15),
                                                ("LUK", "wrong_amount", 56), ("LUK", "service_complaint", 56),
                                                ("L1", "already_paid", 15)])
def test_sla_due_dates(book, loan_id, dtype, days):
    assert dispute(book, loan_id=loan_id, dtype=dtype, form="written").dispute.sla_due_at == AT + timedelta(days=days)


def test_resolution_releases_the_hold_journals_and_returns_the_letter(book):
    r = dispute(book, loan_id="LUS", dtype="wrong_amount", form="written")
    done_at = AT + timedelta(days=10)
    with session_scope(book) as s:
        res = service.resolve_dispute(s, r.dispute.id, outcome="rejected", resolution="statement and contract sent",
                                      actor="agent:A2", at=done_at)
        assert [h.id for h in res.released] == [r.hold.id]
        assert res.letter.template == "validation_notice" and res.letter.channel == "letter"
        assert res.letter.context["dispute_outcome"] == "rejected"
    assert active_kinds(book, "BUS") == []
    with session_scope(book) as s:
        assert s.get(Hold, r.hold.id).released_at == done_at
        e = s.scalars(select(JournalEntry).where(JournalEntry.kind == "dispute.resolved")).one()
        assert '"within_sla":true' in e.payload and "statement" not in e.payload  # hashed, not in clear
        with pytest.raises(ProblemError, match="already resolved"):
            service.resolve_dispute(s, r.dispute.id, outcome="upheld", resolution="again")


def test_survey_only_after_resolution_once_and_in_range(book):
    r = dispute(book, loan_id="L1", dtype="service_complaint", form="oral", channel="call")
    with session_scope(book) as s:
        with pytest.raises(ProblemError, match="not resolved"):
            service.record_survey(s, r.dispute.id, 4)
    with session_scope(book) as s:
        service.resolve_dispute(s, r.dispute.id, outcome="upheld", resolution="apologised", at=AT + timedelta(days=1))
    with session_scope(book) as s:
        with pytest.raises(InputError, match="1 to 5"):
            service.record_survey(s, r.dispute.id, 6)
        d = service.record_survey(s, r.dispute.id, 4, "quick answer")
        assert (d.survey_score, d.survey_comment) == (4, "quick answer")
    with session_scope(book) as s:
        with pytest.raises(ProblemError, match="already surveyed"):
            service.record_survey(s, r.dispute.id, 5)


def test_overdue_disputes_for_the_compliance_officer(book):
    us = dispute(book, loan_id="LUS", dtype="wrong_amount", form="written")  # due AT + 30 days
    cn = dispute(book, loan_id="L1", dtype="already_paid", form="oral")  # due AT + 15 days
    with session_scope(book) as s:
        assert [d.id for d in service.overdue_disputes(s, AT + timedelta(days=20))] == [cn.dispute.id]
        assert [d.id for d in service.overdue_disputes(s, AT + timedelta(days=31))] == [cn.dispute.id, us.dispute.id]
        service.resolve_dispute(s, cn.dispute.id, outcome="upheld", resolution="payment found", at=AT + timedelta(days=16))
        assert [d.id for d in service.overdue_disputes(s, AT + timedelta(days=31))] == [us.dispute.id]


def test_conduct_complaint_links_the_contact_and_stores_evidence(book, tmp_path):
    f = tmp_path / "recording.txt"
    f.write_bytes(b"call transcript")
    r = dispute(book, loan_id="L1", dtype="collector_conduct", form="written", contact_event_id="CE-42",
                attachments=[f], evidence=tmp_path / "store")
    (att,) = r.dispute.attachments
    assert att["name"] == "recording.txt" and att["size"] == 15
    assert (tmp_path / "store" / att["sha256"][:2] / att["sha256"]).read_bytes() == b"call transcript"
    assert r.dispute.contact_event_id == "CE-42"
    with pytest.raises(InputError, match="no such file"):
        dispute(book, loan_id="L1", dtype="collector_conduct", form="written", attachments=[tmp_path / "nope"])


def test_open_and_release_holds_with_journal_and_bulk_reads(book):
    with session_scope(book) as s:
        cease = service.open_hold(s, "B1", "cease", form="written", reason="letter", source="agent:A1", at=AT)
        same = service.open_hold(s, "B1", "cease", form="written", source="agent:A1", at=AT)
        assert same.id == cease.id  # the same request read twice opens one hold
        service.open_hold(s, "BUK", "mental_capacity", source="agent:A1", at=AT)
        service.open_hold(s, "BUS", "attorney", source="agent:A1", loan_id="LUS", at=AT)
    with session_scope(book) as s:
        frame = service.active_holds(s, ["B1", "BUK", "BUS", "NOBODY"])
        assert sorted(zip(frame["borrower_id"], frame["kind"])) == [("B1", "cease"), ("BUK", "mental_capacity"),
                                                                    ("BUS", "attorney")]
        facts = service.gate_facts(frame)
        assert facts["B1"]["cease_requests"] == [{"received_at": AT.isoformat(), "form": "written"}]
        assert facts["BUK"]["flags"] == ["mental_capacity_concern"]
        assert facts["BUS"]["flags"] == ["attorney_represented"]
        service.release_hold(s, cease.id, reason="withdrawn", actor="agent:A1", at=AT + timedelta(days=2))
        assert service.active_holds(s, ["B1"]).height == 0
        assert service.active_holds(s, ["B1"], at=AT + timedelta(days=1)).height == 1  # as it was then
        with pytest.raises(ProblemError, match="already released"):
            service.release_hold(s, cease.id)
        kinds = [e.kind for e in s.scalars(select(JournalEntry).where(JournalEntry.kind.like("hold.%")))]
        assert kinds.count("hold.opened") == 3 and kinds.count("hold.released") == 1


@pytest.mark.parametrize("kw,error,message", [
    ({"kind": "holiday"}, InputError, "hold kind"), ({"form": "email"}, InputError, "hold form"),
    ({"borrower_id": "NOBODY"}, ProblemError, "no borrower"), ({"loan_id": "LUS"}, ProblemError, "not borrower B1")])
def test_bad_holds_are_refused(book, kw, error, message):
    args = {"borrower_id": "B1", "kind": "cease", **kw}
    with session_scope(book) as s:
        with pytest.raises(error, match=message):
            service.open_hold(s, args.pop("borrower_id"), args.pop("kind"), **args)
