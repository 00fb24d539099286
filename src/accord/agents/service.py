"""The agent's day: ``next_for(agent)`` hands out the most valuable callable account that matches the
agent's languages, stays within their capacity, and may be called *now* under the borrower's pack
(the single-contact gate is asked at hand-out time); ``log_outcome`` records the call, a promise, and
notes that pass the content check — all journalled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.agents.masking import mask_email, mask_phone
from accord.agents.models import Agent
from accord.journal.service import append
from accord.kit.errors import InputError, ProblemError
from accord.kit.timeutil import utcnow
from accord.strategy.models import Action

ROLES = ("agent", "agency_agent", "supervisor")
CALL_OUTCOMES = ("busy", "not_in_service", "no_answer", "rejected", "voicemail_no_message", "voicemail_message",
                 "limited_content_message", "answered_dropped", "conversation", "wrong_number")


@dataclass(frozen=True)
class QueueItem:
    action_id: str
    loan_id: str
    borrower_id: str
    borrower_name: str
    phone: str | None
    email: str | None
    language: str
    bucket: str
    dpd: int
    overdue: str
    expected_value: float
    local_time: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def add_agent(session: Session, agent_id: str, name: str, languages: list[str], daily_capacity: int = 80,
              role: str = "agent", agency: str | None = None, can_see_pii: bool = False) -> Agent:
    if daily_capacity < 1:
        raise InputError("daily capacity must be at least 1")
    if role not in ROLES:
        raise InputError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    # An agency agent belongs to exactly one agency; nobody else belongs to one (PIPL art. 21 scoping).
    if (role == "agency_agent") != bool(agency):
        raise InputError("--agency is required for role agency_agent and only for it")
    agent = session.get(Agent, agent_id) or Agent(id=agent_id)
    agent.name, agent.languages, agent.daily_capacity = name, list(languages), daily_capacity
    agent.role, agent.agency, agent.can_see_pii, agent.active = role, agency, can_see_pii, True
    session.add(agent)
    append(session, "agent.saved", actor="admin", subject=f"agent:{agent_id}",
           payload={"agent_id": agent_id, "languages": list(languages), "capacity": daily_capacity, "role": role,
                    "agency": agency})
    return agent


def _agent(session: Session, agent_id: str) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise InputError(f"unknown agent {agent_id!r}")
    return agent


def handled_today(session: Session, agent_id: str, day: date) -> int:
    """Calls the agent logged today (journal ``call.logged`` by the person: an agency agent's contact
    events carry the agency as their actor)."""
    from accord.journal.models import JournalEntry

    start = datetime.combine(day, datetime.min.time()).astimezone()
    return session.scalar(select(func.count()).select_from(JournalEntry).where(
        JournalEntry.kind == "call.logged", JournalEntry.actor == f"agent:{agent_id}",
        JournalEntry.at >= start)) or 0


def next_for(session: Session, agent_id: str, day: date, now: datetime | None = None) -> QueueItem | None:
    """The next account for this agent, or None when nothing callable is left (or capacity is used)."""
    import polars as pl

    from accord.agents.ranking import expected_value

    agent = _agent(session, agent_id)
    now = now or utcnow()
    if handled_today(session, agent_id, day) >= agent.daily_capacity:
        return None
    agency = agent.agency if agent.role == "agency_agent" else None
    if agency:
        # An agency agent works only the cases handed over to their agency (PIPL art. 21).
        from accord.agencies.access import agency_work

        df = agency_work(session, agent, day, now)
    else:
        df = _planned_calls(session, day)
    if df.height == 0:
        return None
    taken = _taken(session, day)
    df = df.filter(pl.col("language").is_in(list(agent.languages or ["zh", "en"])) & ~pl.col("action_id").is_in(taken))
    if df.height == 0:
        return None
    df = df.with_columns(pl.when(pl.col("dpd") > 30).then(pl.lit("high")).otherwise(pl.lit("medium")).alias("score_band"))
    for r in expected_value(df).sort("ev", descending=True).iter_rows(named=True):
        if _callable_now(session, r, now, agency):
            from accord.kit.money import fmt_minor

            pii = agent.can_see_pii
            item = QueueItem(r["action_id"], r["loan_id"], r["borrower_id"], r["name"],
                             r["phone"] if pii else mask_phone(r["phone"]), r["email"] if pii else mask_email(r["email"]),
                             r["language"], r["bucket"], int(r["dpd"]), fmt_minor(r["overdue_minor"]),
                             round(float(r["ev"]), 2), r["local_time"])
            append(session, "queue.assigned", actor=f"agent:{agent_id}", loan_id=r["loan_id"],
                   borrower_id=r["borrower_id"], subject=f"action:{r['action_id']}", payload={"action_id": r["action_id"]})
            return item
    return None


def _planned_calls(session: Session, day: date):  # noqa: ANN202
    """The day's planned agent calls, never on a case handed over to an agency."""
    from accord.kit.frames import read_frame, reader

    with reader(session) as conn:
        return read_frame(conn, f"""
            SELECT a.id AS action_id, a.loan_id, a.borrower_id, a.lang AS language, a.channel, a.local_time,
                   s.bucket, s.dpd, s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue_minor,
                   b.name, b.phone, b.email, b.jurisdiction, b.timezone
            FROM actions a JOIN loans l ON l.id = a.loan_id
            JOIN delinquency_snapshots s ON s.loan_pk = l.pk AND s.as_of = a.plan_date
            JOIN borrowers b ON b.id = a.borrower_id
            WHERE a.plan_date = '{day.isoformat()}' AND a.channel = 'call' AND a.status = 'planned'
              AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.loan_pk = l.pk AND c.status = 'open'
                              AND c.owner_kind = 'agency')""")


