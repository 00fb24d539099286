"""Recoveries after write-off (核销后回收): a payment for a written-off loan is neither lost nor applied
to installments that no longer exist. The daily run's ledger step calls ``apply_recoveries`` (the
engine itself never loads written-off loans' payments): each payment dated up to the run's date is
recorded once (unique payment id) as a ``recovery`` posting — spread over what was written off and not
yet recovered, in the product's waterfall order, anything beyond held as excess for a refund — marked
applied, and journalled (``writeoff.recovery``).

Recoveries are rare, so this is a plain loop over the few payments; it stays off the columnar hot path.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from accord.journal.service import Event, append_many
from accord.kit.errors import InputError
from accord.kit.money import fmt_minor
from accord.writeoffs import repository as repo
from accord.writeoffs.models import Recovery
from accord.writeoffs.rules import COMPONENTS, allocate_recovery


def _order(product: str) -> tuple[str, ...]:
    from accord.loans.products import get_product

    return tuple(get_product(product).waterfall_order)


def apply_recoveries(session: Session, first_day: date, as_of: date, actor: str = "batch") -> dict:
    """Record every unapplied payment dated up to ``as_of`` on a written-off loan as a recovery,
    value-dated on its own date or on ``first_day`` of the run when it arrived late (as the engine does
    with late payments). Returns counts: ``recoveries`` and the amount ``recovered``."""
    pending = repo.pending_recoveries(session, as_of)
    if not pending:
        return {"recoveries": 0, "recovered": "0.00"}
    events, total = [], 0
    recovered: dict[int, dict[str, int]] = {}
    sold: dict[int, bool] = {}
    loans = {}
    for pay, w in pending:
        if w.loan_pk not in recovered:
            recovered[w.loan_pk] = repo.recovered_by_component(session, w.loan_pk)
            sold[w.loan_pk] = repo.sale_for(session, w.loan_pk) is not None
            loans[w.loan_pk] = repo.loan(session, w.loan_id)
        done = recovered[w.loan_pk]
        remaining = {"principal": w.principal_minor - done["principal"], "interest": w.interest_minor - done["interest"],
                     "fee": w.fee_minor - done["fee"], "penalty": w.penalty_minor - done["penalty"]}
        alloc, excess = allocate_recovery(pay.amount_minor, remaining, _order(loans[w.loan_pk].product))
        for c in COMPONENTS:
            done[c] += alloc[c]
        applied_on = max(pay.paid_on, first_day)
        repo.add_postings(session, [{"loan_pk": w.loan_pk, "installment_no": None, "kind": "recovery",
                                     "effective_on": applied_on, **alloc, "credit": excess,
                                     "payment_id": pay.id, "run_as_of": as_of}])
        pay.applied_on = applied_on
        session.add(Recovery(write_off_id=w.id, loan_id=w.loan_id, payment_id=pay.id, paid_on=pay.paid_on,
                             applied_on=applied_on, amount_minor=pay.amount_minor, excess_minor=excess,
                             after_sale=sold[w.loan_pk], run_as_of=as_of))
        total += pay.amount_minor
        events.append(Event("writeoff.recovery", {
            "payment_id": pay.id, "write_off_id": w.id, "amount": fmt_minor(pay.amount_minor),
            "applied_on": applied_on, "allocation": {c: fmt_minor(alloc[c]) for c in COMPONENTS},
            "excess": fmt_minor(excess), "after_sale": sold[w.loan_pk]},
            actor=actor, loan_id=w.loan_id, borrower_id=w.borrower_id, subject=f"payment:{pay.id}"))
    session.flush()
    append_many(session, events)
    return {"recoveries": len(pending), "recovered": fmt_minor(total)}


def recoveries_report(session: Session, start: date, end: date) -> dict:
    """Recoveries applied from ``start`` to ``end`` (inclusive): totals per loan, per write-off reason
    and per month (of the applied date), and the overall total."""
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")
    per_loan: dict[str, dict] = {}
    per_reason: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = count = 0
    for r, w in repo.recoveries_between(session, start, end):
        row = per_loan.setdefault(r.loan_id, {"loan_id": r.loan_id, "reason": w.reason, "recoveries": 0,
                                               "amount_minor": 0, "excess_minor": 0, "after_sale": False,
                                               "written_off": w.principal_minor + w.interest_minor + w.fee_minor
                                               + w.penalty_minor})
        row["recoveries"] += 1
        row["amount_minor"] += r.amount_minor
        row["excess_minor"] += r.excess_minor
        row["after_sale"] = row["after_sale"] or r.after_sale
        for key, bucket in ((w.reason, per_reason), (r.applied_on.strftime("%Y-%m"), per_month)):
            bucket[key][0] += 1
            bucket[key][1] += r.amount_minor
        total += r.amount_minor
        count += 1
    loans = [{"loan_id": v["loan_id"], "reason": v["reason"], "recoveries": v["recoveries"],
              "amount": fmt_minor(v["amount_minor"]), "excess": fmt_minor(v["excess_minor"]),
              "written_off": fmt_minor(v["written_off"]), "after_sale": v["after_sale"]}
             for v in sorted(per_loan.values(), key=lambda v: v["loan_id"])]
    return {"from": start.isoformat(), "to": end.isoformat(), "recoveries": count, "total": fmt_minor(total),
            "per_loan": loans,
            "per_reason": [{"reason": k, "recoveries": n, "amount": fmt_minor(a)} for k, (n, a) in sorted(per_reason.items())],
            "per_month": [{"month": k, "recoveries": n, "amount": fmt_minor(a)} for k, (n, a) in sorted(per_month.items())]}
