"""Agency placement (委外催收): agencies, placing cases (by hand or from the strategy's proposals),
the CN-OUT-01 notice before the hand-over, the daily hand-over / expiry / return, and recalls.

Every step is journalled in the caller's transaction and recorded in ``placement_events``; nothing
here commits and nothing here sends: placing returns the ``Outbound`` hand-over notices, which the
command sends with ``accord.outbox.notices.send_notices`` and then reports back with
``record_notices``. Statements and the case-file section live in ``statements.py`` (re-exported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from accord.agencies import repository as repo
from accord.agencies import rules
from accord.agencies.access import AccessDenied, agency_cases, agency_view  # noqa: F401
from accord.agencies.models import Agency, Placement, PlacementEvent
from accord.agencies.policy import AgencyPolicy, load_policy
from accord.agencies.statements import case_file_section, statement  # noqa: F401
from accord.journal.service import append
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import utcnow, zone

JURISDICTIONS = ("CN", "US", "UK")


# -- agencies -----------------------------------------------------------------------------------------

def save_agency(session: Session, agency_id: str, *, name: str, phone: str, commission_rate: Decimal | str,
                jurisdictions: list[str], capacity: int, commission_by_bucket: dict | None = None,
                contract_ref: str | None = None, dpa_ref: str | None = None, active: bool = True,
                actor: str = "admin", now: datetime | None = None) -> Agency:
    """Add or update an agency (its evaluation date is kept; ``evaluate_agency`` sets it)."""
    if not agency_id or not agency_id.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"agency id {agency_id!r} must be letters, digits, '-' or '_'")
    rate = rules.check_rate(_decimal(commission_rate, "--rate"))
    by_bucket = {str(k): str(rules.check_rate(_decimal(v, f"commission rate of {k}"), f"commission rate of {k}"))
                 for k, v in (commission_by_bucket or {}).items()}
    bad = [j for j in jurisdictions if j not in JURISDICTIONS]
    if bad or not jurisdictions:
        raise InputError(f"--jurisdiction must be one or more of {', '.join(JURISDICTIONS)} (got {', '.join(bad) or 'none'})")
    if capacity < 1:
        raise InputError(f"--capacity must be at least 1 (got {capacity})")
    agency = repo.get_agency(session, agency_id)
    if agency is None:
        agency = Agency(id=agency_id, created_at=now or utcnow())
        session.add(agency)
    agency.name, agency.phone, agency.commission_rate = name, phone, rate
    agency.commission_by_bucket, agency.jurisdictions, agency.capacity = by_bucket, list(jurisdictions), capacity
    agency.contract_ref, agency.dpa_ref, agency.active = contract_ref, dpa_ref, active
    session.flush()
    append(session, "agency.saved", actor=actor, subject=f"agency:{agency_id}",
           payload={"agency_id": agency_id, "commission_rate": str(rate), "commission_by_bucket": by_bucket,
                    "jurisdictions": list(jurisdictions), "capacity": capacity, "active": active,
                    "contract_ref": contract_ref, "dpa_ref": dpa_ref})
    return agency


def evaluate_agency(session: Session, agency_id: str, *, on: date, score: int | None = None,
                    note: str | None = None, actor: str = "admin") -> Agency:
    """Record the periodic evaluation of an agency (CN-OUT-01: at least yearly)."""
    agency = get_agency(session, agency_id)
    if score is not None and not 0 <= score <= 100:
        raise InputError(f"--score must be between 0 and 100 (got {score})")
    if agency.last_evaluated_on is not None and on < agency.last_evaluated_on:
        raise InputError(f"--on {on} is before the agency's last evaluation ({agency.last_evaluated_on})")
    agency.last_evaluated_on, agency.evaluation_score = on, score
    session.flush()
    from accord.kit.crypto import sha256_hex

    append(session, "agency.evaluated", actor=actor, subject=f"agency:{agency_id}",
           payload={"agency_id": agency_id, "on": on, "score": score,
                    "note_sha256": sha256_hex(note) if note else None})
    return agency


def get_agency(session: Session, agency_id: str) -> Agency:
    agency = repo.get_agency(session, agency_id)
    if agency is None:
        raise ProblemError(f"no agency {agency_id!r}")
    return agency


def list_agencies(session: Session) -> list[dict]:
    counts = repo.active_counts(session)
    return [agency_dict(a, counts.get(a.id, 0)) for a in repo.list_agencies(session)]


def show_agency(session: Session, agency_id: str) -> dict:
    a = get_agency(session, agency_id)
    return {**agency_dict(a, repo.active_counts(session).get(a.id, 0)),
            "placements": list_placements(session, agency_id=agency_id)}


def agency_dict(a: Agency, active_placements: int | None = None) -> dict:
    return {"agency_id": a.id, "name": a.name, "phone": a.phone, "commission_rate": str(a.commission_rate),
            "commission_by_bucket": dict(a.commission_by_bucket or {}), "jurisdictions": list(a.jurisdictions or []),
            "capacity": a.capacity, "active_placements": active_placements, "active": a.active,
            "last_evaluated_on": a.last_evaluated_on.isoformat() if a.last_evaluated_on else None,
            "evaluation_score": a.evaluation_score, "contract_ref": a.contract_ref, "dpa_ref": a.dpa_ref}


def _decimal(value: Decimal | str, field: str) -> Decimal:
    from accord.kit.money import parse_decimal

    try:
        return parse_decimal(value)
    except ValueError as exc:
        raise InputError(f"{field}: {exc}") from exc


# -- placing ------------------------------------------------------------------------------------------

@dataclass
class PlaceResult:
    placements: list[Placement] = field(default_factory=list)
    notices: list = field(default_factory=list)  # Outbound, one per placement, same order
    refused: list[dict] = field(default_factory=list)  # {"case_id", "reasons"}


def business_today() -> date:
    from accord.config import get_settings

    return datetime.now(zone(get_settings().business_timezone)).date()


def _evaluation_rule(jurisdiction: str, policy: AgencyPolicy) -> tuple[str, int]:
    """(rule id, max age in days) of the agency evaluation the borrower's pack requires."""
    from accord.compliance.policy import load_policy as load_pack

    try:
        pack = load_pack(jurisdiction)
    except InputError:
        pack = None
    for r in pack.rules if pack else ():
        if "evaluations_per_year" in r.parameters:
            return r.id, rules.evaluation_max_age(r.parameters["evaluations_per_year"], policy.evaluation_max_age_days)
    return "agency policy", policy.evaluation_max_age_days


