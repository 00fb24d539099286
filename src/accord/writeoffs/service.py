"""Write-off (核销) and the debt-sale flag (债权转让).

``write_off`` closes a loan out of the book: one ``write_off`` posting per unsettled installment with
what is outstanding per component (principal; interest and fees charged so far; penalty accrued), the
installments marked settled, the loan ``written_off``, its case closed with reason ``written_off``,
pending promises cancelled — all journalled in the caller's transaction. Payments that arrive later
are recoveries (``accord.writeoffs.recovery``). ``flag_sale`` records a sale with its evidence file.
Nothing here commits.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from accord.journal.service import append
from accord.kit.crypto import sha256_hex
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import utcnow
from accord.writeoffs import repository as repo
from accord.writeoffs.models import DebtSale, WriteOff
from accord.writeoffs.policy import writeoff_policy
from accord.writeoffs.recovery import apply_recoveries, recoveries_report  # noqa: F401 - the feature's front door
from accord.writeoffs.rules import COMPONENTS, InstallmentState, check_reason, totals, write_off_lines
from accord.writeoffs.views import recovery_view, sale_view, write_off_view


@dataclass(frozen=True)
class WrittenOff:
    write_off: WriteOff
    lines: list[dict]  # per installment: installment_no and amounts per component
    case_id: int | None
    cancelled_promises: list[int]


def _state(i) -> InstallmentState:  # noqa: ANN001
    return InstallmentState(i.installment_no, i.due_on, i.principal_due, i.interest_due, i.fee_due, i.principal_paid,
                            i.interest_paid, i.fee_paid, i.penalty_accrued, i.penalty_paid)


def _open_loan(session: Session, loan_id: str):  # noqa: ANN202
    loan = repo.loan(session, loan_id)
    if loan is None:
        raise ProblemError(f"no loan {loan_id!r}")
    if loan.status == "written_off":
        w = repo.write_off_for(session, loan.pk)
        raise ProblemError(f"loan {loan_id} was already written off on {loan.closed_on}"
                           + (f" ({w.reason})" if w else ""))
    if loan.status != "open":
        raise ProblemError(f"loan {loan_id} is closed ({loan.close_reason or loan.status} on {loan.closed_on}): "
                           "only an open loan can be written off")
    return loan


def write_off(session: Session, loan_id: str, reason: str, *, on: date, by: str = "system",
              note: str | None = None) -> WrittenOff:
    """Write an open loan off on ``on`` for ``reason`` (one of ``rules.REASONS``)."""
    check_reason(reason)
    loan = _open_loan(session, loan_id)
    last = repo.last_run(session)
    if last is not None and on < last:
        raise ProblemError(f"write-off date {on} is before the last daily run ({last}): the book already holds "
                           f"that run's postings; write off on or after {last}")
    if on < loan.disbursed_on:
        raise InputError(f"write-off date {on} is before the loan was disbursed ({loan.disbursed_on})")
    waiting = repo.unapplied_payments_through(session, loan.pk, on)
    if waiting:
        raise ProblemError(f"loan {loan_id} has {len(waiting)} payment(s) up to {on} not yet applied "
                           f"(first: {waiting[0].id}): run `accord run --as-of {on}` before writing it off")
    lines = write_off_lines([_state(i) for i in repo.unsettled_installments(session, loan.pk)], last)
    t = totals(lines)
    repo.add_postings(session, [{"loan_pk": loan.pk, "installment_no": ln["installment_no"], "kind": "write_off",
                                 "effective_on": on, **{c: ln[c] for c in COMPONENTS}, "credit": 0,
                                 "payment_id": None, "run_as_of": None} for ln in lines])
    repo.settle_installments(session, loan.pk, on)
    loan.status, loan.closed_on, loan.close_reason = "written_off", on, "written_off"
    w = WriteOff(loan_pk=loan.pk, loan_id=loan.id, borrower_id=loan.borrower_id, reason=reason, written_off_on=on,
                 principal_minor=t["principal"], interest_minor=t["interest"], fee_minor=t["fee"],
                 penalty_minor=t["penalty"], credit_minor=loan.credit_minor or 0, note=note, by=by, at=utcnow())
    session.add(w)
    session.flush()
    case_id, cancelled = _close_case_and_promises(session, loan.id, on, by)
    from accord.outbox.service import cancel_waiting

    cancel_waiting(session, borrower_id=loan.borrower_id, loan_id=loan.id, reason=f"loan written off ({reason})", actor=by)
    w.case_id = case_id
    session.flush()
    append(session, "loan.written_off", actor=by, loan_id=loan.id, borrower_id=loan.borrower_id,
           subject=f"writeoff:{w.id}",
           payload={"write_off_id": w.id, "reason": reason, "on": on, "total": fmt_minor(sum(t.values())),
                    **{c: fmt_minor(t[c]) for c in COMPONENTS}, "installments": len(lines),
                    "credit_held": fmt_minor(w.credit_minor), "case_id": case_id, "cancelled_promises": cancelled,
                    "note_sha256": sha256_hex(note) if note else None})
    return WrittenOff(w, lines, case_id, cancelled)


def _close_case_and_promises(session: Session, loan_id: str, on: date, by: str) -> tuple[int | None, list[int]]:
    """Close the loan's open case (reason written_off) and cancel its pending promises."""
    from accord.cases import repository as cases_repo
    from accord.cases.service import cancel_promise, close_case

    cancelled = [cancel_promise(session, p.id, reason="loan written off", actor=by, on=on).id
                 for p in cases_repo.pending_for_loan(session, loan_id)]
    case = cases_repo.open_case_for_loan(session, loan_id)
    if case is None:
        return None, cancelled
    close_case(session, case.id, "written_off", actor=by, on=max(on, case.opened_on))
    return case.id, cancelled


