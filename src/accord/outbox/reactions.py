"""Carrying out what a reply calls for (``accord.conversations.plan_reaction``), each journalled:

| reaction | record | journal |
|---|---|---|
| record_promise | ``reply_actions`` kind promise + a case promise (``accord.cases``) | ``reply.promise`` (+ ``promise.recorded``) |
| check_payment | kind payment_check | ``payment.claimed`` |
| opt_out | ``contact_points.opted_out_at`` + kind opt_out (channel, address) | ``consent.opt_out`` |
| open_hold | kind hold + a case dispute or cease hold (``accord.cases``) | ``reply.hold`` (+ the case events) |
| route_plan_offer | kind plan_offer | ``arrangement.offer_routed`` |
| mark_contact_point_bad | ``contact_points.bad_since`` + kind contact_point_bad | ``contact_point.bad`` |
| schedule_callback | kind callback (due_on) | ``callback.requested`` |

Promises and holds belong to the cases feature; until its service takes them, ``reply_actions`` is the
record (the outbox gate reads open holds and opt-outs from it). Journal payloads hold references and
hashes only (an address is hashed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.journal.service import append
from accord.kit.crypto import sha256_hex
from accord.kit.money import to_minor
from accord.loans.models import ContactPoint
from accord.outbox import repository as repo
from accord.outbox.models import ReplyAction

JOURNAL_KIND = {
    "record_promise": ("promise", "reply.promise"),  # the case promise journals promise.recorded
    "check_payment": ("payment_check", "payment.claimed"),
    "opt_out": ("opt_out", "consent.opt_out"),
    "open_hold": ("hold", "reply.hold"),  # the case hold / dispute journals its own events
    "route_plan_offer": ("plan_offer", "arrangement.offer_routed"),
    "mark_contact_point_bad": ("contact_point_bad", "contact_point.bad"),
    "schedule_callback": ("callback", "callback.requested"),
}
POINT_KIND = {"sms": "mobile", "call": "mobile", "ai_call": "mobile", "email": "email", "push": "device"}


def _points(session: Session, borrower_id: str, address: str | None, channel: str | None) -> list[ContactPoint]:
    """The borrower's contact points with this address; one is created when the borrower record
    has the address but no contact point was registered for it."""
    if not address:
        return []
    found = list(session.scalars(select(ContactPoint).where(ContactPoint.borrower_id == borrower_id,
                                                            ContactPoint.value == address)))
    if not found and channel in POINT_KIND:
        found = [repo.add(session, ContactPoint(borrower_id=borrower_id, kind=POINT_KIND[channel], value=address,
                                                verified=False))]
    return found


def carry_out(session: Session, reactions: list, *, borrower_id: str, loan_id: str | None, reply_id: int | None,
              at: datetime, form: str, channel: str | None, address: str | None, actor: str = "system") -> list[dict]:
    """Do each reaction in the caller's transaction; returns what was done (for output and tests)."""
    done = []
    for r in reactions:
        kind, journal_kind = JOURNAL_KIND.get(r.kind, (r.kind, f"reply.{r.kind}"))
        ch, addr = r.channel or channel, r.address or address
        action = ReplyAction(reply_id=reply_id, borrower_id=borrower_id, loan_id=loan_id, kind=kind, at=at,
                             status="open", amount_minor=to_minor(r.amount) if r.amount is not None else None,
                             due_on=r.due_on)
        points: list[ContactPoint] = []
        if r.kind == "opt_out":
            action.channel, action.address = ch, addr
            points = _points(session, borrower_id, addr, ch)
            for p in points:
                p.opted_out_at = p.opted_out_at or at
        elif r.kind == "mark_contact_point_bad":
            action.channel, action.address = ch, addr
            points = _points(session, borrower_id, addr, ch)
            for p in points:
                p.bad_since = p.bad_since or at
        elif r.kind == "open_hold":
            action.hold_kind, action.form = r.hold_kind, form
            _case_hold(session, r.hold_kind, borrower_id=borrower_id, loan_id=loan_id, reply_id=reply_id,
                       at=at, form=form, channel=ch, actor=actor)
        elif r.kind == "record_promise" and loan_id and r.amount is not None and r.due_on is not None:
            action.channel = ch
            _case_promise(session, loan_id=loan_id, amount=r.amount, due_on=r.due_on, channel=ch, at=at, actor=actor)
        elif r.kind in ("record_promise", "schedule_callback"):
            action.channel = ch
        repo.add(session, action)
        payload = {"reply_action_id": action.id, "reply_id": reply_id, "intent": r.intent,
                   "amount_minor": action.amount_minor, "due_on": action.due_on, "hold_kind": action.hold_kind,
                   "form": action.form, "channel": action.channel,
                   "address_sha256": sha256_hex(action.address) if action.address else None,
                   "contact_point_ids": [p.id for p in points]}
        entry = append(session, journal_kind, actor=actor, loan_id=loan_id, borrower_id=borrower_id,
                       subject=f"reply_action:{action.id}", at=at,
                       payload={k: v for k, v in payload.items() if v not in (None, [])})
        action.journal_seq = entry.seq
        done.append({"action": r.kind, "record": f"reply_actions:{action.id}", "journal": journal_kind,
                     "journal_seq": entry.seq,
                     **{k: v for k, v in (("amount", f"{r.amount:.2f}" if r.amount is not None else None),
                                          ("due_on", r.due_on.isoformat() if r.due_on else None),
                                          ("hold_kind", action.hold_kind), ("channel", action.channel),
                                          ("contact_points", [p.id for p in points] or None)) if v}})
    session.flush()
    return done


def _case_hold(session: Session, hold_kind: str | None, *, borrower_id: str, loan_id: str | None, reply_id: int | None,
               at: datetime, form: str, channel: str | None, actor: str) -> None:
    """A dispute opens a case dispute (which holds collection where the borrower's pack requires it);
    a cease request opens a cease hold. The daily planner skips held accounts."""
    from accord.cases import dispute_service, hold_service
    from accord.cases.rules import CHANNELS

    if hold_kind == "dispute":
        dispute_service.open_dispute(session, dtype="wrong_amount" if loan_id else "not_my_debt", form=form,
                                     channel=channel if channel in CHANNELS else "sms", borrower_id=borrower_id,
                                     loan_id=loan_id, received_at=at, opened_by=actor)
    elif hold_kind == "cease":
        hold_service.open_hold(session, borrower_id, "cease", form=form, reason="asked us to stop (reply)",
                               source=f"reply:{reply_id}", loan_id=loan_id, actor=actor, at=at)


def _case_promise(session: Session, *, loan_id: str, amount, due_on, channel: str | None, at: datetime,  # noqa: ANN001
                  actor: str) -> None:
    """A promise in a reply becomes a case promise, judged kept or broken by the daily run."""
    from accord.cases.promise_service import record_promise
    from accord.cases.rules import CHANNELS
    from accord.kit.errors import AccordError

    try:
        record_promise(session, loan_id=loan_id, amount=amount, due_on=due_on,
                       channel=channel if channel in CHANNELS else "sms", taken_by=actor, taken_at=at)
    except AccordError:
        pass  # a date beyond the policy horizon stays a reply action for an agent to follow up