def place_cases(session: Session, agency_id: str, case_ids: list[int], *, actor: str, on: date | None = None,
                now: datetime | None = None, sources: dict[int, str] | None = None,
                skip_ineligible: bool = False, policy: AgencyPolicy | None = None) -> PlaceResult:
    """Place cases with an agency: each becomes a ``notified`` placement with a hand-over date
    ``notice_days`` after today, and a hand-over notice to send (CN-OUT-01). All or nothing unless
    ``skip_ineligible``: a case that cannot be placed is refused with every reason."""
    policy = policy or load_policy()
    now, on = now or utcnow(), on or business_today()
    if not case_ids:
        raise InputError("no cases given (--case ID or --cases-file FILE)")
    if len(set(case_ids)) != len(case_ids):
        dup = sorted({c for c in case_ids if case_ids.count(c) > 1})
        raise InputError(f"case {dup[0]} is given twice")
    agency = get_agency(session, agency_id)
    if not agency.active:
        raise ProblemError(f"agency {agency_id} is inactive")
    cases = repo.cases_by_ids(session, case_ids)
    unknown = [c for c in case_ids if c not in cases]
    if unknown:
        raise ProblemError(f"no case {unknown[0]}" + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
    borrowers = repo.borrowers_by_ids(session, [c.borrower_id for c in cases.values()])
    holds = repo.active_hold_kinds(session, list(borrowers))
    active = repo.active_placements_for_cases(session, case_ids)
    refused, ok, eval_rules = [], [], {}
    for cid in case_ids:
        c, b = cases[cid], borrowers[cases[cid].borrower_id]
        kinds = tuple(k for k, loan in holds.get(b.id, []) if loan is None or loan == c.loan_id)
        facts = rules.CaseFacts(cid, c.status, c.stage, b.jurisdiction, kinds,
                                active[cid].id if cid in active else None, bool(b.phone or b.email or b.address),
                                c.dpd)
        reasons = rules.case_problems(facts, list(agency.jurisdictions or []), policy.blocking_holds,
                                      policy.blocking_stages)
        if b.jurisdiction not in eval_rules:
            eval_rules[b.jurisdiction] = _evaluation_rule(b.jurisdiction, policy)
        rule, max_age = eval_rules[b.jurisdiction]
        problem = rules.evaluation_problem(agency.last_evaluated_on, on, max_age, rule)
        if problem:
            reasons.append(problem)
        (refused.append({"case_id": cid, "reasons": reasons}) if reasons else ok.append(cid))
    if refused and not skip_ineligible:
        first = refused[0]
        more = f" (and {len(refused) - 1} more case(s))" if len(refused) > 1 else ""
        raise ProblemError(f"case {first['case_id']} cannot be placed with {agency_id}: "
                           f"{'; '.join(first['reasons'])}{more}; nothing was placed")
    in_use = repo.active_counts(session).get(agency_id, 0)
    if in_use + len(ok) > agency.capacity:
        raise ProblemError(f"agency {agency_id} has capacity for {agency.capacity - in_use} more case(s) "
                           f"({in_use} of {agency.capacity} placed); {len(ok)} asked; nothing was placed")
    result = PlaceResult(refused=refused)
    handover_on = on + timedelta(days=policy.notice_days)
    for cid in ok:
        c = cases[cid]
        rate = rules.rate_for(c.bucket, agency.commission_rate, agency.commission_by_bucket or {})
        result.placements.append(Placement(
            case_id=cid, agency_id=agency_id, loan_pk=c.loan_pk, loan_id=c.loan_id, borrower_id=c.borrower_id,
            status="notified", commission_rate=rate, bucket=c.bucket, source=(sources or {}).get(cid, "manual"),
            placed_at=now, placed_on=on, placed_by=actor, handover_on=handover_on))
    session.add_all(result.placements)
    session.flush()
    _events(session, [(p, "notified", None, {"agency_id": agency_id, "handover_on": handover_on,
                                             "commission_rate": str(p.commission_rate), "source": p.source}, now)
                      for p in result.placements], actor)
    snaps = repo.latest_snapshots(session, [p.loan_pk for p in result.placements])
    result.notices = [_notice(p, agency, borrowers[p.borrower_id], snaps.get(p.loan_pk), policy)
                      for p in result.placements]
    return result


def _notice(p: Placement, agency: Agency, b, snap, policy: AgencyPolicy) -> object:  # noqa: ANN001
    from accord.cases.views import Outbound

    due = (snap.overdue_principal + snap.overdue_interest + snap.overdue_fees + snap.penalty) if snap else None
    ctx = {"agency_name": agency.name, "agency_phone": agency.phone, "handover_date": p.handover_on}
    if due is not None:
        ctx["amount_due"] = fmt_minor(due)
    return Outbound(template="agency_handover_notice", channel=policy.notice_channel, borrower_id=b.id,
                    loan_id=p.loan_id, case_id=p.case_id, purpose="notice", context=ctx, ref=f"placement:{p.id}")


def record_notices(session: Session, placements: list[Placement], results: list[dict], *, actor: str,
                   now: datetime | None = None) -> list[Placement]:
    """After ``send_notices``: remember each notice's outbox message; a placement whose borrower
    could not be told is recalled at once (CN-OUT-01: no hand-over without a notice)."""
    failed = []
    for p, r in zip(placements, results, strict=True):
        if r.get("message_id") is not None:
            p.notice_message_id = r["message_id"]
        else:
            _end(session, p, "recalled", f"hand-over notice not queued: {r.get('skipped')}", actor, now or utcnow())
            failed.append(p)
    session.flush()
    return failed


def _events(session: Session, items: list[tuple], actor: str) -> None:
    """Journal many placement steps in one bulk append: items of (placement, status, reason, extra, at)."""
    from accord.journal.service import Event, append_many

    entries = append_many(session, [
        Event(f"placement.{status}", {"placement_id": p.id, "case_id": p.case_id, "agency_id": p.agency_id,
                                      "status": status, "reason": reason, **(extra or {})},
              actor=actor, loan_id=p.loan_id, borrower_id=p.borrower_id, subject=f"placement:{p.id}")
        for p, status, reason, extra, _at in items])
    session.add_all([PlacementEvent(placement_id=p.id, at=at, status=status, reason=reason, actor=actor,
                                    journal_seq=e.seq) for (p, status, reason, _, at), e in zip(items, entries, strict=True)])


def _event(session: Session, p: Placement, status: str, actor: str, at: datetime, reason: str | None,
           extra: dict | None = None) -> PlacementEvent:
    entry = append(session, f"placement.{status}", actor=actor, loan_id=p.loan_id, borrower_id=p.borrower_id,
                   subject=f"placement:{p.id}",
                   payload={"placement_id": p.id, "case_id": p.case_id, "agency_id": p.agency_id,
                            "status": status, "reason": reason, **(extra or {})})
    ev = PlacementEvent(placement_id=p.id, at=at, status=status, reason=reason, actor=actor, journal_seq=entry.seq)
    session.add(ev)
    return ev


# -- hand-over, recall, return, expiry ------------------------------------------------------------------

def _start_of(day: date, tz_name: str) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(0, 0), tzinfo=zone(tz_name)).astimezone(UTC)


