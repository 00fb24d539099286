"""Arrangements: offers for a loan, propose, approve, accept (the ledger restructure), cancel, reads
and the case-file section. Nothing here commits: the command or the daily run does.

Accepting an arrangement applies its restructure once: a second accept of the same arrangement is
refused, and an accept repeating a request id already used for it is a no-op that returns it.
Outside the automatic bounds an arrangement needs a manager's approval first, and the refusal names
every bound that was broken; beyond the hard limits nothing is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from accord.arrangements import repository as repo
from accord.arrangements import restructure as rs
from accord.arrangements.bounds import Breach, approval_level, check_bounds, measure
from accord.arrangements.models import Arrangement
from accord.arrangements.offers import Account, Finances, Offer, propose_offers
from accord.arrangements.policy import ArrangementPolicy, policy_for
from accord.arrangements.terms import apply_terms, parse_terms
from accord.arrangements.views import arrangement_view
from accord.journal.service import append
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import utcnow, zone

CONFIRM_CHANNELS = ("sms", "email", "letter")


@dataclass(frozen=True)
class Accepted:
    arrangement: Arrangement
    confirmation: object | None  # accord.cases.views.Outbound; None when the accept was a repeat
    repeated: bool = False


def _loan(session: Session, loan_id: str):  # noqa: ANN202
    loan = repo.loan(session, loan_id)
    if loan is None:
        raise ProblemError(f"no loan {loan_id!r}")
    if loan.status != "open":
        raise ProblemError(f"loan {loan_id} is {loan.status}: no arrangement can be made on it")
    return loan


def business_day(session: Session, borrower_id: str, now: datetime) -> date:
    b = repo.borrower(session, borrower_id)
    return now.astimezone(zone(b.timezone)).date() if b else now.date()


def _check_day(session: Session, today: date) -> date | None:
    last = repo.last_run(session)
    if last is not None and today < last:
        raise ProblemError(f"date {today} is before the last daily run ({last}): arrangements start on or after it")
    return last


def account_for(session: Session, loan_id: str, today: date) -> tuple[object, Account, ArrangementPolicy]:
    """The offer engine's view of a loan on ``today``, and the policy of its product and bucket."""
    from accord.config import get_settings
    from accord.loans.products import get_product

    loan = _loan(session, loan_id)
    last = _check_day(session, today)
    rows = repo.rows_of(repo.unsettled_installments(session, loan.pk), last)
    oldest = min((r.due_on for r in rows if rs.total(r.owed()) > 0), default=None)
    dpd = max((today - oldest).days, 0) if oldest else 0
    bucket = get_product(loan.product).bucket(dpd)
    b = repo.borrower(session, loan.borrower_id)
    p_bad = repo.latest_p_bad(session, loan.pk, today, get_settings().risk_target)
    acc = Account(loan.id, loan.product, bucket, dpd, b.jurisdiction if b else "CN", tuple(rows), today,
                  repo.next_installment_no(session, loan.pk), None if p_bad is None else 1 - float(p_bad),
                  repo.payments_since(session, loan.pk, today - timedelta(days=90)),
                  repo.accepted_since(session, loan.pk, today - timedelta(days=365)))
    return loan, acc, policy_for(loan.product, bucket)


def offers(session: Session, loan_id: str, finances: Finances, *, today: date | None = None,
           limit: int | None = None) -> dict:
    """The options the borrower qualifies for, ranked, with the continuing-collection NPV."""
    loan = _loan(session, loan_id)
    today = today or business_day(session, loan.borrower_id, utcnow())
    _, acc, pol = account_for(session, loan_id, today)
    found = propose_offers(acc, finances, pol, limit)
    from accord.arrangements.offers import continue_npv, in_difficulty

    return {"loan_id": loan_id, "as_of": today.isoformat(), "bucket": acc.bucket, "dpd": acc.dpd,
            "balance": fmt_minor(acc.owed_minor), "jurisdiction": acc.jurisdiction,
            "in_difficulty": in_difficulty(acc, finances),
            "disposable_income": None if finances.disposable_minor is None else fmt_minor(finances.disposable_minor),
            "continue_npv": fmt_minor(continue_npv(acc, pol)),
            "offers": [{"option": i + 1, **o.as_dict()} for i, o in enumerate(found)], "_objects": found}


