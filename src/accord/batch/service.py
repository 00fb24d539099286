"""The daily run (``accord run --as-of DATE``): idempotent, catching up every missed day, in one
transaction so that a crash leaves the previous state intact."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from accord.batch import repository as repo
from accord.batch.engine import Book, Engine, ProductRule
from accord.batch.models import Run
from accord.delinquency.buckets import TRANSITIONS
from accord.journal.service import Event, append, append_many
from accord.kit.errors import ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import epoch_day, from_epoch_day, utcnow
from accord.ledger.penalty import rate_ppb
from accord.loans.products import get_product


@dataclass
class RunReport:
    as_of: date
    already_done: bool = False
    processed_from: date | None = None
    days: int = 0
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def _arr(df: pl.DataFrame, col: str, dtype=np.int64) -> np.ndarray:  # noqa: ANN001
    return df[col].to_numpy().astype(dtype, copy=True) if df.height else np.zeros(0, dtype=dtype)


def build_book(frames: dict[str, pl.DataFrame]) -> tuple[Book, list[ProductRule], list[str]]:
    loans, inst, pays, prev = frames["loans"], frames["installments"], frames["payments"], frames["prev"]
    names = sorted(set(loans["product"].to_list())) if loans.height else []
    products = [get_product(n) for n in names] or [get_product("default")]
    rules = [ProductRule(p.bucket_bounds, p.waterfall_order, p.waterfall_across) for p in products]
    pidx = {n: i for i, n in enumerate(names)}
    loan_pk = _arr(loans, "loan_pk")
    pos = {int(pk): i for i, pk in enumerate(loan_pk)}
    loan_index = lambda s: np.searchsorted(loan_pk, s.to_numpy())  # noqa: E731 (loan_pk is sorted)
    rates = {r: rate_ppb(r) for r in set(loans["penalty_rate_daily"].to_list())} if loans.height else {}
    prev_bucket = np.full(len(loan_pk), -1, dtype=np.int8)
    if prev.height:
        known = prev.filter(pl.col("loan_pk").is_in(loan_pk.tolist()))
        prev_bucket[loan_index(known["loan_pk"])] = known["bucket"].str.slice(1).cast(pl.Int8).to_numpy()
    book = Book(
        loan_pk=loan_pk,
        rate_ppb=np.array([rates[r] for r in loans["penalty_rate_daily"].to_list()], dtype=np.int64),
        grace=_arr(loans, "grace_days"), credit=_arr(loans, "credit_minor"),
        product=np.array([pidx[p] for p in loans["product"].to_list()], dtype=np.int64),
        prev_bucket=prev_bucket,
        inst_loan=loan_index(inst["loan_pk"]).astype(np.int64) if inst.height else np.zeros(0, np.int64),
        inst_no=_arr(inst, "installment_no"), due=_arr(inst, "due"),
        p_due=_arr(inst, "principal_due"), i_due=_arr(inst, "interest_due"), f_due=_arr(inst, "fee_due"),
        p_paid=_arr(inst, "principal_paid"), i_paid=_arr(inst, "interest_paid"), f_paid=_arr(inst, "fee_paid"),
        pen_acc=_arr(inst, "penalty_accrued"), pen_paid=_arr(inst, "penalty_paid"),
        pay_loan=np.array([pos[int(x)] for x in pays["loan_pk"].to_list()], dtype=np.int64),
        pay_day=_arr(pays, "day"), pay_amount=_arr(pays, "amount_minor"),
        pay_id=np.array(pays["payment_id"].to_list(), dtype=object),
        disbursed=_arr(loans, "disbursed"),
    )
    return book, rules, names


def _carry(session: Session, last: date | None, start: date, as_of: date, snapshot_from: date | None,
           enabled: bool) -> repo.CarryForward | None:
    """Carry quiet loans forward when the last run left a snapshot of every open loan the day before
    and its posting high-water mark (runs before this existed did not): else the engine loads them all."""
    if not enabled or last is None or snapshot_from is not None:
        return None
    prev_run = session.get(Run, last)
    mark = (prev_run.steps or {}).get("postings_high_water") if prev_run else None
    return repo.CarryForward(prev=start - timedelta(days=1), as_of=as_of, since_posting=int(mark)) \
        if mark is not None else None


def run_day(session: Session, as_of: date, snapshot_from: date | None = None, progress=None,  # noqa: ANN001
            carry_forward: bool = True) -> RunReport:
    """Run the ledger and delinquency from the day after the last run to ``as_of``. Loans with nothing
    happening (current, nothing due, no payment, no new posting) are not loaded: their snapshots are
    yesterday's carried forward in SQL (``carry_forward=False`` runs the engine over every open loan,
    which gives the same result; the tests compare the two)."""
    report = RunReport(as_of)
    last = repo.last_run(session)
    if last is not None and as_of < last:
        raise ProblemError(f"--as-of {as_of} is before the last run ({last}); runs only go forward")
    if last == as_of:
        report.already_done = True
        return report
    start = last + timedelta(days=1) if last else (repo.first_activity(session) or as_of)
    start = min(start, as_of)
    snap_from = snapshot_from or (start if last else as_of)
    report.processed_from, report.days = start, (as_of - start).days + 1
    t = time.perf_counter()

    carry = _carry(session, last, start, as_of, snapshot_from, carry_forward)
    frames = repo.load_frames(session, snap_from - timedelta(days=1), carry)
    report.timings["read"] = time.perf_counter() - t
    t = time.perf_counter()
    book, rules, _ = build_book(frames)
    out = Engine(book, rules).run(epoch_day(start), epoch_day(as_of), epoch_day(snap_from))
    report.timings["compute"] = time.perf_counter() - t
    t = time.perf_counter()
    if snap_from > start:
        repo.delete_snapshots_from(session, snap_from)  # only possible when re-snapshotting explicitly
    # Quiet loans: every current open loan the engine did not run (the set read above, not re-derived
    # after the engine's writes).
    engine = frames["engine"]["loan_pk"].to_list() if carry else []
    carried = [repo.carry_forward(session, carry, engine, start + timedelta(days=k)) for k in range(report.days)] \
        if carry else []
    report.counts = _write(session, frames, book, out, as_of)
    if carry:
        report.counts["snapshots_carried"] = sum(carried)
        report.counts["snapshots"] = report.counts.get("snapshots", 0) + sum(carried)
        buckets = report.counts.setdefault("buckets", {})
        buckets["M0"] = buckets.get("M0", 0) + carried[-1]  # quiet loans are current: DPD 0
        report.counts["buckets"] = dict(sorted(buckets.items()))
    # Payments for written-off loans (the engine never loads them) are recorded as recoveries.
    from accord.writeoffs.recovery import apply_recoveries

    rec = apply_recoveries(session, start, as_of)
    if rec["recoveries"]:
        report.counts.update(rec)
    session.flush()
    run = Run(as_of=as_of, status="completed", started_at=utcnow(), finished_at=utcnow(),
              processed_from=start, steps={"counts": report.counts,
                                           "postings_high_water": repo.postings_high_water(session)})
    session.add(run)
    append(session, "run.completed", actor="batch", subject=f"run:{as_of}",
           payload={"as_of": as_of, "processed_from": start, "counts": report.counts})
    session.flush()
    report.timings["write"] = time.perf_counter() - t
    return report


def _write(session: Session, frames, book: Book, out, as_of: date) -> dict:  # noqa: ANN001, C901
    counts: dict = {}
    loan_pk = book.loan_pk
    pay_ids = book.pay_id
    # Postings.
    parts = []
    for p in out.postings:
        n = len(p["loan"])
        parts.append(pl.DataFrame({
            "loan_pk": loan_pk[p["loan"]],
            "installment_no": p["inst_no"] if p["inst_no"] is not None else np.full(n, None),
            "kind": [p["kind"]] * n,
            "effective_on": np.full(n, p["day"], dtype=np.int32),
            "principal": p["principal"], "interest": p["interest"], "fee": p["fee"],
            "penalty": p["penalty"], "credit": p["credit"],
            "payment_id": pay_ids[p["pay_row"]].tolist() if p["pay_row"] is not None else [None] * n,
            "run_as_of": [as_of] * n,
        }, schema_overrides={"installment_no": pl.Int64, "payment_id": pl.String}))
    if parts:
        # In key order: the loan index then gets its new entries page by page, not at random across a
        # table of tens of millions of postings (each loan's own postings keep their order).
        postings = pl.concat(parts).with_columns(pl.col("effective_on").cast(pl.Date)).sort("loan_pk",
                                                                                            maintain_order=True)
        counts["postings"] = repo.write_postings(session, postings)
    # Snapshots.
    parts = []
    for s in out.snapshots:
        n = len(s["loan"])
        parts.append(pl.DataFrame({
            "as_of": np.full(n, s["day"], dtype=np.int32), "loan_pk": loan_pk[s["loan"]], "dpd": s["dpd"],
            "bucket": s["bucket"], "overdue_principal": s["overdue_principal"],
            "overdue_interest": s["overdue_interest"], "overdue_fees": s["overdue_fees"], "penalty": s["penalty"],
            "outstanding_principal": s["outstanding_principal"], "prev_bucket": s["prev"],
            "transition": s["transition"], "closed": s["closed"]}))
    if parts:
        snaps = pl.concat(parts).with_columns(
            pl.col("as_of").cast(pl.Date),
            pl.concat_str(pl.lit("M"), pl.col("bucket").cast(pl.String)).alias("bucket"),
            pl.when(pl.col("prev_bucket") >= 0).then(pl.concat_str(pl.lit("M"), pl.col("prev_bucket").cast(pl.String)))
            .otherwise(None).alias("prev_bucket"),
            pl.col("transition").replace_strict(list(range(len(TRANSITIONS))), list(TRANSITIONS),
                                                return_dtype=pl.String))
        counts["snapshots"] = repo.write_snapshots(session, snaps)
        last = snaps.filter(pl.col("as_of") == as_of)
        counts["buckets"] = dict(sorted(last.group_by("bucket").len().iter_rows()))
    # Installment state, in three statements by what changed: a row the run settled (its partial
    # indexes change), a row only its penalty moved on (most of them: every overdue installment accrues
    # daily), and the rest. Fewer columns set means less index and page work per row.
    dirty = np.flatnonzero(out.dirty)
    if len(dirty):
        orig = frames["installments"]
        same = np.ones(len(dirty), dtype=bool)
        for col, now in (("interest_due", book.i_due), ("fee_due", book.f_due), ("principal_paid", book.p_paid),
                         ("interest_paid", book.i_paid), ("fee_paid", book.f_paid), ("penalty_paid", book.pen_paid)):
            same &= orig[col].to_numpy()[dirty] == now[dirty]
        settled = out.settled_on[dirty]
        upd = pl.DataFrame({
            "loan_pk": loan_pk[book.inst_loan[dirty]], "installment_no": book.inst_no[dirty],
            "interest_due": book.i_due[dirty], "fee_due": book.f_due[dirty],
            "principal_paid": book.p_paid[dirty], "interest_paid": book.i_paid[dirty], "fee_paid": book.f_paid[dirty],
            "penalty_accrued": book.pen_acc[dirty], "penalty_paid": book.pen_paid[dirty],
            "settled_on": pl.Series(np.where(settled >= 0, settled, 0), dtype=pl.Int32).cast(pl.Date),
            "_settles": settled >= 0, "_penalty_only": same & (settled < 0)}).sort("loan_pk", "installment_no")
        settles = upd.filter(pl.col("_settles")).drop("_settles", "_penalty_only")
        penalty = upd.filter(pl.col("_penalty_only")).select("loan_pk", "installment_no", "penalty_accrued")
        rest = upd.filter(~pl.col("_settles") & ~pl.col("_penalty_only")).drop("_settles", "_penalty_only", "settled_on")
        counts["installments_updated"] = sum(repo.update_installments(session, part) for part in (settles, penalty, rest))
    # Loans: credit and closure. Only loans closed by this run change status: a loan already closed is
    # loaded only to take a late payment as credit, and must not be reopened by it.
    closed = out.closed
    credit_changed = book.credit != frames["loans"]["credit_minor"].to_numpy() \
        if len(loan_pk) else np.zeros(0, dtype=bool)
    credit_changed[closed["loan"]] = False
    if credit_changed.any():
        idx = np.flatnonzero(credit_changed)
        repo.update_loans(session, pl.DataFrame({"pk": loan_pk[idx], "credit_minor": book.credit[idx]}))
    if len(closed["loan"]):
        idx = closed["loan"]
        upd = pl.DataFrame({"pk": loan_pk[idx], "credit_minor": book.credit[idx], "status": ["closed"] * len(idx),
                            "closed_on": pl.Series(closed["day"], dtype=pl.Int32).cast(pl.Date),
                            "close_reason": ["paid_off"] * len(idx)})
        repo.update_loans(session, upd)
        counts["loans_closed"] = int(len(idx))
    # Payments applied, each journalled with its allocation.
    pa = out.payments_applied
    if len(pa["row"]):
        rows = pa["row"]
        upd = pl.DataFrame({"id": pay_ids[rows].tolist(),
                            "applied_on": pl.Series(pa["day"], dtype=pl.Int32).cast(pl.Date)})
        repo.mark_payments(session, upd)
        loan_ids = _loan_ids(session, loan_pk[book.pay_loan[rows]])
        events = [Event("payment.applied", {
            "payment_id": pay_ids[r], "amount": fmt_minor(book.pay_amount[r]),
            "applied_on": from_epoch_day(pa["day"][i]),
            "allocation": {c: fmt_minor(pa[c][i]) for c in ("penalty", "fee", "interest", "principal", "credit")},
        }, actor="batch", loan_id=loan_ids[i], subject=f"payment:{pay_ids[r]}") for i, r in enumerate(rows)]
        events.sort(key=lambda e: e.loan_id)  # the journal's loan index gets its entries in order (stable per loan)
        append_many(session, events)
        counts["payments_applied"] = len(rows)
    return counts


def _loan_ids(session: Session, pks: np.ndarray) -> list[str]:
    from sqlalchemy import select

    from accord.loans.models import Loan

    wanted = sorted(set(int(x) for x in pks))
    ids: dict[int, str] = {}
    for i in range(0, len(wanted), 5000):
        ids.update(session.execute(select(Loan.pk, Loan.id).where(Loan.pk.in_(wanted[i:i + 5000]))).all())
    return [ids[int(x)] for x in pks]
