"""The compliance gate, re-run when a worker claims a message (a borrower may have disputed, opted
out or been contacted too often since the plan was made, and the send time may now be at night).

The worker depends only on the ports::

    GateCheck = Callable[[Session, Message, datetime], GateResult]
    GateBatchCheck = Callable[[Session, list[Message], datetime], dict[int, GateResult]]

A single gate may carry its batch port as the attribute ``.batch`` (``default_gate`` and ``allow_all``
do); the worker then gates a claimed batch with one read of the context per table instead of about
eight queries and a validation per message.
# The same for a claimed batch, decided in order: {message id: result} for every message given.
GateBatchCheck = Callable[[Session, list[Message], datetime], dict[int, GateResult]]

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
# The same for a claimed batch, decided in order: {message id: result} for every message given.
GateBatchCheck = Callable[[Session, list[Message], datetime], dict[int, GateResult]]


def allow_all(session: Session, message: Message, now: datetime) -> GateResult:  # noqa: ARG001
    """A gate that allows everything: for tests of the sending machinery only."""
    return GateResult(True)


@dataclass
class BorrowerFacts:
    """What the database knows about one borrower that the gate needs (rows, not yet the gate's input)."""

    borrower: object                      # accord.loans.models.Borrower
    points: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    actions: list = field(default_factory=list)     # open reply actions (opt-outs, holds)
    events: list = field(default_factory=list)      # contact_events of the last HISTORY_DAYS
    sending: list = field(default_factory=list)     # other messages on their way out (``sending``)
    holds: dict = field(default_factory=dict)       # accord.cases gate_facts of the borrower's active holds


_HAS_HOLDS: dict[str, bool] = {}


def case_holds(session: Session, borrower_ids: list[str]) -> dict[str, dict]:
    """The cases feature's active holds as gate facts per borrower (flags, cease requests, disputes);
    empty where the cases feature or its table is absent."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True) if hasattr(bind, "engine") else str(id(bind))
    if key not in _HAS_HOLDS:
        from sqlalchemy import inspect

        try:
            import accord.cases.hold_service  # noqa: F401
            _HAS_HOLDS[key] = inspect(session.connection()).has_table("holds")
        except ImportError:
            _HAS_HOLDS[key] = False
    if not _HAS_HOLDS[key] or not borrower_ids:
        return {}
    from accord.cases.hold_service import active_holds, gate_facts

    return gate_facts(active_holds(session, borrower_ids))


def load_facts(session: Session, borrower_ids: list[str], now: datetime,
               exclude_ids: list[int] = ()) -> dict[str, BorrowerFacts]:
    """The gate facts of many borrowers: one query per table (the batch gate's whole I/O)."""
    ids = sorted(set(borrower_ids))
    found = repo.borrowers_by_id(session, ids)
    ids = sorted(found)
    if not ids:
        return {}
    points, persons = repo.contact_points_of(session, ids), repo.contact_persons_of(session, ids)
    actions = repo.open_actions_of(session, ids)
    events = repo.recent_events_of(session, ids, now - timedelta(days=HISTORY_DAYS))
    sending = repo.sending_of(session, ids, exclude_ids)
    holds = case_holds(session, ids)
    return {i: BorrowerFacts(found[i], points.get(i, []), persons.get(i, []), actions.get(i, []),
                             events.get(i, []), sending.get(i, []), holds.get(i, {})) for i in ids}


def single_facts(session: Session, message: Message, now: datetime) -> BorrowerFacts:
    b = repo.borrower(session, message.borrower_id)
    if b is None:
        raise LookupError(f"borrower {message.borrower_id} does not exist")
    return BorrowerFacts(b, repo.contact_points(session, b.id), repo.contact_persons(session, b.id),
                         repo.actions_for(session, b.id, open_only=True),
                         repo.recent_events(session, b.id, now - timedelta(days=HISTORY_DAYS)),
                         repo.sending_for(session, b.id, message.id), case_holds(session, [b.id]).get(b.id, {}))


def sending_item(m: Message, now: datetime) -> dict:
    """A message on its way out, as a past contact (no contact event exists for it yet)."""
    return {"at": now, "channel": m.channel, "direction": "outbound", "target": m.target,
            "actor": "system", "debt_ids": [m.loan_id] if m.loan_id else [], "outcome": "sent"}


def context_input(f: BorrowerFacts, now: datetime, collector: dict | None = None) -> dict:
    """The gate input without ``planned``: policy, collector, borrower, contacts and history."""
    from accord.compliance.schema import CHANNELS, FLAGS

    b = f.borrower
    consents, opt_outs, contacts = [], [], []
    for p in f.points:
        ch = KIND_CHANNEL.get(p.kind)
        if ch and p.consent_at:
            consents.append({"channel": ch, "target": p.value, "given_at": p.consent_at})
        if ch and p.opted_out_at:
            opt_outs.append({"channel": ch, "target": p.value, "at": p.opted_out_at})
        if p.bad_since:
            # Not the borrower's: whoever answers there is a third party who asked us to stop.
            contacts.append({"id": f"bad-point-{p.id}", "relation": "wrong_number", "source": "registered",
                             "refused": True, "targets": [p.value]})
    for person in f.persons:
        contacts.append({"id": str(person.id), "relation": person.relation, "source": person.source,
                         "refused": person.refused_at is not None,
                         "targets": [person.phone] if person.phone else []})
    disputes, ceases = [], []
    for a in f.actions:
        if a.kind == "opt_out" and a.channel in CHANNELS:
            opt_outs.append({"channel": a.channel, "target": a.address, "at": a.at})
        elif a.kind == "hold" and a.hold_kind == "dispute":
            disputes.append({"received_at": a.at, "form": a.form or "written", "within_validation_period": True})
        elif a.kind == "hold" and a.hold_kind == "cease":
            ceases.append({"received_at": a.at, "form": a.form or "written"})
    # Holds of the cases feature (a dispute opened from a reply, an agent's vulnerability hold ...).
    disputes += f.holds.get("disputes", [])
    ceases += f.holds.get("cease_requests", [])
    flags = [x for x in (b.flags or []) if x in FLAGS]
    flags += [x for x in f.holds.get("flags", []) if x in FLAGS and x not in flags]
    history = []
    for e in f.events:
        if e.channel in CHANNELS and e.at <= now:
            history.append({"at": e.at, "channel": e.channel, "direction": e.direction, "target": e.target,
                            "actor": e.actor, "debt_ids": list(e.debt_ids or e.loan_ids or []),
                            "outcome": e.outcome})
    history += [sending_item(m, now) for m in f.sending if m.channel in CHANNELS]
    return {
        "policy": b.jurisdiction if b.jurisdiction in ("CN", "US", "UK") else "CN",
        "collector": collector or {"kind": "first_party"},
        "borrower": {"id": b.id, "timezones": [b.timezone], "status": b.status,
                     "civil_capacity": b.civil_capacity, "flags": flags,
                     "consents": consents, "opt_outs": opt_outs, "cease_requests": ceases,
                     "disputes": disputes},
        "contacts": contacts,
        "history": history,
    }


def planned_input(message: Message, now: datetime) -> dict:
    text = "\n".join(t for t in (message.subject, message.body) if t)
    return {"at": now, "channel": message.channel, "target": message.target,
            "debt_ids": [message.loan_id] if message.loan_id else [], "text": text,
            "lang": message.lang if message.lang in ("zh", "en") else None,
            "purpose": message.purpose if message.purpose in ("collection", "reminder",
                                                              "termination_notice") else "collection"}


def build_check(session: Session, message: Message, now: datetime, collector: dict | None = None) -> dict:
    """The gate input (contracts.md "Compliance check" shape) for sending ``message`` at ``now``."""
    return {**context_input(single_facts(session, message, now), now, collector),
            "planned": planned_input(message, now)}


def _unavailable(exc: Exception) -> GateResult:
    return GateResult(False, [GATE_UNAVAILABLE], [f"the gate could not evaluate the message: {exc}"])


def make_default_gate(collector: dict | None = None) -> GateCheck:
    """The database-backed gate; ``collector`` is the contract's collector object (first party default).
    The function also carries the batch port as ``.batch`` (see ``make_default_batch_gate``)."""

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
            return _unavailable(exc)
        return GateResult(decision.allowed, decision.rules, [v.message for v in decision.violations])

    gate.batch = make_default_batch_gate(collector, single=gate)  # type: ignore[attr-defined]
    return gate


def make_default_batch_gate(collector: dict | None = None, single: GateCheck | None = None) -> GateBatchCheck:
    """The batch port: the same decisions as the single gate for a claimed batch, evaluated in order.

    The context of every borrower of the batch is read with one query per table and validated once;
    each message is then decided by the pure ``accord.compliance.evaluate``. A message the gate allows
    joins its borrower's history (as a message ``sending`` would in the single gate), so daily caps
    count the messages allowed earlier in the same batch. Whatever the batch path cannot build (an
    unknown borrower, an invalid field) is handed to the single gate, which reports it identically."""

    def batch(session: Session, messages: list[Message], now: datetime) -> dict[int, GateResult]:
        one = single or make_default_gate(collector)
        try:
            from accord.compliance import evaluate
            from accord.compliance.schema import CHANNELS, Context, HistoryItem, Planned
        except ImportError:
            return {m.id: GateResult(True, [], ["compliance gate not installed"]) for m in messages}
        out: dict[int, GateResult] = {}
        gated = []
        for m in messages:
            if m.channel in CHANNELS:
                gated.append(m)
            else:
                out[m.id] = GateResult(True, [], [f"channel {m.channel} is not gated"])
        if not gated:
            return out
        try:
            facts = load_facts(session, [m.borrower_id for m in gated], now, [m.id for m in messages])
        except Exception:  # noqa: BLE001 - the single gate reports the failure message by message
            facts = {}
        contexts: dict[str, tuple[str, Context, set[str]] | None] = {}
        for m in gated:
            if m.borrower_id not in contexts:
                contexts[m.borrower_id] = _context(facts.get(m.borrower_id), now, collector, Context)
            ctx = contexts[m.borrower_id]
            if ctx is None or not _target_known(m.target, ctx[2]):
                out[m.id] = one(session, m, now)
                continue
            policy, context, contact_ids = ctx
            try:
                planned = Planned.model_validate(planned_input(m, now))
            except Exception:  # noqa: BLE001 - the single gate names the field at fault
                out[m.id] = one(session, m, now)
                continue
            try:
                decision = evaluate(policy, context, planned)
            except Exception as exc:  # noqa: BLE001 - a gate that cannot decide must not let a message out
                out[m.id] = _unavailable(exc)
                continue
            out[m.id] = GateResult(decision.allowed, decision.rules, [v.message for v in decision.violations])
            if decision.allowed:
                seen = HistoryItem.model_validate(sending_item(m, now))
                contexts[m.borrower_id] = (policy, context.model_copy(update={"history": [*context.history, seen]}),
                                           contact_ids)
        return out

    return batch


def _target_known(target: str, contact_ids: set[str]) -> bool:
    """``parse_check`` refuses a ``contact:<id>`` target naming no contact."""
    return not target.startswith("contact:") or target[8:] in contact_ids


def _context(f: BorrowerFacts | None, now: datetime, collector: dict | None, model):  # noqa: ANN001, ANN202
    """(policy, validated Context, contact ids) of one borrower, or None when it cannot be built."""
    if f is None:
        return None
    try:
        data = context_input(f, now, collector)
        policy = data.pop("policy")
        context = model.model_validate(data)
    except Exception:  # noqa: BLE001
        return None
    ids = {c.id for c in context.contacts}
    if not all(_target_known(h.target, ids) for h in context.history):
        return None
    return policy, context, ids


def allow_all_batch(session: Session, messages: list[Message], now: datetime) -> dict[int, GateResult]:  # noqa: ARG001
    return {m.id: GateResult(True) for m in messages}


allow_all.batch = allow_all_batch  # type: ignore[attr-defined]
default_gate: GateCheck = make_default_gate()
default_batch_gate: GateBatchCheck = default_gate.batch  # type: ignore[attr-defined]
