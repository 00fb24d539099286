"""All queries of agency placement. Other features' tables (cases, holds, loans, payments, outbox
messages, actions) are read here only, and imported late."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.agencies.models import ACTIVE, Agency, Placement, PlacementEvent
from accord.cases import models as _cases  # noqa: F401 - placements reference cases, cases loans
from accord.loans import models as _loans  # noqa: F401

CHUNK = 5000


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- agencies -----------------------------------------------------------------------------------------

def get_agency(session: Session, agency_id: str) -> Agency | None:
    return session.get(Agency, agency_id)


def list_agencies(session: Session, include_inactive: bool = True) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.id)
    if not include_inactive:
        stmt = stmt.where(Agency.active.is_(True))
    return list(session.scalars(stmt))


def active_counts(session: Session) -> dict[str, int]:
    """Active placements (notified or handed over) per agency."""
    return dict(session.execute(select(Placement.agency_id, func.count()).where(Placement.status.in_(ACTIVE))
                                .group_by(Placement.agency_id)).all())


# -- cases and their facts ----------------------------------------------------------------------------

def cases_by_ids(session: Session, case_ids: Sequence[int]) -> dict:
    from accord.cases.models import Case

    out = {}
    for c in _chunks(sorted(set(case_ids))):
        out.update({x.id: x for x in session.scalars(select(Case).where(Case.id.in_(list(c))))})
    return out


def borrowers_by_ids(session: Session, ids: Sequence[str]) -> dict:
    from accord.loans.models import Borrower

    out = {}
    for c in _chunks(sorted(set(ids))):
        out.update({b.id: b for b in session.scalars(select(Borrower).where(Borrower.id.in_(list(c))))})
    return out


def active_hold_kinds(session: Session, borrower_ids: Sequence[str]) -> dict[str, list[tuple[str, str | None]]]:
    """Per borrower, the (kind, loan_id) of every active hold (a null loan_id covers all loans)."""
    from accord.cases.models import Hold

    out: dict[str, list] = {}
    for c in _chunks(sorted(set(borrower_ids))):
        for bid, kind, loan_id in session.execute(select(Hold.borrower_id, Hold.kind, Hold.loan_id).where(
                Hold.released_at.is_(None), Hold.borrower_id.in_(list(c)))):
            out.setdefault(bid, []).append((kind, loan_id))
    return out


def active_placements_for_cases(session: Session, case_ids: Sequence[int]) -> dict[int, Placement]:
    out = {}
    for c in _chunks(sorted(set(case_ids))):
        out.update({p.case_id: p for p in session.scalars(select(Placement).where(
            Placement.case_id.in_(list(c)), Placement.status.in_(ACTIVE)))})
    return out


# -- placements ---------------------------------------------------------------------------------------

def get_placement(session: Session, placement_id: int) -> Placement | None:
    return session.get(Placement, placement_id)


def list_placements(session: Session, *, agency_id: str | None = None, status: str | None = None,
                    case_id: int | None = None, loan_id: str | None = None, limit: int = 1000) -> list[Placement]:
    stmt = select(Placement)
    for col, val in ((Placement.agency_id, agency_id), (Placement.status, status), (Placement.case_id, case_id),
                     (Placement.loan_id, loan_id)):
        if val is not None:
            stmt = stmt.where(col == val)
    return list(session.scalars(stmt.order_by(Placement.id).limit(limit)))


def placements_in_status(session: Session, status: str) -> list[Placement]:
    return list(session.scalars(select(Placement).where(Placement.status == status).order_by(Placement.id)))


def handed_over_for_agency(session: Session, agency_id: str) -> list[Placement]:
    return list(session.scalars(select(Placement).where(Placement.agency_id == agency_id,
                                                        Placement.status == "handed_over")
                                .order_by(Placement.id)))


def placements_overlapping(session: Session, agency_id: str, start: datetime, end: datetime) -> list[Placement]:
    """Placements of the agency that were handed over at some point in [start, end)."""
    return list(session.scalars(select(Placement).where(
        Placement.agency_id == agency_id, Placement.handed_over_at.is_not(None), Placement.handed_over_at < end,
        (Placement.ended_at.is_(None)) | (Placement.ended_at > start)).order_by(Placement.id)))


def events_for(session: Session, placement_ids: Sequence[int]) -> dict[int, list[PlacementEvent]]:
    out: dict[int, list] = {}
    for c in _chunks(sorted(set(placement_ids))):
        for e in session.scalars(select(PlacementEvent).where(PlacementEvent.placement_id.in_(list(c)))
                                 .order_by(PlacementEvent.id)):
            out.setdefault(e.placement_id, []).append(e)
    return out


def messages_state(session: Session, message_ids: Sequence[int]) -> dict[int, tuple[str, datetime | None]]:
    """(status, sent_at) of outbox messages."""
    from accord.outbox.models import Message

    out = {}
    for c in _chunks(sorted({m for m in message_ids if m is not None})):
        out.update({mid: (st, sent) for mid, st, sent in session.execute(
            select(Message.id, Message.status, Message.sent_at).where(Message.id.in_(list(c))))})
    return out


def payments_between(session: Session, loan_pk: int, start: datetime, end: datetime | None) -> list:
    """(id, paid_at, paid_on, amount_minor) of the loan's payments with start <= paid_at < end."""
    from accord.loans.models import Payment

    stmt = select(Payment.id, Payment.paid_at, Payment.paid_on, Payment.amount_minor).where(
        Payment.loan_pk == loan_pk, Payment.paid_at >= start)
    if end is not None:
        stmt = stmt.where(Payment.paid_at < end)
    return list(session.execute(stmt.order_by(Payment.paid_at, Payment.id)))


