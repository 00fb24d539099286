"""Tables of the outbox, the contact history and inbound replies.

- ``messages``: the durable outbox row (one planned message, sent at most once);
- ``contact_events``: the history the compliance gate counts (every sent message, delivery receipt,
  inbound reply and robot call makes or updates one);
- ``replies``: an inbound text understood (intent, amount, date) on the borrower's timeline;
- ``reply_actions``: what Accord did about a reply (promise, hold, plan offer, opt-out ...). The cases
  feature will own promises and holds; until it does, this is the minimal record the gate reads.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime

# Message lifecycle (see accord.outbox.states for the transitions).
QUEUED, CLAIMED, SENDING, SENT, DELIVERED, UNDELIVERED = (
    "queued", "claimed", "sending", "sent", "delivered", "undelivered")
FAILED, PARKED, CANCELLED, BLOCKED = "failed", "parked", "cancelled", "blocked"


class Message(Base):
    """One outbound message. ``idempotency_key`` is unique: enqueueing the same action twice is a no-op
    and the adapter passes the key to the provider so a resend is recognised downstream."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    action_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    adapter: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: configured default
    template: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    purpose: Mapped[str] = mapped_column(String(24), default="collection")
    target: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    not_before: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # True when a worker died after handing the message to the adapter: it may or may not have gone.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    gate_rules: Mapped[list | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ContactEvent(Base):
    """A contact in either direction, in the vocabulary of contracts.md (channel, outcome)."""

    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_borrower_id_at", "borrower_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(24))
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    target: Mapped[str] = mapped_column(String(200))   # address / number, "borrower", "contact:ID"
    actor: Mapped[str] = mapped_column(String(64))     # agent:ID, agency:NAME, robot, system, borrower
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"))
    loan_ids: Mapped[list] = mapped_column(JSON, default=list)
    debt_ids: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    talk_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True, index=True)


class Reply(Base):
    """An inbound text (SMS, email, portal chat, robot transcript) and what it was understood to say.
    The text is borrower data the timeline needs; the journal only ever holds ``text_sha256``."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_event_id: Mapped[int] = mapped_column(ForeignKey("contact_events.id"), index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(24))
    intents: Mapped[list] = mapped_column(JSON, default=list)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    lang: Mapped[str] = mapped_column(String(8))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReplyAction(Base):
    """One thing done about a reply: ``kind`` is promise, hold, plan_offer, callback, payment_check,
    opt_out or contact_point_bad. Holds stay open until ``released_at``; the gate reads open holds."""

    __tablename__ = "reply_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"), nullable=True, index=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    hold_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)  # dispute | cease
    form: Mapped[str | None] = mapped_column(String(8), nullable=True)       # written | oral
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(24), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    journal_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
