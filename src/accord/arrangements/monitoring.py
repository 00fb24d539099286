"""The daily monitoring of arrangements (pipeline step ``arrangements``, right after the ledger):
offers past their date expire; plan instalments are judged paid or missed; an arrangement with more
misses than its policy allows breaks (the case gets ``next_step`` so the strategy resumes, a
settlement's discount revives); one whose instalments are all paid completes (a settlement's
discount is waived by postings and the loan closes as settled); reminders of coming instalments are
returned for ``send_notices``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from accord.arrangements import repository as repo
from accord.arrangements import restructure as rs
from accord.arrangements.models import Arrangement
from accord.arrangements.policy import policy_for
from accord.journal.service import append
from accord.kit.money import fmt_minor


def _at(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(23, 59), tzinfo=UTC)


def _history(a: Arrangement, status: str, day: date, **extra) -> None:  # noqa: ANN003
    a.history = [*(a.history or []), {"status": status, "at": _at(day).isoformat(), "by": "batch", **extra}]


def monitor(session: Session, as_of: date, actor: str = "batch") -> tuple[dict, list]:
    """Judge every active arrangement on ``as_of``; returns (counts, reminders as Outbound)."""
    counts = {"expired": 0, "active": 0, "broken": 0, "completed": 0, "reminders": 0}
    for a in repo.offers_expired_by(session, as_of):
        a.status, a.closed_on, a.close_reason = "expired", as_of, "offer expired"
        _history(a, "expired", as_of)
        append(session, "arrangement.expired", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
               subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "valid_until": a.valid_until})
        counts["expired"] += 1
    reminders = []
    for a in repo.active(session):
        loan = session.get(_loan_model(), a.loan_pk)
        pol = policy_for(loan.product, (a.restructure or {}).get("bucket", "M1"))  # the rules it was made under
        if loan.status != "open":  # paid off (or written off) while the arrangement ran
            _complete(session, a, loan, as_of, actor, reason=f"loan {loan.status}")
            counts["completed"] += 1
            continue
        rows = repo.installments(session, a.loan_pk, list(a.plan_nos))
        missed = [i for i in rows if i.settled_on is None and as_of > i.due_on + timedelta(days=pol.break_grace_days)]
        if len(missed) > pol.misses_allowed:
            _break(session, a, loan, missed, as_of, actor, pol.broken_next_step)
            counts["broken"] += 1
        elif all(i.settled_on is not None for i in rows) and (rows or (a.ends_on and as_of >= a.ends_on)):
            _complete(session, a, loan, as_of, actor)
            counts["completed"] += 1
        else:
            if len(missed) != a.missed:
                a.missed = len(missed)
            counts["active"] += 1
            reminders += _reminders(a, rows, as_of, pol)
    session.flush()
    counts["reminders"] = len(reminders)
    return counts, reminders


def _loan_model():  # noqa: ANN202
    from accord.loans.models import Loan

    return Loan


def _reminders(a: Arrangement, rows: list, as_of: date, pol) -> list:  # noqa: ANN001
    from accord.cases.views import Outbound

    out = []
    for i in rows:
        if i.settled_on is None and i.due_on == as_of + timedelta(days=pol.reminder_days_before):
            owed = (i.principal_due - i.principal_paid + i.interest_due - i.interest_paid + i.fee_due - i.fee_paid
                    + i.penalty_accrued - i.penalty_paid)
            out.append(Outbound(pol.reminder_template, "sms", a.borrower_id, a.loan_id, a.case_id, "reminder",
                                {"amount_due": fmt_minor(owed), "due_date": i.due_on.isoformat(),
                                 "instalment_no": a.plan_nos.index(i.installment_no) + 1,
                                 "instalments": len(a.plan_nos)},
                                f"arrangement:{a.id}:{i.installment_no}"))
    return out


def _break(session: Session, a: Arrangement, loan, missed: list, as_of: date, actor: str, next_step: str) -> None:  # noqa: ANN001
    a.status, a.closed_on, a.missed = "broken", as_of, len(missed)
    a.close_reason = f"missed instalment {missed[0].installment_no} due {missed[0].due_on}"
    revived = None
    if a.remainder_no is not None:
        # The settlement's discount was conditional on payment: it falls due again (tomorrow, a day the
        # daily run has not processed, so it is charged like any installment).
        (rem,) = repo.installments(session, a.loan_pk, [a.remainder_no]) or (None,)
        if rem is not None and rem.settled_on is None and rem.due_on > as_of:
            rem.due_on = as_of + timedelta(days=1)  # (one already due was charged on its day: left as it is)
            revived = rem.installment_no
    _history(a, "broken", as_of, reason=a.close_reason)
    case = _open_case(session, a.loan_id)
    if case is not None:
        a.case_id = a.case_id or case.id
        bucket = case.bucket if case.bucket and case.bucket.startswith("M") else "M1"
        case.stage = bucket if case.stage == "arrangement" else case.stage
        case.next_step, case.next_step_on, case.updated_on = next_step, as_of, as_of
    session.flush()
    append(session, "arrangement.broken", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "missed": [i.installment_no for i in missed],
                                                   "reason": a.close_reason, "next_step": next_step,
                                                   "case_id": case.id if case else None,
                                                   "revived_installment": revived})


def _complete(session: Session, a: Arrangement, loan, as_of: date, actor: str, reason: str = "all paid") -> None:  # noqa: ANN001
    a.status, a.closed_on, a.close_reason = "completed", as_of, reason
    waived = None
    if a.remainder_no is not None and loan.status == "open":
        waived = _waive_remainder(session, a, loan, as_of)
    _history(a, "completed", as_of, reason=reason)
    case = _open_case(session, a.loan_id)
    settled = waived is not None and not repo.unsettled_installments(session, loan.pk)
    if settled:
        loan.status, loan.closed_on, loan.close_reason = "closed", as_of, "settled"
    if case is not None:
        if settled:
            from accord.cases.service import close_case

            close_case(session, case.id, "settled", actor=actor, on=max(as_of, case.opened_on))
        elif case.stage == "arrangement":
            case.stage, case.updated_on = case.bucket, as_of  # back to the bucket; the sync closes it when cured
    session.flush()
    append(session, "arrangement.completed", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "reason": reason, "waived": waived,
                                                   "loan_closed": "settled" if settled else None})


def _waive_remainder(session: Session, a: Arrangement, loan, as_of: date) -> dict | None:  # noqa: ANN001
    (i,) = repo.installments(session, loan.pk, [a.remainder_no]) or (None,)
    if i is None or i.settled_on is not None:
        return None
    row = repo.rows_of([i], None)[0]
    line = rs.remainder_waiver(row)
    if rs.total(line.amounts):
        repo.add_posting(session, loan.pk, "waiver", i.installment_no, as_of, line.amounts)
    i.principal_due, i.interest_due, i.fee_due = i.principal_paid, i.interest_paid, i.fee_paid
    i.penalty_accrued = i.penalty_paid
    i.waived = (i.waived or 0) + rs.total(line.amounts)
    i.settled_on = as_of
    return {c: fmt_minor(v) for c, v in line.amounts.items()}


def _open_case(session: Session, loan_id: str):  # noqa: ANN202
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("cases"):
        return None
    from accord.cases import repository as cases_repo

    return cases_repo.open_case_for_loan(session, loan_id)