def _history(a: Arrangement, status: str, by: str, at: datetime, **extra) -> None:  # noqa: ANN003
    a.history = [*(a.history or []), {"status": status, "at": at.isoformat(), "by": by, **extra}]


def _evaluate(session: Session, loan_id: str, kind: str, raw_terms: dict, today: date):  # noqa: ANN202
    from accord.arrangements.models import KINDS

    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    loan, acc, pol = account_for(session, loan_id, today)
    if not acc.rows:
        raise ProblemError(f"loan {loan_id} has nothing left to arrange")
    if kind not in pol.kinds:
        raise ProblemError(f"a {kind} is not offered for product {loan.product} in {acc.bucket} "
                           f"(policy {pol.source}: kinds)")
    terms = parse_terms(kind, raw_terms, today, pol, acc.owed_minor)
    try:
        r = apply_terms(kind, terms, list(acc.rows), today, pol, acc.next_no)
    except ValueError as exc:
        raise ProblemError(f"a {kind} does not apply to loan {loan_id}: {exc}") from exc
    breaches = check_bounds(measure(kind, terms, r, acc.arrangements_12m), pol)
    return loan, acc, pol, terms, r, breaches


def _breach_text(breaches: list[Breach]) -> str:
    return "; ".join(str(b) for b in breaches)


def propose(session: Session, loan_id: str, kind: str, terms: dict, *, actor: str, now: datetime | None = None,
            today: date | None = None, offer: Offer | None = None) -> Arrangement:
    """Record an arrangement offered to the borrower (``arrangement.offered``). Beyond the hard
    limits it is refused naming the bound; above the automatic ones it is marked for a manager."""
    now = now or utcnow()
    loan = _loan(session, loan_id)
    today = today or business_day(session, loan.borrower_id, now)
    loan, acc, pol, terms, r, breaches = _evaluate(session, loan_id, kind, terms, today)
    level = approval_level(breaches)
    if level == "refused":
        hard = [b for b in breaches if b.level == "hard"]
        raise ProblemError(f"a {kind} on loan {loan_id} is outside the policy's hard limits, which nobody may "
                           f"approve: {_breach_text(hard)} (policy {pol.source}, product {loan.product}, {acc.bucket})")
    from accord.cases import repository as cases_repo

    case = cases_repo.open_case_for_loan(session, loan_id)
    summary = {"balance": fmt_minor(rs.total(r.before)), "instalments": len(r.plan_nos),
               "schedule": [{"no": s["no"], "due_on": s["due_on"].isoformat(), "amount": fmt_minor(s["amount"])}
                            for s in r.schedule() if s["no"] in set(r.plan_nos)]}
    if offer is not None:
        summary.update({"npv": fmt_minor(offer.npv_minor), "continue_npv": fmt_minor(offer.continue_npv_minor),
                        "monthly_payment": fmt_minor(offer.monthly_payment_minor), "p_keep": round(offer.p_keep, 4),
                        "affordability": None if offer.affordability is None else round(offer.affordability, 4)})
    a = Arrangement(loan_pk=loan.pk, loan_id=loan.id, borrower_id=loan.borrower_id, case_id=case.id if case else None,
                    kind=kind, status="offered", terms={**terms, "offer": summary}, approval_needed=level,
                    breaches=[b.as_dict() for b in breaches], approvals=[], history=[], offered_by=actor,
                    offered_at=now, valid_until=today + timedelta(days=pol.offer_valid_days), plan_nos=[],
                    restructure={}, missed=0)
    _history(a, "offered", actor, now)
    session.add(a)
    session.flush()
    append(session, "arrangement.offered", actor=actor, loan_id=loan.id, borrower_id=loan.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "kind": kind, "terms": a.terms,
                                                   "approval_needed": level, "breaches": a.breaches,
                                                   "valid_until": a.valid_until})
    return a


def propose_option(session: Session, loan_id: str, option: int, finances: Finances, *, actor: str,
                   now: datetime | None = None, today: date | None = None) -> Arrangement:
    """Propose option ``option`` (1-based) of ``offers`` for the same finances and day."""
    now = now or utcnow()
    loan = _loan(session, loan_id)
    today = today or business_day(session, loan.borrower_id, now)
    found = offers(session, loan_id, finances, today=today)["_objects"]
    if not 1 <= option <= len(found):
        raise InputError(f"--option {option}: there are {len(found)} option(s) for loan {loan_id}")
    o = found[option - 1]
    terms = {k: v for k, v in o.terms.items()}
    return propose(session, loan_id, o.kind, terms, actor=actor, now=now, today=today, offer=o)


