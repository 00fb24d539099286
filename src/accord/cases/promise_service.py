"""Promises to pay (承诺还款): record and confirm, remind the day before, judge against payments.

A new promise on a loan replaces the loan's pending one (cancelled as superseded), so a payment is
never counted towards two promises. A broken promise marks its case (``next_step``) for the strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
from sqlalchemy import update
from sqlalchemy.orm import Session

from accord.cases import repository as repo
from accord.cases.judging import PAYMENTS_SCHEMA, judge
from accord.cases.models import Case, Promise
from accord.cases.policy import Tolerance, promise_policy
from accord.cases.rules import CHANNELS, check_promise, one_of
from accord.cases.views import Outbound
from accord.journal.chain import digest_lines
from accord.journal.service import Event, append, append_many
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor, to_minor
from accord.kit.timeutil import utcnow, zone

CONFIRM_CHANNELS = ("sms", "push", "email")  # the confirmation template's channels


@dataclass(frozen=True)
class RecordedPromise:
    promise: Promise
    confirmation: Outbound
    superseded: list[int] = field(default_factory=list)


def _context(p: Promise, currency: str) -> dict:
    return {"promise_amount": fmt_minor(p.amount_minor), "promise_date": p.due_on.isoformat(),
            "loan_ref": p.loan_id, "currency": currency}


def record_promise(session: Session, *, loan_id: str, amount: Decimal | str, due_on: date, channel: str,
                   taken_by: str, taken_at: datetime | None = None, case_id: int | None = None) -> RecordedPromise:
    """Record a promise taken at ``taken_at`` (default now), journal ``promise.recorded`` and return
    the confirmation the channels feature should send (template ``promise_confirmation``).

    The date must fall from the day it was taken (in the borrower's zone) up to the policy horizon."""
    one_of(channel, CHANNELS, "promise channel")
    try:
        amount_minor = to_minor(amount)
    except ValueError as exc:
        raise InputError(f"promise amount {amount!r} is not a number") from exc
    loan = repo.loan_row(session, loan_id)
    if loan is None:
        raise ProblemError(f"no loan {loan_id!r}")
    if loan.status != "open":
        raise ProblemError(f"loan {loan_id} is {loan.status}: no promise can be taken on it")
    b = repo.borrower_row(session, loan.borrower_id)
    taken_at = taken_at or utcnow()
    if taken_at.tzinfo is None:
        raise InputError("promise taken_at must carry a time zone offset")
    taken_on = taken_at.astimezone(zone(b.timezone)).date()  # payments are dated in the borrower's zone too
    pol = promise_policy()
    check_promise(amount_minor, due_on, taken_on, pol.horizon_days)
    if case_id is not None:
        case = repo.get_case(session, case_id)
        if case is None or case.loan_id != loan_id:
            raise ProblemError(f"case {case_id} does not exist or is not about loan {loan_id}")
    else:
        case = repo.open_case_for_loan(session, loan_id)
    superseded = []
    for old in repo.pending_for_loan(session, loan_id):
        old.status, old.judged_on = "cancelled", taken_on
        superseded.append(old.id)
    p = Promise(case_id=case.id if case else None, loan_pk=loan.pk, loan_id=loan_id, borrower_id=loan.borrower_id,
                amount_minor=amount_minor, due_on=due_on, channel=channel, taken_by=taken_by, taken_at=taken_at,
                taken_on=taken_on, status="pending", paid_minor=0)
    session.add(p)
    if case is not None and case.next_step == pol.broken_next_step:
        case.next_step, case.next_step_on = None, None  # the follow-up got its answer: a new promise
    session.flush()
    events = [Event("promise.cancelled", {"promise_id": i, "reason": "superseded", "by_promise": p.id},
                    actor=taken_by, loan_id=loan_id, borrower_id=loan.borrower_id, subject=f"promise:{i}")
              for i in superseded]
    events.append(Event("promise.recorded", {
        "promise_id": p.id, "case_id": p.case_id, "amount": fmt_minor(amount_minor), "currency": loan.currency,
        "due_on": due_on, "channel": channel, "taken_at": taken_at}, actor=taken_by, loan_id=loan_id,
        borrower_id=loan.borrower_id, subject=f"promise:{p.id}"))
    append_many(session, events)
    confirm = Outbound(pol.confirmation_template, channel if channel in CONFIRM_CHANNELS else "sms",
                       loan.borrower_id, loan_id, p.case_id, "reminder", _context(p, loan.currency), f"promise:{p.id}")
    return RecordedPromise(p, confirm, superseded)


def cancel_promise(session: Session, promise_id: int, *, reason: str, actor: str, on: date) -> Promise:
    p = session.get(Promise, promise_id)
    if p is None:
        raise ProblemError(f"no promise {promise_id}")
    if p.status != "pending":
        raise ProblemError(f"promise {promise_id} is already {p.status}")
    p.status, p.judged_on = "cancelled", on
    session.flush()
    append(session, "promise.cancelled", actor=actor, loan_id=p.loan_id, borrower_id=p.borrower_id,
           subject=f"promise:{p.id}", payload={"promise_id": p.id, "reason": reason})
    return p


def due_reminders(session: Session, as_of: date) -> list[Outbound]:
    """Reminders (template ``promise_reminder``) for pending promises due the day after ``as_of``.
    A promise under an active hold gets none (a hold stops collection contact, reminders included): a
    hold naming a loan covers that loan, a hold naming none covers all the borrower's loans."""
    from accord.cases.hold_service import active_holds

    pol = promise_policy()
    due = repo.promises_due_on(session, as_of + timedelta(days=pol.reminder_days_before))
    holds = active_holds(session, [p.borrower_id for p in due]) if due else None
    covered = set() if holds is None else {(b, lid) for b, lid in holds.select("borrower_id", "loan_id").iter_rows()}
    due = [p for p in due if (p.borrower_id, None) not in covered and (p.borrower_id, p.loan_id) not in covered]
    currency = repo.loan_currencies(session, [p.loan_id for p in due])
    return [Outbound(pol.reminder_template, p.channel if p.channel in CONFIRM_CHANNELS else "sms", p.borrower_id,
                     p.loan_id, p.case_id, "reminder", _context(p, currency[p.loan_id]), f"promise:{p.id}")
            for p in due]


@dataclass(frozen=True)
class Judgement:
    as_of: date
    counts: dict
    verdicts: pl.DataFrame  # id, loan_id, borrower_id, case_id, amount_minor, paid_minor, status, final


def judge_promises(session: Session, as_of: date, tolerance: Tolerance | None = None,
                   actor: str = "batch") -> Judgement:
    """Judge every pending promise as of ``as_of`` (columnar): kept as soon as enough was paid;
    partly kept or broken once its date plus the grace days has passed. Broken promises mark the case."""
    pol = promise_policy()
    tol = tolerance or pol.tolerance
    pending = repo.pending_promises_frame(session, as_of)
    pays = repo.payments_for_pending(session, as_of, pending["taken_on"].min()) if pending.height else None
    if pays is None:
        pays = pl.DataFrame(schema=PAYMENTS_SCHEMA)
    v = judge(pending, pays, as_of, tol).join(pending.select("id", "loan_id", "borrower_id", "case_id",
                                                             "amount_minor", "due_on"), on="id")
    write = v.filter(pl.col("final") | (pl.col("paid_minor") > 0)).select(
        "id", "paid_minor", "status",
        pl.when(pl.col("final")).then(pl.lit(as_of)).otherwise(None).cast(pl.Date).alias("judged_on"))
    repo.update_promises(session, write)
    final = v.filter(pl.col("final"))
    broken_cases = final.filter((pl.col("status") == "broken") & pl.col("case_id").is_not_null())["case_id"]
    for chunk in range(0, broken_cases.len(), repo.CHUNK):
        ids = broken_cases.slice(chunk, repo.CHUNK).to_list()
        session.execute(update(Case).where(Case.id.in_(ids)).values(
            next_step=pol.broken_next_step, next_step_on=as_of, broken_promises=Case.broken_promises + 1,
            updated_on=as_of).execution_options(synchronize_session=False))
    day = as_of.isoformat()  # ISO text in payloads: cheaper to serialise than dates, 100,000 times
    events = [Event(f"promise.{r['status']}", {
        "promise_id": r["id"], "case_id": r["case_id"], "amount": fmt_minor(r["amount_minor"]),
        "paid": fmt_minor(r["paid_minor"]), "due_on": r["due_on"], "judged_on": day,
        **({"next_step": pol.broken_next_step} if r["status"] == "broken" else {})},
        actor=actor, loan_id=r["loan_id"], borrower_id=r["borrower_id"], subject=f"promise:{r['id']}")
        for r in final.with_columns(pl.col("due_on").cast(pl.String)).iter_rows(named=True)]
    counts = {"pending_before": pending.height,
              **{s: int((final["status"] == s).sum()) for s in ("kept", "partly_kept", "broken")},
              "still_pending": v.height - final.height}
    if events:
        tol_data = {"grace_days": tol.grace_days, "shortfall_minor": tol.shortfall_minor,
                    "shortfall_share": tol.shortfall_share, "partly_kept_min_share": tol.partly_kept_min_share}
        events.append(Event("promises.judged", {
            "as_of": as_of, "counts": counts, "tolerance": tol_data,
            "digest": digest_lines(f"{r[0]}:{r[1]}:{r[2]}" for r in final.select("id", "status", "paid_minor").iter_rows())},
            actor=actor, subject=f"promises:{as_of}"))
        append_many(session, events)
    return Judgement(as_of, counts, v)