def _hand_over(p: Placement, case, tz_name: str, as_of: date, policy: AgencyPolicy) -> tuple:  # noqa: ANN001
    """Give the case to the agency; returns the step to journal."""
    p.prev_owner_kind, p.prev_owner_id, p.prev_stage = case.owner_kind, case.owner_id, case.stage
    p.status, p.handed_over_at = "handed_over", _start_of(as_of, tz_name)
    p.ends_on = as_of + timedelta(days=policy.term_days)
    case.owner_kind, case.owner_id, case.stage, case.updated_on = "agency", p.agency_id, "placed", as_of
    return (p, "handed_over", None, {"ends_on": p.ends_on, "owner": f"agency:{p.agency_id}"}, p.handed_over_at)


def _end(session: Session, p: Placement, status: str, reason: str | None, actor: str, at: datetime,
         case=None) -> None:  # noqa: ANN001
    """End a placement; a case that was handed over goes back to the owner it had before."""
    was_handed_over = p.status == "handed_over"
    p.status, p.ended_at, p.end_reason = status, at, reason
    if was_handed_over:
        case = case or repo.cases_by_ids(session, [p.case_id]).get(p.case_id)
        if case is not None and case.owner_kind == "agency" and case.owner_id == p.agency_id:
            case.owner_kind, case.owner_id = p.prev_owner_kind or "queue", p.prev_owner_id or "default"
            if case.stage == "placed":
                prev = p.prev_stage or case.bucket
                case.stage = case.bucket if (prev == "placed" or prev.startswith("M")) else prev
    session.flush()
    _event(session, p, status, actor, at, reason)


