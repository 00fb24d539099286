"""The compliance gate, re-run when a worker claims a message (a borrower may have disputed, opted
out or been contacted too often since the plan was made, and the send time may now be at night).

The worker depends only on the port::

    GateCheck = Callable[[Session, Message, datetime], GateResult]

``default_gate`` fills it from the database: the borrower's jurisdiction (the policy pack), time zone,
status, flags, consents and opt-outs (``contact_points`` and opt-out records), wrong numbers (a
contact point marked bad is presented as a third party who refused contact), contact persons, open
dispute / cease holds, and the last 8 days of ``contact_events``; then it calls
``accord.compliance.gate.evaluate``. A message the gate cannot evaluate is blocked, never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accord.outbox import repository as repo
from accord.outbox.models import Message

# Which channel a contact point of each kind is messaged through (opt-outs and consents are per
# channel and address; an opt-out recorded on a mobile number stops texts to it).
KIND_CHANNEL = {"mobile": "sms", "email": "email", "device": "push"}
HISTORY_DAYS = 8   # the longest window any pack counts (US: 7 consecutive days) plus a day of zones
GATE_UNAVAILABLE = "GATE-UNAVAILABLE"


@dataclass(frozen=True)
class GateResult:
    allowed: bool
    rules: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


GateCheck = Callable[[Session, Message, datetime], GateResult]


def allow_all(session: Session, message: Message, now: datetime) -> GateResult:  # noqa: ARG001
    """A gate that allows everything: for tests of the sending machinery only."""
    return GateResult(True)


def build_check(session: Session, message: Message, now: datetime, collector: dict | None = None) -> dict:
    """The gate input (contracts.md "Compliance check" shape) for sending ``message`` at ``now``."""
    b = repo.borrower(session, message.borrower_id)
    if b is None:
        raise LookupError(f"borrower {message.borrower_id} does not exist")
    from accord.compliance.schema import CHANNELS, FLAGS

    points = repo.contact_points(session, b.id)
    consents, opt_outs, contacts = [], [], []
    for p in points:
        ch = KIND_CHANNEL.get(p.kind)
        if ch and p.consent_at:
            consents.append({"channel": ch, "target": p.value, "given_at": p.consent_at})
        if ch and p.opted_out_at:
            opt_outs.append({"channel": ch, "target": p.value, "at": p.opted_out_at})
        if p.bad_since:
            # Not the borrower's: whoever answers there is a third party who asked us to stop.
            contacts.append({"id": f"bad-point-{p.id}", "relation": "wrong_number", "source": "registered",
                             "refused": True, "targets": [p.value]})
    for person in repo.contact_persons(session, b.id):
        contacts.append({"id": str(person.id), "relation": person.relation, "source": person.source,
                         "refused": person.refused_at is not None,
                         "targets": [person.phone] if person.phone else []})
    disputes, ceases = [], []
    for a in repo.actions_for(session, b.id, open_only=True):
        if a.kind == "opt_out" and a.channel in CHANNELS:
            opt_outs.append({"channel": a.channel, "target": a.address, "at": a.at})
        elif a.kind == "hold" and a.hold_kind == "dispute":
            disputes.append({"received_at": a.at, "form": a.form or "written", "within_validation_period": True})
        elif a.kind == "hold" and a.hold_kind == "cease":
            ceases.append({"received_at": a.at, "form": a.form or "written"})
    history = []
    for e in repo.recent_events(session, b.id, now - timedelta(days=HISTORY_DAYS)):
        if e.channel in CHANNELS and e.at <= now:
            history.append({"at": e.at, "channel": e.channel, "direction": e.direction, "target": e.target,
                            "actor": e.actor, "debt_ids": list(e.debt_ids or e.loan_ids or []),
                            "outcome": e.outcome})
    for m in repo.sending_for(session, b.id, message.id):
        if m.channel in CHANNELS:
            history.append({"at": now, "channel": m.channel, "direction": "outbound", "target": m.target,
                            "actor": "system", "debt_ids": [m.loan_id] if m.loan_id else [], "outcome": "sent"})
    text = "\n".join(t for t in (message.subject, message.body) if t)
    return {
        "policy": b.jurisdiction if b.jurisdiction in ("CN", "US", "UK") else "CN",
        "collector": collector or {"kind": "first_party"},
        "borrower": {"id": b.id, "timezones": [b.timezone], "status": b.status,
                     "civil_capacity": b.civil_capacity,
                     "flags": [f for f in (b.flags or []) if f in FLAGS],
                     "consents": consents, "opt_outs": opt_outs, "cease_requests": ceases,
                     "disputes": disputes},
        "contacts": contacts,
        "history": history,
        "planned": {"at": now, "channel": message.channel, "target": message.target,
                    "debt_ids": [message.loan_id] if message.loan_id else [], "text": text,
                    "lang": message.lang if message.lang in ("zh", "en") else None,
                    "purpose": message.purpose if message.purpose in ("collection", "reminder",
                                                                      "termination_notice") else "collection"},
    }


def make_default_gate(collector: dict | None = None) -> GateCheck:
    """The database-backed gate; ``collector`` is the contract's collector object (first party default)."""

    def gate(session: Session, message: Message, now: datetime) -> GateResult:
        try:
            from accord.compliance import evaluate
            from accord.compliance.schema import CHANNELS, parse_check
        except ImportError:  # the gate feature is not installed: say so, and let the message go
            return GateResult(True, [], ["compliance gate not installed"])
        if message.channel not in CHANNELS:
            return GateResult(True, [], [f"channel {message.channel} is not gated"])
        try:
            req = parse_check(build_check(session, message, now, collector), origin=f"message {message.id}")
            decision = evaluate(req.policy, req.context, req.planned)
        except Exception as exc:  # noqa: BLE001 - a gate that cannot decide must not let a message out
            return GateResult(False, [GATE_UNAVAILABLE], [f"the gate could not evaluate the message: {exc}"])
        return GateResult(decision.allowed, decision.rules, [v.message for v in decision.violations])

    return gate


default_gate: GateCheck = make_default_gate()