def get(session: Session, arrangement_id: int, lock: bool = False) -> Arrangement:
    a = repo.get(session, arrangement_id, lock)
    if a is None:
        raise ProblemError(f"no arrangement {arrangement_id}")
    return a


def approve(session: Session, arrangement_id: int, *, by: str, now: datetime | None = None) -> Arrangement:
    """A manager's approval of an arrangement above the automatic bounds (``arrangement.approved``)."""
    now = now or utcnow()
    a = get(session, arrangement_id)
    if not by or not by.strip():
        raise InputError("--by must name the approving manager")
    if a.status != "offered":
        raise ProblemError(f"arrangement {a.id} is {a.status}: only an offered arrangement can be approved")
    if a.approvals:
        raise ProblemError(f"arrangement {a.id} was already approved by {a.approvals[0]['by']}")
    a.approvals = [{"by": by, "at": now.isoformat(), "level": "manager",
                    "bounds": [b["bound"] for b in a.breaches or []]}]
    _history(a, "approved", by, now)
    session.flush()
    append(session, "arrangement.approved", actor=by, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "breaches": a.breaches})
    return a


def accept(session: Session, arrangement_id: int, *, actor: str, request_id: str | None = None,
           now: datetime | None = None, today: date | None = None) -> Accepted:
    """Accept an offered arrangement: restructure the ledger, activate, journal, and return the
    confirmation to send (template ``arrangement_confirmation``)."""
    now = now or utcnow()
    a = get(session, arrangement_id, lock=True)
    if request_id:
        seen = repo.by_request_id(session, request_id)
        if seen is not None:
            if seen.id != a.id:
                raise ProblemError(f"request id {request_id!r} was already used for arrangement {seen.id}")
            return Accepted(a, None, repeated=True)
    if a.status != "offered":
        raise ProblemError(f"arrangement {a.id} is already {a.status}"
                           + (f" (accepted {a.accepted_at.isoformat()})" if a.accepted_at else "")
                           + ": an arrangement is applied once")
    today = today or business_day(session, a.borrower_id, now)
    if today > a.valid_until:
        a.status, a.closed_on, a.close_reason = "expired", today, "offer expired"
        _history(a, "expired", actor, now)
        append(session, "arrangement.expired", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
               subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "valid_until": a.valid_until})
        raise ProblemError(f"arrangement {a.id} expired on {a.valid_until}; make a new offer")
    if repo.active_for_loan(session, a.loan_pk) is not None:
        raise ProblemError(f"loan {a.loan_id} already has an active arrangement")
    raw = {k: v for k, v in a.terms.items() if k != "offer"}
    loan, acc, pol, terms, r, breaches = _evaluate(session, a.loan_id, a.kind, raw, today)
    # Bounds again on today's book (a payment or a run may have moved it since the offer).
    level = approval_level(breaches)
    if level == "refused":
        raise ProblemError(f"arrangement {a.id} is outside the policy's hard limits: "
                           f"{_breach_text([b for b in breaches if b.level == 'hard'])}")
    if level == "manager" and not a.approvals:
        raise ProblemError(f"arrangement {a.id} is outside the automatic policy bounds and needs a manager's "
                           f"approval (`accord arrangement approve {a.id} --by MANAGER`): {_breach_text(breaches)}")
    _apply(session, loan, r, today)
    a.status, a.accepted_by, a.accepted_at, a.request_id = "active", actor, now, request_id
    a.start_on, a.ends_on = today, r.ends_on
    a.plan_nos, a.remainder_no = list(r.plan_nos), r.remainder_no
    a.breaches = [b.as_dict() for b in breaches]
    a.restructure = {"on": today.isoformat(), "bucket": acc.bucket, "closed": list(r.closed),
                     "new": [{"no": s["no"], "due_on": s["due_on"].isoformat(), "amount": fmt_minor(s["amount"]),
                              **{c: fmt_minor(s[c]) for c in rs.COMPS}} for s in r.schedule() if s["amount"]],
                     "before": {c: fmt_minor(v) for c, v in r.before.items()},
                     "after": {c: fmt_minor(v) for c, v in r.after.items()},
                     "waived": {c: fmt_minor(v) for c, v in r.waived.items()}}
    _history(a, "accepted", actor, now, request_id=request_id)
    _history(a, "active", actor, now)
    _case_in_arrangement(session, a, today)
    session.flush()
    append(session, "arrangement.accepted", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "kind": a.kind, "request_id": request_id,
                                                   "approvals": a.approvals, "restructure": a.restructure})
    return Accepted(a, confirmation(session, a, pol))


