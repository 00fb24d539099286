"""Inbound: delivery receipts, replies (SMS reply webhook, email reply, portal chat) and robot-call
transcripts, stored on the borrower's timeline, understood (``accord.conversations.understand``) and
acted on (``accord.conversations.plan_reaction``, carried out by ``accord.outbox.reactions``).
Everything here runs in the caller's transaction and journals what it changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from accord.journal.service import append
from accord.kit.crypto import sha256_hex
from accord.kit.money import to_minor
from accord.kit.timeutil import utcnow, zone
from accord.outbox import repository as repo
from accord.outbox.models import DELIVERED, SENT, UNDELIVERED, ContactEvent, Reply

# The form of a communication, for the holds it opens: texts are written, calls oral.
WRITTEN_CHANNELS = ("sms", "email", "portal", "letter", "push")
INBOUND_CHANNELS = ("sms", "email", "portal", "call", "ai_call")


class UnknownSender(LookupError):
    """No borrower has this number or address."""


# -- delivery receipts -----------------------------------------------------------------------------
def record_delivery(session: Session, provider_id: str, status: str, *, at: datetime | None = None,
                    reason: str = "", actor: str = "system") -> dict:
    """A delivery report for a sent message: the message becomes ``delivered`` / ``undelivered`` and
    its contact event takes that outcome (an undelivered message is not counted by frequency caps).
    Raises LookupError when no message has this provider id."""
    if status not in ("sent", DELIVERED, UNDELIVERED):
        raise ValueError(f"delivery status must be sent, delivered or undelivered, not {status!r}")
    at = at or utcnow()
    m = repo.by_provider_id(session, provider_id)
    if m is None:
        raise LookupError(f"no sent message has provider id {provider_id!r}")
    if status == SENT or m.status not in (SENT, DELIVERED, UNDELIVERED):
        return {"message_id": m.id, "status": m.status, "changed": False}
    changed = m.status != status
    m.status = status
    if status == DELIVERED:
        m.delivered_at = at
    else:
        m.last_error = f"undelivered: {reason}"[:2000] if reason else "undelivered"
    ev = repo.event_for_message(session, m.id)
    if ev is not None:
        ev.outcome = status
    if changed:
        append(session, f"message.{status}", actor=actor, loan_id=m.loan_id, borrower_id=m.borrower_id,
               subject=f"message:{m.id}", at=at,
               payload={"message_id": m.id, "provider_id": provider_id, "reason": reason[:200]})
    session.flush()
    return {"message_id": m.id, "status": status, "changed": changed}


def record_delivery_payload(session: Session, payload: bytes | str | dict, **fields: str) -> dict:
    """A gateway's delivery-receipt webhook body (JSON or form), parsed by the channels feature."""
    from accord.channels.adapters.receipts import parse_delivery_receipt

    report = parse_delivery_receipt(payload, **fields)
    return record_delivery(session, report.provider_id, report.status, at=report.at, reason=report.reason)


# -- replies ---------------------------------------------------------------------------------------
@dataclass
class Inbound:
    """What an inbound text became: the stored reply, its classification and the actions taken."""

    borrower_id: str
    contact_event_id: int
    reply_id: int | None
    classification: dict
    intents: list[str]
    actions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"borrower_id": self.borrower_id, "contact_event_id": self.contact_event_id,
                "reply_id": self.reply_id, **self.classification, "intents": self.intents,
                "actions": self.actions}


def find_borrower(session: Session, channel: str, sender: str) -> str:
    """The borrower a number / address belongs to: a contact point first, then the borrower record."""
    points = repo.points_with_value(session, sender)
    if points:
        owners = {p.borrower_id for p in points}
        if len(owners) == 1:
            return owners.pop()
        raise UnknownSender(f"{sender} is a contact point of {len(owners)} borrowers; give --borrower")
    found = repo.borrowers_with(session, email=sender) if "@" in sender else repo.borrowers_with(session, phone=sender)
    if len(found) == 1:
        return found[0].id
    if found:
        raise UnknownSender(f"{sender} belongs to {len(found)} borrowers; give --borrower")
    raise UnknownSender(f"no borrower has the {channel} address {sender}")


def _loan_for(session: Session, borrower_id: str, sender: str | None) -> str | None:
    """The loan a reply is about: the last message sent to that address, else the only open loan."""
    if sender:
        m = repo.last_outbound_to(session, sender)
        if m is not None and m.borrower_id == borrower_id and m.loan_id:
            return m.loan_id
    from sqlalchemy import select

    from accord.loans.models import Loan

    ids = list(session.scalars(select(Loan.id).where(Loan.borrower_id == borrower_id, Loan.status == "open")))
    return ids[0] if len(ids) == 1 else None