def recall(session: Session, placement_id: int, *, reason: str, actor: str, now: datetime | None = None) -> Placement:
    """The lender takes a case back (before or after the hand-over), with a reason."""
    if not reason or not reason.strip():
        raise InputError("--reason is required to recall a placement")
    p = _active(session, placement_id)
    _end(session, p, "recalled", reason.strip(), actor, now or utcnow())
    return p


def return_placement(session: Session, placement_id: int, *, reason: str, actor: str,
                     now: datetime | None = None) -> Placement:
    """The agency hands a case back (it gave up, or the borrower is out of its reach)."""
    p = _active(session, placement_id)
    if p.status != "handed_over":
        raise ProblemError(f"placement {placement_id} was not handed over yet; recall it instead")
    _end(session, p, "returned", reason, actor, now or utcnow())
    return p


def _active(session: Session, placement_id: int) -> Placement:
    p = repo.get_placement(session, placement_id)
    if p is None:
        raise ProblemError(f"no placement {placement_id}")
    if p.status in rules.ENDED:
        raise ProblemError(f"placement {placement_id} already ended ({p.status}: {p.end_reason})")
    return p


def advance_placements(session: Session, as_of: date, *, actor: str = "batch",
                       policy: AgencyPolicy | None = None) -> dict:
    """The daily step (after the case sync): hand over notified placements whose notice went out at
    least ``notice_days`` ago; recall those whose notice failed or whose case closed or got a hold;
    return placements whose case closed; expire placements at the end of their term."""
    policy = policy or load_policy()
    counts = {"handed_over": 0, "waiting": 0, "recalled": 0, "returned": 0, "expired": 0}
    notified = repo.placements_in_status(session, "notified")
    handed = repo.placements_in_status(session, "handed_over")
    if not notified and not handed:
        return counts
    cases = repo.cases_by_ids(session, [p.case_id for p in notified + handed])
    borrowers = repo.borrowers_by_ids(session, [p.borrower_id for p in notified + handed])
    holds = repo.active_hold_kinds(session, [p.borrower_id for p in notified])
    msgs = repo.messages_state(session, [p.notice_message_id for p in notified])
    handovers = []
    for p in notified:
        case, b = cases[p.case_id], borrowers[p.borrower_id]
        kinds = sorted({k for k, loan in holds.get(b.id, []) if (loan is None or loan == p.loan_id)
                        and k in policy.blocking_holds})
        end_at = _start_of(as_of, b.timezone)
        if case.status != "open":
            _end(session, p, "recalled", f"case closed before the hand-over ({case.close_reason})", actor, end_at)
            counts["recalled"] += 1
            continue
        if kinds:
            _end(session, p, "recalled", f"{', '.join(kinds)} hold before the hand-over", actor, end_at)
            counts["recalled"] += 1
            continue
        status, sent_at = msgs.get(p.notice_message_id, (None, None))
        sent_on = sent_at.astimezone(zone(b.timezone)).date() if sent_at else None
        what = rules.handover_due(p.handover_on, status, sent_on, as_of, policy.notice_days)
        if what == "hand_over":
            handovers.append(_hand_over(p, case, b.timezone, as_of, policy))
            counts["handed_over"] += 1
        elif what == "fail":
            _end(session, p, "recalled", f"hand-over notice not sent ({status or 'no message'}) (CN-OUT-01)",
                 actor, end_at)
            counts["recalled"] += 1
        else:
            counts["waiting"] += 1
    if handovers:
        session.flush()
        _events(session, handovers, actor)
    for p in handed:
        case, b = cases[p.case_id], borrowers[p.borrower_id]
        if case.status != "open":
            # The day the case closed still counts: its payments are the agency's.
            closed = case.closed_on or as_of
            _end(session, p, "returned", f"case closed ({case.close_reason})", actor,
                 _start_of(closed + timedelta(days=1), b.timezone), case)
            counts["returned"] += 1
        elif p.ends_on is not None and as_of >= p.ends_on:
            _end(session, p, "expired", f"placement term ended on {p.ends_on}", actor,
                 _start_of(p.ends_on, b.timezone), case)
            counts["expired"] += 1
    return counts