def loan_currency(session: Session, loan_id: str) -> str:
    from accord.loans.models import Loan

    return session.scalar(select(Loan.currency).where(Loan.id == loan_id)) or "CNY"


def latest_snapshot(session: Session, loan_pk: int, on: date | None = None):  # noqa: ANN201
    """The loan's latest delinquency snapshot (on or before ``on``), or None."""
    from accord.delinquency.models import DelinquencySnapshot as S

    stmt = select(S).where(S.loan_pk == loan_pk)
    if on is not None:
        stmt = stmt.where(S.as_of <= on)
    return session.scalars(stmt.order_by(S.as_of.desc()).limit(1)).first()


def latest_snapshots(session: Session, loan_pks: Sequence[int], on: date | None = None) -> dict:
    """Each loan's latest snapshot (on or before ``on``) in one query per 5,000 loans: loan_pk → row."""
    from sqlalchemy import and_

    from accord.delinquency.models import DelinquencySnapshot as S

    out = {}
    for c in _chunks(sorted(set(loan_pks))):
        last = select(S.loan_pk, func.max(S.as_of).label("as_of")).where(S.loan_pk.in_(list(c)))
        if on is not None:
            last = last.where(S.as_of <= on)
        last = last.group_by(S.loan_pk).subquery()
        out.update({s.loan_pk: s for s in session.scalars(
            select(S).join(last, and_(S.loan_pk == last.c.loan_pk, S.as_of == last.c.as_of)))})
    return out


# -- proposals from the strategy ----------------------------------------------------------------------

def proposal_actions(session: Session, day: date | None = None) -> list:
    """Planned ``agency_placement`` tasks of the strategy (newest first)."""
    from accord.strategy.models import Action

    stmt = select(Action).where(Action.channel == "agency_placement", Action.status == "planned")
    if day is not None:
        stmt = stmt.where(Action.plan_date == day)
    return list(session.scalars(stmt.order_by(Action.plan_date.desc(), Action.id)))


def get_action(session: Session, action_id: str):  # noqa: ANN201
    from accord.strategy.models import Action

    return session.get(Action, action_id)


def decided_sources(session: Session, sources: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for c in _chunks(sorted(set(sources))):
        out.update(session.scalars(select(Placement.source).where(Placement.source.in_(list(c)))))
    return out


def attributed_payments(session: Session, *, agency_id: str | None = None, loan_id: str | None = None,
                        paid_from: date | None = None, paid_to: date | None = None) -> list:
    """(placement_id, payment_id, paid_at, paid_on, amount_minor) of every payment made on a placed
    loan while it was handed over: handed_over_at <= paid_at < ended_at (or still placed)."""
    from accord.loans.models import Payment

    stmt = (select(Placement.id, Payment.id, Payment.paid_at, Payment.paid_on, Payment.amount_minor)
            .join(Payment, Payment.loan_pk == Placement.loan_pk)
            .where(Placement.handed_over_at.is_not(None), Payment.paid_at >= Placement.handed_over_at,
                   Placement.ended_at.is_(None) | (Payment.paid_at < Placement.ended_at)))
    if agency_id is not None:
        stmt = stmt.where(Placement.agency_id == agency_id)
    if loan_id is not None:
        stmt = stmt.where(Placement.loan_id == loan_id)
    if paid_from is not None:
        stmt = stmt.where(Payment.paid_on >= paid_from)
    if paid_to is not None:
        stmt = stmt.where(Payment.paid_on <= paid_to)
    return list(session.execute(stmt.order_by(Placement.id, Payment.paid_at, Payment.id)))


def loan_currencies(session: Session, loan_ids: Sequence[str]) -> dict[str, str]:
    from accord.loans.models import Loan

    out: dict[str, str] = {}
    for c in _chunks(sorted(set(loan_ids))):
        out.update(session.execute(select(Loan.id, Loan.currency).where(Loan.id.in_(list(c)))).all())
    return out
