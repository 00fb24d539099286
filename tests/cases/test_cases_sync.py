"""Case opening, moving and closing from real delinquency snapshots (import → daily run → sync).

The book (fixtures.book.loan): annuity loans of 12,000.00 at 18 % over 12 months disbursed 2026-01-15,
installment 1 = 1,100.16 due 2026-02-15; bullet loans of 1,000.00 at 12 % for one month owe 1,010.00 on
2026-02-15. Borrower B1 lives in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from accord.cases import service
from accord.cases.models import Case
from accord.journal.models import JournalEntry
from accord.kit.db import session_scope
from accord.kit.errors import ProblemError
from cases_helpers import loan, make_book, pay
from fixtures.book import run

BULLET = {"principal": "1000.00", "annual_rate": "0.12", "term_months": "1", "repayment_method": "bullet"}


def sync(url: str, day: str) -> dict:
    with session_scope(url) as s:
        return service.sync_cases(s, date.fromisoformat(day))


def cases(url: str) -> dict[str, list[Case]]:
    with session_scope(url) as s:
        out: dict[str, list[Case]] = {}
        for c in s.scalars(select(Case).order_by(Case.id)):
            out.setdefault(c.loan_id, []).append(c)
        return out


def journal_count(url: str, kind: str | None = None) -> int:
    with session_scope(url) as s:
        q = select(func.count()).select_from(JournalEntry)
        return s.scalar(q.where(JournalEntry.kind == kind) if kind else q)


@pytest.fixture
def book(db_url, tmp_path):
    make_book(db_url, tmp_path / "book",
              loans=[loan("L1"), loan("L2"), loan("L3"), loan("L4", **BULLET), loan("L5", **BULLET)],
              payments=[pay("P2", "L2", "2026-02-15", "1100.16"), pay("P3", "L3", "2026-02-18", "1100.16"),
                        pay("P4", "L4", "2026-02-18", "1010.00"), pay("P5", "L5", "2026-02-17", "1010.00")])
    return db_url


def test_cases_open_for_delinquent_loans_only_and_resync_changes_nothing(book):
    run(book, "2026-02-15")
    assert sync(book, "2026-02-15")["opened"] == 0  # everything due today: dpd 0, no case
    run(book, "2026-02-16")
    counts = sync(book, "2026-02-16")
    assert (counts["opened"], counts["closed"], counts["changed"]) == (4, 0, True)
    c = cases(book)
    assert sorted(c) == ["L1", "L3", "L4", "L5"]  # L2 paid on its due date
    assert all(x[0].status == "open" and x[0].stage == "M1" and x[0].dpd == 1 and x[0].opened_on == date(2026, 2, 16)
               and x[0].owner_kind == "queue" for x in c.values())
    assert journal_count(book, "case.opened") == 4 and journal_count(book, "cases.synced") == 1

    before = journal_count(book)
    again = sync(book, "2026-02-16")
    assert (again["opened"], again["updated"], again["closed"], again["changed"]) == (0, 0, 0, False)
    assert journal_count(book) == before
    assert {k: [(x.id, x.status, x.dpd) for x in v] for k, v in cases(book).items()} == \
        {k: [(x.id, x.status, x.dpd) for x in v] for k, v in c.items()}


def test_cure_and_payoff_close_cases_with_their_reason(book):
    run(book, "2026-02-16")
    sync(book, "2026-02-16")
    run(book, "2026-02-18")  # catches up 02-17 and 02-18
    counts = sync(book, "2026-02-18")  # 02-17 was not synced: L5 left the book in between
    assert counts["closed_by_reason"] == {"cured": 1, "paid_off": 2}
    c = cases(book)
    assert (c["L1"][0].status, c["L1"][0].dpd, c["L1"][0].stage) == ("open", 3, "M1")
    assert (c["L3"][0].status, c["L3"][0].close_reason, c["L3"][0].closed_on) == ("closed", "cured", date(2026, 2, 18))
    assert (c["L4"][0].close_reason, c["L4"][0].closed_on) == ("paid_off", date(2026, 2, 18))
    assert (c["L5"][0].close_reason, c["L5"][0].closed_on) == ("paid_off", date(2026, 2, 17))
    assert journal_count(book, "case.closed") == 3


def test_stage_follows_the_bucket_a_named_stage_stays_and_a_relapse_opens_a_new_case(book):
    run(book, "2026-02-16")
    sync(book, "2026-02-16")
    run(book, "2026-02-18")
    sync(book, "2026-02-18")
    with session_scope(book) as s:
        l1 = s.scalars(select(Case).where(Case.loan_id == "L1")).one()
        l1_id = l1.id
    run(book, "2026-03-18")
    counts = sync(book, "2026-03-18")
    c = cases(book)
    assert (c["L1"][0].id, c["L1"][0].dpd, c["L1"][0].bucket, c["L1"][0].stage) == (l1_id, 31, "M2", "M2")
    # L3 cured in February, missed installment 2 (due 03-15): a second case for the same loan.
    assert [x.status for x in c["L3"]] == ["closed", "open"] and c["L3"][1].dpd == 3
    assert counts["opened"] == 2  # L3 again, and L2 (never paid installment 2)
    with session_scope(book) as s:
        s.execute(update(Case).where(Case.id == l1_id).values(stage="legal"))
    run(book, "2026-03-20")
    sync(book, "2026-03-20")
    l1 = cases(book)["L1"][0]
    assert (l1.stage, l1.bucket, l1.dpd) == ("legal", "M2", 33)


def test_sync_refuses_a_day_without_snapshot_and_going_backwards(book):
    with pytest.raises(ProblemError, match="no delinquency snapshot for 2026-02-16"):
        sync(book, "2026-02-16")
    run(book, "2026-02-17")
    sync(book, "2026-02-17")
    with pytest.raises(ProblemError, match="before the last case sync"):
        sync(book, "2026-02-16")


def test_demo_portfolio_cases_match_the_snapshot_in_the_daily_runs_transaction(db_url):
    from accord.batch.service import run_day
    from accord.delinquency.models import DelinquencySnapshot
    from accord.simulation.service import load_demo

    as_of = date(2026, 3, 1)
    with session_scope(db_url) as s:
        load_demo(s, 300, 11, as_of)
    with session_scope(db_url) as s:
        run_day(s, as_of)
        counts = service.sync_cases(s, as_of)  # same transaction: sees the snapshot just written
        snap = dict(s.execute(select(DelinquencySnapshot.loan_pk, DelinquencySnapshot.dpd).where(
            DelinquencySnapshot.as_of == as_of, DelinquencySnapshot.dpd >= 1,
            DelinquencySnapshot.closed.is_(False))).all())
    open_cases = {c.loan_pk: c.dpd for v in cases(db_url).values() for c in v
                  if c.status == "open" and c.stage != "pre_due"}  # pre-due cases: tests/cases/test_pre_due_cases.py
    assert snap and open_cases == snap and counts["opened"] == len(snap) + counts["opened_pre_due"]
    with session_scope(db_url) as s:
        assert service.sync_cases(s, as_of)["changed"] is False


def test_timeline_merges_journal_promises_disputes_and_holds(book):
    from datetime import datetime, timezone

    run(book, "2026-02-16")
    sync(book, "2026-02-16")
    at = datetime(2026, 2, 16, 3, 0, tzinfo=timezone.utc)
    with session_scope(book) as s:
        case_id = s.scalars(select(Case.id).where(Case.loan_id == "L1")).one()
        service.record_promise(s, loan_id="L1", amount="500.00", due_on=date(2026, 2, 20), channel="call",
                               taken_by="agent:A1", taken_at=at)
        service.open_hold(s, "B1", "vulnerability", reason="told us about an illness", actor="agent:A1", at=at)
    with session_scope(book) as s:
        items = service.timeline(s, case_id)
    kinds = [i["kind"] for i in items]
    assert {"case.opened", "promise.recorded", "hold.opened", "promise.pending", "hold.active"} <= set(kinds)
    assert not any(i.get("loan_id") == "L2" for i in items if i["source"] == "journal")
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)
