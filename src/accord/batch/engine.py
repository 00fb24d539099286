"""The day-by-day ledger and delinquency engine over NumPy arrays (no per-loan Python loop).

For each day: installments falling due are charged; the day's payments (and held credit) go through
the waterfall; penalty accrues on overdue principal beyond grace; and, from ``snapshot_from`` on, a
delinquency snapshot of every open loan is taken. Within a day everything is vectorised over the
loans that have something happening, so catching up many days costs little per quiet day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accord.delinquency.buckets import bucket_index, transition_codes
from accord.ledger.penalty import accrues, daily_accrual
from accord.ledger.waterfall import COMPONENTS, allocate, order_keys

I64 = np.int64


@dataclass
class Book:
    """The open book. Loans are indexed 0..L-1; installments (unsettled ones only) are sorted by loan
    index then installment number; payments (unapplied) are sorted by day."""

    loan_pk: np.ndarray
    rate_ppb: np.ndarray
    grace: np.ndarray
    credit: np.ndarray
    product: np.ndarray  # index into Engine.products
    prev_bucket: np.ndarray  # bucket index of the last snapshot, -1 when none
    inst_loan: np.ndarray
    inst_no: np.ndarray
    due: np.ndarray  # epoch days
    p_due: np.ndarray
    i_due: np.ndarray
    f_due: np.ndarray
    p_paid: np.ndarray
    i_paid: np.ndarray
    f_paid: np.ndarray
    pen_acc: np.ndarray
    pen_paid: np.ndarray
    pay_loan: np.ndarray
    pay_day: np.ndarray
    pay_amount: np.ndarray
    pay_id: np.ndarray  # object array of payment ids
    disbursed: np.ndarray | None = None  # epoch day of disbursement per loan: no snapshot before it


@dataclass(frozen=True)
class ProductRule:
    bounds: tuple[int, ...]
    order: tuple[str, ...]
    across: str


@dataclass
class Output:
    postings: list[dict] = field(default_factory=list)  # column arrays per batch
    snapshots: list[dict] = field(default_factory=list)
    payments_applied: dict = field(default_factory=dict)
    closed: dict = field(default_factory=dict)
    settled_on: np.ndarray | None = None
    dirty: np.ndarray | None = None
    counts: dict = field(default_factory=dict)


class Engine:
    def __init__(self, book: Book, products: list[ProductRule]):
        self.b = book
        self.products = products
        b = book
        n_loans, n_inst = len(b.loan_pk), len(b.inst_loan)
        self.start = np.searchsorted(b.inst_loan, np.arange(n_loans), side="left")
        self.end = np.searchsorted(b.inst_loan, np.arange(n_loans), side="right")
        self.first = self.start.copy()  # pointer to the oldest unsettled installment
        self.settled = np.zeros(n_inst, dtype=bool)
        self.settled_on = np.full(n_inst, -1, dtype=np.int32)
        self.dirty = np.zeros(n_inst, dtype=bool)
        self.unsettled_n = (self.end - self.start).astype(I64)
        self.open = self.unsettled_n > 0
        self.closed_on = np.full(n_loans, -1, dtype=np.int32)
        self.p_out_loan = np.zeros(n_loans, dtype=I64)
        np.add.at(self.p_out_loan, b.inst_loan, b.p_due - b.p_paid)
        self.pen_run = np.zeros(n_inst, dtype=I64)
        self.due_order = np.argsort(b.due, kind="stable")
        self.due_sorted = b.due[self.due_order]
        # Waterfall rank of each component per product, e.g. penalty 0, fee 1, interest 2, principal 3.
        self.rank = np.array([[p.order.index(c) for c in COMPONENTS] for p in products], dtype=I64)
        self.overdue = np.zeros(0, dtype=I64)  # unsettled installments with due < day
        self.out = Output()
        self.pay_alloc = {c: np.zeros(len(b.pay_id), dtype=I64) for c in (*COMPONENTS, "credit")}
        self.pay_applied = np.full(len(b.pay_id), -1, dtype=np.int32)

    # -- helpers ------------------------------------------------------------------------------
    def _inst_of(self, loans: np.ndarray) -> np.ndarray:
        """All loaded installment indices of the given loans (vectorised ranges)."""
        lens = self.end[loans] - self.start[loans]
        if lens.sum() == 0:
            return np.zeros(0, dtype=I64)
        offsets = np.repeat(self.start[loans] - np.r_[0, np.cumsum(lens)[:-1]], lens)
        return np.arange(lens.sum(), dtype=I64) + offsets

    def _outstanding(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        b = self.b
        return {"penalty": b.pen_acc[idx] - b.pen_paid[idx], "fee": b.f_due[idx] - b.f_paid[idx],
                "interest": b.i_due[idx] - b.i_paid[idx], "principal": b.p_due[idx] - b.p_paid[idx]}

    def _settle(self, idx: np.ndarray, day: int) -> None:
        out = self._outstanding(idx)
        done = ~self.settled[idx] & (sum(out.values()) == 0)
        newly = idx[done]
        if len(newly):
            self.settled[newly] = True
            self.settled_on[newly] = day
            self.dirty[newly] = True
            np.subtract.at(self.unsettled_n, self.b.inst_loan[newly], 1)

    # -- the waterfall ------------------------------------------------------------------------
    def _allocate(self, loans: np.ndarray, day: int, pay_rows: np.ndarray | None,
                  credit_before: np.ndarray | None = None) -> None:
        """Spend each loan's credit on its due items in waterfall order; pay off early if what is left
        covers all remaining principal. ``pay_rows`` (aligned with ``loans``) attributes it to payments;
        ``credit_before`` is the credit before those payments arrived (for the credit posting)."""
        b = self.b
        if credit_before is None:
            credit_before = b.credit[loans].copy()
        all_idx = self._inst_of(loans)
        all_idx = all_idx[~self.settled[all_idx]]
        idx = all_idx[b.due[all_idx] <= day]
        alloc = {c: np.zeros(len(idx), dtype=I64) for c in COMPONENTS}
        if len(idx):
            alloc = self._waterfall(idx)
            b.pen_paid[idx] += alloc["penalty"]
            b.f_paid[idx] += alloc["fee"]
            b.i_paid[idx] += alloc["interest"]
            b.p_paid[idx] += alloc["principal"]
            spent = sum(alloc.values())
            np.subtract.at(b.credit, b.inst_loan[idx], spent)
            np.subtract.at(self.p_out_loan, b.inst_loan[idx], alloc["principal"])
            self.dirty[idx] = True
        # Early payoff: remaining credit covers every future installment's principal.
        fut = all_idx[b.due[all_idx] > day]
        pay_idx, payoff = np.zeros(0, dtype=I64), np.zeros(0, dtype=I64)
        if len(fut):
            fut_sum = np.zeros(len(b.credit), dtype=I64)
            np.add.at(fut_sum, b.inst_loan[fut], b.p_due[fut] - b.p_paid[fut])
            covered = (b.credit >= fut_sum) & (fut_sum > 0)
            pay_idx = fut[covered[b.inst_loan[fut]]]
            if len(pay_idx):
                payoff = b.p_due[pay_idx] - b.p_paid[pay_idx]
                b.p_paid[pay_idx] += payoff
                np.subtract.at(b.credit, b.inst_loan[pay_idx], payoff)
                np.subtract.at(self.p_out_loan, b.inst_loan[pay_idx], payoff)
                # Interest and fees of installments not yet due are never charged on early payoff.
                b.i_due[pay_idx] = b.i_paid[pay_idx]
                b.f_due[pay_idx] = b.f_paid[pay_idx]
                self.dirty[pay_idx] = True
        self._settle(np.concatenate([idx, pay_idx]), day)
        inst = np.concatenate([idx, pay_idx])
        zeros2 = np.zeros(len(pay_idx), dtype=I64)
        comps = {c: np.concatenate([alloc[c], payoff if c == "principal" else zeros2]) for c in COMPONENTS}
        self._post(inst, comps, loans, pay_rows, credit_before, day)

    def _waterfall(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        b = self.b
        out = self._outstanding(idx)
        k = len(idx)
        item = np.tile(np.arange(k), 4)
        comp = np.repeat(np.arange(4), k)
        outstanding = np.concatenate([out[c] for c in COMPONENTS])
        loan_of = b.inst_loan[idx][item]
        rank = self.rank[b.product[loan_of], comp]
        due, no = b.due[idx][item], b.inst_no[idx][item]
        rules = {p.across for p in self.products}
        if len(rules) == 1:
            order = np.lexsort((*order_keys(rules.pop(), due, no, rank), loan_of))
        else:  # mixed rules across products: pick each item's keys by its product's rule
            cf = np.array([p.across == "component_first" for p in self.products])[b.product[loan_of]]
            order = np.lexsort((np.where(cf, no, rank), np.where(cf, due, no), np.where(cf, rank, due), loan_of))
        flat = np.zeros(len(outstanding), dtype=I64)
        flat[order] = allocate(b.credit, loan_of[order], outstanding[order])
        return {c: flat[ci * k:(ci + 1) * k] for ci, c in enumerate(COMPONENTS)}

    def _post(self, inst, comps, loans, pay_rows, credit_before, day) -> None:  # noqa: ANN001
        """Allocation postings per installment and a credit posting per loan whose credit moved."""
        b = self.b
        loan_row = None
        if pay_rows is not None:
            loan_row = np.full(len(b.loan_pk), -1, dtype=I64)
            loan_row[loans] = pay_rows
        nz = sum(comps.values()) > 0
        if nz.any():
            sel = inst[nz]
            rows = loan_row[b.inst_loan[sel]] if loan_row is not None else None
            self.out.postings.append({"kind": "allocation", "loan": b.inst_loan[sel], "inst_no": b.inst_no[sel],
                                      "day": day, **{c: comps[c][nz] for c in COMPONENTS},
                                      "credit": np.zeros(len(sel), dtype=I64), "pay_row": rows})
            if rows is not None:
                for c in COMPONENTS:
                    np.add.at(self.pay_alloc[c], rows, comps[c][nz])
        delta = b.credit[loans] - credit_before
        moved = delta != 0
        if moved.any():
            z = np.zeros(int(moved.sum()), dtype=I64)
            rows = pay_rows[moved] if pay_rows is not None else None
            self.out.postings.append({"kind": "credit", "loan": loans[moved], "inst_no": None, "day": day,
                                      "penalty": z, "fee": z, "interest": z, "principal": z,
                                      "credit": delta[moved], "pay_row": rows})
            if rows is not None:
                np.add.at(self.pay_alloc["credit"], rows, delta[moved])

    # -- one day ------------------------------------------------------------------------------
    def _charge_dues(self, day: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.due_sorted, [day, day + 1])
        idx = self.due_order[lo:hi]
        idx = idx[~self.settled[idx]]
        b = self.b
        charged = idx[(b.i_due[idx] + b.f_due[idx]) > 0]
        if len(charged):
            z = np.zeros(len(charged), dtype=I64)
            self.out.postings.append({"kind": "charge", "loan": b.inst_loan[charged], "inst_no": b.inst_no[charged],
                                      "day": day, "penalty": z, "fee": b.f_due[charged], "interest": b.i_due[charged],
                                      "principal": z, "credit": z, "pay_row": None})
        # A zero-amount installment (e.g. interest-free with nothing due) settles on its due day.
        self._settle(idx, day)
        return idx

    def _apply_payments(self, day: int, due_today: np.ndarray) -> None:
        b = self.b
        lo, hi = np.searchsorted(b.pay_day, [day, day + 1])
        rows = np.arange(lo, hi)
        # A loan with several payments in a day: apply them one round at a time, in order.
        while len(rows):
            loans, first = np.unique(b.pay_loan[rows], return_index=True)
            this = rows[first]
            before = b.credit[loans].copy()
            b.credit[loans] += b.pay_amount[this]
            self.pay_applied[this] = day
            self._allocate(loans, day, this, before)
            rows = np.delete(rows, first)
        # Held credit meets installments that fell due today.
        paid_today = np.unique(b.pay_loan[lo:hi])
        waiting = np.unique(b.inst_loan[due_today])
        waiting = waiting[(b.credit[waiting] > 0) & ~np.isin(waiting, paid_today)]
        if len(waiting):
            self._allocate(waiting, day, None)

    def _accrue_penalty(self, day: int) -> None:
        b = self.b
        lo, hi = np.searchsorted(self.due_sorted, [day - 1, day])
        newly = self.due_order[lo:hi]
        self.overdue = np.concatenate([self.overdue[~self.settled[self.overdue]], newly[~self.settled[newly]]])
        idx = self.overdue
        if not len(idx):
            return
        loan = b.inst_loan[idx]
        p_out = b.p_due[idx] - b.p_paid[idx]
        live = accrues(day - b.due[idx], b.grace[loan]) & (p_out > 0) & (b.rate_ppb[loan] > 0)
        idx = idx[live]
        amount = daily_accrual(p_out[live], b.rate_ppb[loan[live]])
        b.pen_acc[idx] += amount
        self.pen_run[idx] += amount
        self.dirty[idx] = True

    def _snapshot(self, day: int) -> None:
        b = self.b
        live = self.open if b.disbursed is None else self.open & (b.disbursed <= day)
        loans = np.flatnonzero(live)
        # Advance each loan's pointer past settled installments.
        while True:
            ptr = self.first[loans]
            step = (ptr < self.end[loans]) & self.settled[np.minimum(ptr, len(self.settled) - 1)]
            if not step.any():
                break
            self.first[loans[step]] += 1
        ptr = self.first[loans]
        has = ptr < self.end[loans]
        oldest = b.due[np.minimum(ptr, len(b.due) - 1)] if len(b.due) else np.zeros(len(loans), dtype=I64)
        dpd = np.where(has & (oldest < day), day - oldest, 0).astype(np.int32)
        n = len(b.loan_pk)
        sums = {k: np.zeros(n, dtype=I64) for k in ("p", "i", "f", "pen")}
        od = self.overdue
        if len(od):
            ol = b.inst_loan[od]
            np.add.at(sums["p"], ol, b.p_due[od] - b.p_paid[od])
            np.add.at(sums["i"], ol, b.i_due[od] - b.i_paid[od])
            np.add.at(sums["f"], ol, b.f_due[od] - b.f_paid[od])
            np.add.at(sums["pen"], ol, b.pen_acc[od] - b.pen_paid[od])
        bucket = np.zeros(len(loans), dtype=np.int8)
        for pi, rule in enumerate(self.products):
            m = b.product[loans] == pi
            bucket[m] = bucket_index(dpd[m], rule.bounds)
        prev = b.prev_bucket[loans]
        trans = transition_codes(prev, bucket)
        closing = self.unsettled_n[loans] == 0
        self.out.snapshots.append({"day": day, "loan": loans, "dpd": dpd, "bucket": bucket, "prev": prev,
                                   "transition": trans, "closed": closing,
                                   "overdue_principal": sums["p"][loans], "overdue_interest": sums["i"][loans],
                                   "overdue_fees": sums["f"][loans], "penalty": sums["pen"][loans],
                                   "outstanding_principal": self.p_out_loan[loans]})
        b.prev_bucket[loans] = bucket

    def _close_loans(self, day: int) -> None:
        done = self.open & (self.unsettled_n == 0)
        self.closed_on[done] = day
        self.open &= ~done

    def run(self, first_day: int, last_day: int, snapshot_from: int) -> Output:
        # Installments already past due before the first day (the first day adds those due the day before).
        self.overdue = np.flatnonzero(self.b.due < first_day - 1).astype(I64)
        # A payment imported after the run of its own date is applied on the first day of this run: the
        # past days stay as they were run, and the money is never left unapplied (the day loop only
        # looks for payments dated the day it is on). Clamping keeps the payments sorted by day.
        self.b.pay_day = np.maximum(self.b.pay_day, first_day)
        for day in range(first_day, last_day + 1):
            due_today = self._charge_dues(day)
            self._apply_payments(day, due_today)
            self._accrue_penalty(day)
            if day >= snapshot_from:
                self._snapshot(day)
            self._close_loans(day)
        # Penalty accrued in this run: one posting per installment.
        accrued = np.flatnonzero(self.pen_run)
        if len(accrued):
            z = np.zeros(len(accrued), dtype=I64)
            self.out.postings.append({"kind": "penalty", "loan": self.b.inst_loan[accrued],
                                      "inst_no": self.b.inst_no[accrued], "day": last_day,
                                      "penalty": self.pen_run[accrued], "fee": z, "interest": z, "principal": z,
                                      "credit": z, "pay_row": None})
        self.out.settled_on = self.settled_on
        self.out.dirty = self.dirty
        self.out.closed = {"loan": np.flatnonzero(self.closed_on >= 0),
                           "day": self.closed_on[self.closed_on >= 0]}
        applied = np.flatnonzero(self.pay_applied >= 0)
        self.out.payments_applied = {"row": applied, "day": self.pay_applied[applied],
                                     **{c: self.pay_alloc[c][applied] for c in self.pay_alloc}}
        return self.out
