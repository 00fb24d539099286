"""Helpers of the agency tests: a small CN / US book with open cases, agencies, placing cases and
marking hand-over notices as sent (what the outbox worker does once a message went out)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, update

from accord.agencies import service
from accord.cases.models import Case
from accord.kit.db import session_scope
from fixtures.book import borrower, import_book, loan, payment, run, write_book

DAY = date(2026, 3, 20)  # the book's "today": every loan is 33 days past due (M2)
HANDOVER = DAY + timedelta(days=3)
SENT_AT = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def pay(pid: str, loan_id: str, at: str, amount: str) -> dict:
    return payment(pid, loan_id, at, amount)


def make_book(url: str, folder, payments: list[dict] | None = None) -> dict[str, int]:
    """Borrowers B1, B2, B3 (CN, Shanghai, with phones), BUS (US), BX (CN, no phone or address); one
    loan each (L1, L2, L3, LUS, LX), none paid. Runs the ledger to DAY and opens the cases;
    returns case ids by loan id."""
    write_book(folder, borrowers=[
        borrower("B1", phone="+8613800000001", national_id="110101199001011234", language="zh"),
        borrower("B2", phone="+8613800000002", name="李四"),
        borrower("B3", phone="+8613800000003", name="王五"),
        borrower("BUS", name="Alex Morgan", phone="+12125550100", jurisdiction="US", timezone="America/New_York",
                 language="en"),
        borrower("BX", name="赵六")],
        loans=[loan("L1"), loan("L2", borrower_id="B2"), loan("L3", borrower_id="B3"),
               loan("LUS", borrower_id="BUS", currency="USD"), loan("LX", borrower_id="BX")],
        payments=payments or None)
    import_book(url, folder)
    run(url, DAY)
    from accord.cases.service import sync_cases

    with session_scope(url) as s:
        sync_cases(s, DAY)
    return case_ids(url)


def case_ids(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        return dict(s.execute(select(Case.loan_id, Case.id).where(Case.status == "open")).all())


def add_agency(url: str, agency_id: str = "huaxin", *, evaluated_on: date | None = DAY - timedelta(days=30),
               jurisdictions: tuple[str, ...] = ("CN",), capacity: int = 10, rate: str = "0.25",
               by_bucket: dict | None = None) -> None:
    with session_scope(url) as s:
        service.save_agency(s, agency_id, name=f"{agency_id} 资产管理", phone="400-800-0000", commission_rate=rate,
                            jurisdictions=list(jurisdictions), capacity=capacity, commission_by_bucket=by_bucket,
                            contract_ref=f"C-{agency_id}", dpa_ref=f"DPA-{agency_id}")
        if evaluated_on is not None:
            service.evaluate_agency(s, agency_id, on=evaluated_on, score=80)


def place(url: str, agency_id: str, cases: list[int], on: date = DAY, **kw) -> list[int]:
    """Place through the service and queue the notices, like ``accord agency place``."""
    from accord.outbox.notices import send_notices

    with session_scope(url) as s:
        r = service.place_cases(s, agency_id, cases, actor="manager:M1", on=on, **kw)
        sent = send_notices(s, r.notices, actor="manager:M1")
        service.record_notices(s, r.placements, sent, actor="manager:M1")
        return [p.id for p in r.placements]


def mark_notices_sent(url: str, placement_ids: list[int] | None = None, at: datetime = SENT_AT,
                      status: str = "sent") -> None:
    from accord.agencies.models import Placement
    from accord.outbox.models import Message

    with session_scope(url) as s:
        q = select(Placement.notice_message_id).where(Placement.notice_message_id.is_not(None))
        if placement_ids is not None:
            q = q.where(Placement.id.in_(placement_ids))
        ids = list(s.scalars(q))
        s.execute(update(Message).where(Message.id.in_(ids)).values(status=status, sent_at=at))


def advance(url: str, day: date = HANDOVER) -> dict:
    with session_scope(url) as s:
        return service.advance_placements(s, day)


def agency_user(url: str, user_id: str, agency_id: str | None, role: str = "agency_agent", pii: bool = False) -> None:
    from accord.agents.service import add_agent

    with session_scope(url) as s:
        add_agent(s, user_id, f"user {user_id}", ["zh", "en"], 50, role, agency=agency_id, can_see_pii=pii)