def receive_reply(session: Session, *, channel: str, text: str, sender: str | None = None,
                  borrower_id: str | None = None, at: datetime | None = None, lang: str | None = None,
                  loan_id: str | None = None, direction: str = "inbound", event: ContactEvent | None = None,
                  actor: str = "borrower") -> Inbound:
    """Store one reply on the borrower's timeline, classify it and act on it.

    ``sender`` is the number / address it came from (None for portal chat, where ``borrower_id`` is
    known). Raises UnknownSender when the sender matches no borrower."""
    from accord.conversations import plan_reaction, understand
    from accord.outbox.reactions import carry_out

    if channel not in INBOUND_CHANNELS:
        raise ValueError(f"inbound channel must be one of {', '.join(INBOUND_CHANNELS)}, not {channel!r}")
    if not text or not text.strip():
        raise ValueError("the reply text is empty")
    at = at or utcnow()
    borrower_id = borrower_id or find_borrower(session, channel, sender or "")
    b = repo.borrower(session, borrower_id)
    if b is None:
        raise UnknownSender(f"borrower {borrower_id} does not exist")
    loan_id = loan_id or _loan_for(session, b.id, sender)
    if event is None:
        event = repo.add(session, ContactEvent(
            at=at, channel=channel, direction=direction, target=sender or "borrower", actor=actor,
            borrower_id=b.id, loan_ids=[loan_id] if loan_id else [], debt_ids=[loan_id] if loan_id else [],
            outcome=None, talk_seconds=None, message_id=None))
    today = at.astimezone(zone(b.timezone)).date()
    understood = understand(text, today=today, lang=lang)
    reply = repo.add(session, Reply(
        contact_event_id=event.id, borrower_id=b.id, channel=channel, text_sha256=sha256_hex(text), text=text,
        intent=understood.intent, intents=list(understood.intents),
        amount_minor=to_minor(understood.amount) if understood.amount is not None else None,
        date=understood.date, lang=understood.lang, at=at))
    append(session, "reply.received", actor=actor, loan_id=loan_id, borrower_id=b.id, subject=f"reply:{reply.id}",
           at=at, payload={"reply_id": reply.id, "contact_event_id": event.id, "channel": channel,
                           "text_sha256": reply.text_sha256, "intent": reply.intent, "intents": reply.intents,
                           "amount_minor": reply.amount_minor, "date": reply.date,
                           "sender_sha256": sha256_hex(sender) if sender else None})
    reactions = plan_reaction(understood, channel=channel, address=sender)
    form = "written" if channel in WRITTEN_CHANNELS else "oral"
    actions = carry_out(session, reactions, borrower_id=b.id, loan_id=loan_id, reply_id=reply.id, at=at,
                        form=form, channel=channel, address=sender)
    return Inbound(b.id, event.id, reply.id, understood.to_contract(), list(understood.intents), actions)


def receive_transcript(session: Session, *, borrower_id: str, target: str, outcome: str, lines: list[str],
                       talk_seconds: int | None = None, at: datetime | None = None, lang: str | None = None,
                       loan_id: str | None = None, actor: str = "robot", channel: str = "ai_call") -> Inbound:
    """A robot (or agent) call: one outbound contact event with its call outcome, and what the borrower
    said (``lines``, joined) classified and acted on like any reply (the form is oral)."""
    from accord.compliance.schema import CALL_OUTCOMES

    if outcome not in CALL_OUTCOMES:
        raise ValueError(f"call outcome must be one of {', '.join(CALL_OUTCOMES)}, not {outcome!r}")
    at = at or utcnow()
    loan_id = loan_id or _loan_for(session, borrower_id, target)
    event = repo.add(session, ContactEvent(
        at=at, channel=channel, direction="outbound", target=target, actor=actor, borrower_id=borrower_id,
        loan_ids=[loan_id] if loan_id else [], debt_ids=[loan_id] if loan_id else [], outcome=outcome,
        talk_seconds=talk_seconds, message_id=None))
    append(session, "call.logged", actor=actor, loan_id=loan_id, borrower_id=borrower_id,
           subject=f"contact_event:{event.id}", at=at,
           payload={"contact_event_id": event.id, "channel": channel, "outcome": outcome,
                    "talk_seconds": talk_seconds, "target_sha256": sha256_hex(target)})
    said = " ".join(line.strip() for line in lines if line and line.strip())
    if not said:
        return Inbound(borrower_id, event.id, None, {"intent": None, "amount": None, "date": None, "lang": None},
                       [], [])
    return receive_reply(session, channel=channel, text=said, sender=target, borrower_id=borrower_id, at=at,
                         lang=lang, loan_id=loan_id, event=event, actor="borrower")