def _taken(session: Session, day: date) -> list[str]:
    from accord.journal.models import JournalEntry

    start = datetime.combine(day, datetime.min.time()).astimezone()
    return [s.split(":", 1)[1] for s in session.scalars(select(JournalEntry.subject).where(
        JournalEntry.kind.in_(["queue.assigned", "call.logged"]), JournalEntry.at >= start)) if s]


def _callable_now(session: Session, row: dict, now: datetime, agency: str | None = None) -> bool:
    """Ask the single-contact gate whether a call may be placed now (time window, frequency, holds)."""
    from accord.compliance import evaluate, parse_check

    history = _history(session, row["borrower_id"], now)
    collector = {"kind": "agency", "name": agency, "is_law_firm": False} if agency else \
        {"kind": "first_party", "name": "lender", "is_law_firm": False}
    req = parse_check({
        "policy": row["jurisdiction"], "collector": collector,
        "borrower": {"id": row["borrower_id"], "timezones": [row["timezone"]]},
        "history": history,
        "planned": {"at": now.isoformat(), "channel": "call", "target": row["phone"] or "borrower",
                    "debt_ids": [row["loan_id"]], "purpose": "collection"}}, "queue")
    return evaluate(req.policy, req.context, req.planned).allowed


def _history(session: Session, borrower_id: str, now: datetime) -> list[dict]:
    from datetime import timedelta

    from accord.outbox.models import ContactEvent

    rows = session.scalars(select(ContactEvent).where(ContactEvent.borrower_id == borrower_id,
                                                      ContactEvent.at >= now - timedelta(days=8))).all()
    return [{"at": e.at.isoformat(), "channel": e.channel, "direction": e.direction, "target": e.target,
             "actor": e.actor if e.actor.startswith("agency:") else ("robot" if e.actor == "robot" else "agent"),
             "debt_ids": list(e.debt_ids or []), "outcome": e.outcome} for e in rows]


def log_outcome(session: Session, agent_id: str, action_id: str, outcome: str, *, notes: str | None = None,
                promise_amount: Decimal | str | None = None, promise_date: date | None = None,
                talk_seconds: int | None = None, at: datetime | None = None, dispute: str | None = None) -> dict:
    """Record a call: a contact event (counted by the gate tomorrow), an optional promise to pay, an
    optional dispute or complaint the borrower raised on the call (oral, linked to this contact), and
    notes — which are checked by the content check, since agents' notes can reach the borrower.

    ``result["notices"]`` holds the borrower notices (promise confirmation, dispute acknowledgement)
    for the caller to send."""
    from accord.outbox.models import ContactEvent

    agent = _agent(session, agent_id)
    if outcome not in CALL_OUTCOMES:
        raise InputError(f"unknown call outcome {outcome!r} (expected one of {', '.join(CALL_OUTCOMES)})")
    if agent.role == "agency_agent" or action_id.startswith("placement:"):
        # Agency work: only a case handed over to the agent's own agency; the contact is the agency's.
        from accord.agencies.access import work_item

        loan_id, borrower_id = work_item(session, agent, action_id)
        collector = f"agency:{agent.agency}"
    else:
        action = session.get(Action, action_id)
        if action is None:
            raise InputError(f"unknown action {action_id!r}")
        loan_id, borrower_id, collector = action.loan_id, action.borrower_id, f"agent:{agent.id}"
    from accord.loans.models import Borrower

    borrower = session.get(Borrower, borrower_id)
    if notes:
        from accord.compliance.content import check_text

        hits = check_text(notes, policy=borrower.jurisdiction, lang=None, channel="call", required_wording=False)
        if hits:
            h = hits[0]
            raise ProblemError(f"notes refused by the content check: {h.category} ({h.rule}) at {h.matched!r}")
    at = at or utcnow()
    event = ContactEvent(at=at, channel="call", direction="outbound", target=borrower.phone or "borrower",
                         actor=collector, borrower_id=borrower.id, loan_ids=[loan_id],
                         debt_ids=[loan_id], outcome=outcome, talk_seconds=talk_seconds)
    session.add(event)
    session.flush()
    result = {"contact_event_id": event.id, "outcome": outcome, "promise_id": None, "dispute_id": None}
    notices = []
    if dispute is not None:
        if outcome != "conversation":
            raise InputError("a dispute raised on a call needs a conversation outcome")
        from accord.cases.dispute_service import open_dispute

        opened = open_dispute(session, dtype=dispute, form="oral", channel="call", borrower_id=borrower.id,
                              loan_id=loan_id, received_at=at, contact_event_id=str(event.id), opened_by=collector)
        result["dispute_id"] = opened.dispute.id
        notices += [opened.acknowledgement] if opened.acknowledgement else []
    if promise_amount is not None:
        if outcome != "conversation":
            raise InputError("a promise to pay needs a conversation outcome")
        if promise_date is None:
            raise InputError("a promise needs --promise-date")
        from accord.cases.promise_service import record_promise

        rec = record_promise(session, loan_id=loan_id, amount=promise_amount, due_on=promise_date,
                             channel="call", taken_by=collector, taken_at=at)
        result["promise_id"] = rec.promise.id
        notices.append(rec.confirmation)
    append(session, "call.logged", actor=f"agent:{agent.id}", loan_id=loan_id, borrower_id=borrower.id,
           subject=f"action:{action_id}", payload={**result, "collector": collector, "notes_sha256": _sha(notes)})
    return {**result, "notices": notices}


def _sha(text: str | None) -> str | None:
    from accord.kit.crypto import sha256_hex

    return sha256_hex(text) if text else None
