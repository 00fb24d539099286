"""Reads of the case file: every row about one loan (and its borrower), as JSON-ready dicts.

Tables are reached through the shared metadata so that a feature that is not installed (or not yet
migrated) simply contributes nothing. Money columns are integer minor units in storage and leave
here as decimal strings (``"1234.50"``); dates and times as ISO text.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Table, inspect, or_, select
from sqlalchemy.orm import Session

from accord.kit.money import fmt_minor

# Integer minor-unit columns per table (the rest of the integers are counts and ids).
MONEY = {
    "loans": {"principal_minor", "credit_minor"},
    "installments": {"principal_due", "interest_due", "fee_due", "principal_paid", "interest_paid", "fee_paid",
                     "penalty_accrued", "penalty_paid", "waived"},
    "postings": {"principal", "interest", "fee", "penalty", "credit"},
    "payments": {"amount_minor"},
    "promises": {"amount_minor", "paid_minor"},
    "replies": {"amount_minor"},
    "delinquency_snapshots": {"overdue_principal", "overdue_interest", "overdue_fees", "penalty",
                              "outstanding_principal", "outstanding"},
}
# Never in a case file, whatever the table says (cipher text is useless and a leak risk).
NEVER = {"national_id", "content_hash", "batch_id"}


def _table(session: Session, name: str) -> Table | None:
    from accord.kit.all_models import metadata

    t = metadata.tables.get(name)
    if t is None or not inspect(session.get_bind()).has_table(name):
        return None
    return t


def _plain(table: str, col: str, value: object) -> object:
    if value is None:
        return None
    if col in MONEY.get(table, ()):
        return fmt_minor(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows(session: Session, name: str, *where, order_by: tuple[str, ...] = ()) -> list[dict]:
    """Rows of table ``name`` matching the conditions built by ``where`` (callables of the table)."""
    t = _table(session, name)
    if t is None:
        return []
    q = select(t).where(*[w(t) for w in where])
    if order_by:
        q = q.order_by(*[t.c[c] for c in order_by if c in t.c])
    return [{k: _plain(name, k, v) for k, v in r._mapping.items() if k not in NEVER} for r in session.execute(q)]


def has(session: Session, name: str) -> bool:
    return _table(session, name) is not None


def loan_rows(session: Session, loan_pk: int, loan_id: str, borrower_id: str) -> dict[str, list[dict]]:
    """Everything stored about one loan, table by table."""
    by_pk = lambda t: t.c.loan_pk == loan_pk  # noqa: E731
    by_id = lambda t: t.c.loan_id == loan_id  # noqa: E731
    out = {
        "loan": rows(session, "loans", lambda t: t.c.pk == loan_pk),
        "borrower": rows(session, "borrowers", lambda t: t.c.id == borrower_id),
        "schedule": rows(session, "installments", by_pk, order_by=("installment_no",)),
        "ledger": rows(session, "postings", by_pk, order_by=("effective_on", "id")),
        "payments": rows(session, "payments", by_pk, order_by=("paid_at", "id")),
        "cases": rows(session, "cases", by_pk, order_by=("id",)),
        "promises": rows(session, "promises", by_id, order_by=("taken_at", "id")),
        # A dispute or hold about the borrower as a whole (no loan) concerns this loan too.
        "disputes": rows(session, "disputes", lambda t: t.c.borrower_id == borrower_id,
                         lambda t: or_(t.c.loan_id == loan_id, t.c.loan_id.is_(None)), order_by=("received_at", "id")),
        "holds": rows(session, "holds", lambda t: t.c.borrower_id == borrower_id,
                      lambda t: or_(t.c.loan_id == loan_id, t.c.loan_id.is_(None)), order_by=("opened_at", "id")),
        "actions": rows(session, "actions", by_pk, order_by=("scheduled_at", "id")),
        "messages": rows(session, "messages", by_id, order_by=("not_before", "id")),
    }
    out["position"] = latest_snapshot(session, loan_pk)
    action_ids = [a["id"] for a in out["actions"]]
    out["gate_decisions"] = rows(session, "gate_decisions", lambda t: t.c.action_id.in_(action_ids),
                                 order_by=("at", "id")) if action_ids else []
    events = [e for e in rows(session, "contact_events", lambda t: t.c.borrower_id == borrower_id, order_by=("at", "id"))
              if loan_id in (e.get("loan_ids") or []) or loan_id in (e.get("debt_ids") or [])
              or not (e.get("loan_ids") or e.get("debt_ids"))]
    out["contact_events"] = events
    ev_ids = [e["id"] for e in events]
    out["replies"] = rows(session, "replies", lambda t: t.c.contact_event_id.in_(ev_ids), order_by=("at", "id")) \
        if ev_ids else []
    return out


def latest_snapshot(session: Session, loan_pk: int) -> list[dict]:
    """The loan's last delinquency snapshot (its position when the file was made)."""
    t = _table(session, "delinquency_snapshots")
    if t is None:
        return []
    r = session.execute(select(t).where(t.c.loan_pk == loan_pk).order_by(t.c.as_of.desc()).limit(1)).first()
    return [] if r is None else [{k: _plain(t.name, k, v) for k, v in r._mapping.items()}]


def journal_seqs(session: Session, loan_id: str, borrower_id: str) -> list[int]:
    """Journal events about the loan, and about the borrower with no loan named (holds, opt-outs)."""
    from accord.journal.models import JournalEntry as J

    q = select(J.seq).where(or_(J.loan_id == loan_id, (J.borrower_id == borrower_id) & J.loan_id.is_(None)))
    return list(session.scalars(q.order_by(J.seq)))