def flag_sale(session: Session, loan_id: str, *, buyer: str, price_minor: int, evidence: Path, on: date,
              by: str = "system", evidence_store: Path | None = None) -> DebtSale:
    """Flag a loan as sold to ``buyer`` for ``price_minor`` with the evidence file (the case-file export
    zip, identified by SHA-256 and size). A written-off loan, or an open one where the policy allows it
    (it is then written off with reason ``sold``). The loan is no longer ours: it is off the book, its
    case closed, and later payments are recorded as recoveries owed to the buyer."""
    from accord.cases.dispute_service import evidence_dir, store_evidence

    if not buyer.strip():
        raise InputError("--buyer must name the buyer")
    if price_minor < 0:
        raise InputError(f"--price must not be negative (got {fmt_minor(price_minor)})")
    evidence = Path(evidence)
    if not evidence.is_file():
        raise InputError(f"evidence file {evidence}: no such file")
    if not zipfile.is_zipfile(evidence):
        raise InputError(f"evidence file {evidence}: not a zip archive (expected the case-file export)")
    loan = repo.loan(session, loan_id)
    if loan is None:
        raise ProblemError(f"no loan {loan_id!r}")
    existing = repo.sale_for(session, loan.pk)
    if existing is not None:
        raise ProblemError(f"loan {loan_id} was already flagged for sale on {existing.flagged_on} "
                           f"(buyer {existing.buyer})")
    was_open = loan.status == "open"
    if was_open:
        pol = writeoff_policy()
        if not pol.sell_open_loans:
            raise ProblemError(f"loan {loan_id} is open: the policy allows selling only written-off loans "
                               f"(sale.open_loans in {pol.source}); write it off first")
        w = write_off(session, loan_id, "sold", on=on, by=by).write_off
    else:
        w = repo.write_off_for(session, loan.pk)
        if w is None:
            raise ProblemError(f"loan {loan_id} is closed ({loan.close_reason or loan.status}), not written off: "
                               "there is no debt to sell")
    if on < w.written_off_on:
        raise InputError(f"sale date {on} is before the write-off ({w.written_off_on})")
    (stored,) = store_evidence([evidence], evidence_dir(evidence_store))
    s = DebtSale(loan_pk=loan.pk, loan_id=loan.id, write_off_id=w.id, buyer=buyer.strip(), price_minor=price_minor,
                 evidence_name=stored["name"], evidence_sha256=stored["sha256"], evidence_size=stored["size"],
                 flagged_on=on, was_open=was_open, by=by, at=utcnow())
    session.add(s)
    session.flush()
    append(session, "loan.sale_flagged", actor=by, loan_id=loan.id, borrower_id=loan.borrower_id,
           subject=f"sale:{s.id}",
           payload={"sale_id": s.id, "write_off_id": w.id, "buyer_sha256": sha256_hex(s.buyer),
                    "price": fmt_minor(price_minor), "on": on, "was_open": was_open,
                    "evidence": {"name": s.evidence_name, "sha256": s.evidence_sha256, "size": s.evidence_size}})
    return s


def list_write_offs(session: Session, *, for_sale: bool = False, limit: int = 100, offset: int = 0) -> list[dict]:
    """Write-offs (oldest first) with what was recovered since and the sale flag, if any."""
    rows = repo.list_write_offs(session, for_sale=for_sale, limit=limit, offset=offset)
    recovered = repo.recovered_totals(session, [w.id for w, _ in rows])
    return [{**write_off_view(w), "recovered": fmt_minor(recovered.get(w.id, 0)),
             "sale": sale_view(s) if s is not None else None} for w, s in rows]


def case_file_section(session: Session, loan_id: str) -> list[dict]:
    """The write-off part of a loan's case file (``accord case export``): the write-off, each recovery
    with its allocation, and the sale flag with its evidence hash — an empty list when none."""
    w = repo.write_off_by_loan_id(session, loan_id)
    if w is None:
        return []
    out = [{"kind": "write_off", **write_off_view(w)}]
    recs = repo.recoveries_for(session, [w.id])[w.id]
    alloc = repo.recovery_postings(session, [r.payment_id for r in recs])
    out += [{"kind": "recovery", **recovery_view(r, alloc.get(r.payment_id))} for r in recs]
    s = repo.sale_for(session, w.loan_pk)
    if s is not None:
        out.append({"kind": "sale", **sale_view(s)})
    return out