def _apply(session: Session, loan, r: rs.Restructure, today: date) -> None:  # noqa: ANN001
    """Write the restructure: close out old rows, insert the new ones, post every line."""
    old = {i.installment_no: i for i in repo.installments(session, loan.pk, list(r.closed))}
    for no in r.closed:
        i = old[no]
        w = r.waived_now.get(no)
        i.principal_due, i.interest_due, i.fee_due = i.principal_paid, i.interest_paid, i.fee_paid
        i.penalty_accrued = i.penalty_paid
        if w:
            i.waived = (i.waived or 0) + rs.total(w)
        i.settled_on = today
    for nr in r.new_rows:
        if nr.amount:
            repo.add_installment(session, loan.pk, nr.no, nr.due_on, nr.amounts)
    for ln in r.lines:
        repo.add_posting(session, loan.pk, ln.kind, ln.no, today, ln.amounts)
    session.flush()


def _case_in_arrangement(session: Session, a: Arrangement, today: date) -> None:
    from accord.cases import repository as cases_repo

    case = cases_repo.open_case_for_loan(session, a.loan_id)
    if case is None:
        return
    a.case_id = case.id
    # The case stays open while the arrangement runs; the strategy leaves it alone (accounts.in_arrangement).
    case.stage, case.next_step, case.next_step_on, case.updated_on = "arrangement", None, None, today


def confirmation(session: Session, a: Arrangement, pol: ArrangementPolicy):  # noqa: ANN201
    from accord.cases.views import Outbound

    sched = a.restructure.get("new", [])
    plan = [s for s in sched if s["no"] in set(a.plan_nos)] or sched
    ctx = {"plan": {"installments": len(plan), "installment_amount": plan[0]["amount"] if plan else "0.00",
                    "first_due": plan[0]["due_on"] if plan else a.start_on.isoformat(),
                    "last_due": plan[-1]["due_on"] if plan else (a.ends_on or a.start_on).isoformat(),
                    "total": fmt_minor(sum(int(s["amount"].replace(".", "")) for s in plan))},
           "arrangement_kind": a.kind}
    return Outbound(pol.confirmation_template, "sms", a.borrower_id, a.loan_id, a.case_id, "notice", ctx,
                    f"arrangement:{a.id}")


def cancel(session: Session, arrangement_id: int, *, actor: str, reason: str = "cancelled",
           now: datetime | None = None) -> Arrangement:
    """Withdraw an offer not yet accepted (an active arrangement completes or breaks instead)."""
    now = now or utcnow()
    a = get(session, arrangement_id)
    if a.status != "offered":
        raise ProblemError(f"arrangement {a.id} is {a.status}: only an offer not yet accepted can be cancelled")
    a.status, a.closed_on, a.close_reason = "cancelled", business_day(session, a.borrower_id, now), reason
    _history(a, "cancelled", actor, now, reason=reason)
    session.flush()
    append(session, "arrangement.cancelled", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"arrangement:{a.id}", payload={"arrangement_id": a.id, "reason": reason})
    return a


def list_arrangements(session: Session, *, loan_id: str | None = None, status: str | None = None,
                      limit: int = 200, offset: int = 0) -> list[Arrangement]:
    return repo.list_(session, loan_id=loan_id, status=status, limit=limit, offset=offset)


def case_file_section(session: Session, loan_id: str) -> list[dict]:
    """Every arrangement of the loan with terms, approvals, restructure and status history (JSON-ready),
    for the case-file export."""
    return [arrangement_view(a) for a in repo.for_loan(session, loan_id)]