# -- reads ----------------------------------------------------------------------------------------------

def placement_dict(p: Placement, events: list[PlacementEvent] | None = None) -> dict:
    d = {"placement_id": p.id, "case_id": p.case_id, "loan_id": p.loan_id, "borrower_id": p.borrower_id,
         "agency_id": p.agency_id, "status": p.status, "commission_rate": str(p.commission_rate),
         "bucket": p.bucket, "source": p.source, "placed_at": p.placed_at.isoformat(),
         "placed_by": p.placed_by, "notice_message_id": p.notice_message_id,
         "handover_on": p.handover_on.isoformat(),
         "handed_over_at": p.handed_over_at.isoformat() if p.handed_over_at else None,
         "ends_on": p.ends_on.isoformat() if p.ends_on else None,
         "ended_at": p.ended_at.isoformat() if p.ended_at else None, "end_reason": p.end_reason}
    if events is not None:
        d["history"] = [{"at": e.at.isoformat(), "status": e.status, "reason": e.reason, "actor": e.actor,
                         "journal_seq": e.journal_seq} for e in events]
    return d


def list_placements(session: Session, *, agency_id: str | None = None, status: str | None = None,
                    case_id: int | None = None, with_history: bool = False) -> list[dict]:
    if status is not None and status not in rules.STATUSES:
        raise InputError(f"--status must be one of {', '.join(rules.STATUSES)}, not {status!r}")
    ps = repo.list_placements(session, agency_id=agency_id, status=status, case_id=case_id)
    ev = repo.events_for(session, [p.id for p in ps]) if with_history else {}
    return [placement_dict(p, ev.get(p.id, []) if with_history else None) for p in ps]


# The manager's queue of strategy proposals (imported last: it builds on ``place_cases``).
from accord.agencies.proposals import dismiss_proposal, place_proposals, proposals  # noqa: E402, F401
