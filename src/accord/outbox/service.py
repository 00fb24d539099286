"""Outbox orchestration for callers: enqueue (in the caller's transaction), cancel, status counts,
retry of parked messages. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accord.journal.service import Event, append_many
from accord.kit.crypto import sha256_hex
from accord.kit.timeutil import utcnow
from accord.outbox import repository as repo
from accord.outbox.models import CANCELLED, PARKED, QUEUED, Message
from accord.outbox.states import STATUSES, WAITING

CHANNELS = ("sms", "email", "push", "letter", "ai_call")


@dataclass(frozen=True)
class OutboxItem:
    """One message to send: what the strategy's planned action becomes in the outbox.

    ``idempotency_key`` identifies the action: the same key enqueued twice is one message (use the
    action id, or e.g. ``"{loan}:{template}:{date}"``)."""

    idempotency_key: str
    borrower_id: str
    channel: str
    target: str
    body: str
    loan_id: str | None = None
    case_id: str | None = None
    action_id: str | None = None
    adapter: str | None = None
    template: str | None = None
    lang: str = "zh"
    purpose: str = "collection"
    subject: str | None = None
    html: str | None = None
    not_before: datetime | None = None


_ITEM_FIELDS = {f.name for f in fields(OutboxItem)}


def _item(obj: OutboxItem | dict) -> OutboxItem:
    if isinstance(obj, OutboxItem):
        item = obj
    else:
        unknown = set(obj) - _ITEM_FIELDS
        if unknown:
            raise ValueError(f"outbox item has unknown field(s): {', '.join(sorted(unknown))}")
        item = OutboxItem(**obj)
    if not item.idempotency_key or len(item.idempotency_key) > 128:
        raise ValueError("an outbox item needs an idempotency_key of 1 to 128 characters")
    if item.channel not in CHANNELS:
        raise ValueError(f"outbox item {item.idempotency_key}: channel must be one of {', '.join(CHANNELS)}, "
                         f"not {item.channel!r}")
    if not item.target or not item.body:
        raise ValueError(f"outbox item {item.idempotency_key}: target and body are required")
    if item.not_before is not None and item.not_before.tzinfo is None:
        raise ValueError(f"outbox item {item.idempotency_key}: not_before must be timezone-aware")
    return item


def enqueue(session: Session, items: list[OutboxItem | dict], *, now: datetime | None = None,
            actor: str = "system", returning: bool = True) -> list[Message]:
    """Turn actions into queued messages in the caller's transaction; idempotent by key.

    Returns the message of every item, in order (an existing one when the key was seen before; it is
    left untouched). New messages are journalled as ``message.queued`` (hashes, not the text)."""
    now = now or utcnow()
    parsed = [_item(i) for i in items]
    rows, seen = [], set()
    for it in parsed:
        if it.idempotency_key in seen:
            continue
        seen.add(it.idempotency_key)
        # A shallow copy: ``asdict`` deep-copies every field, the slowest part of queueing 100,000 messages.
        rows.append({**vars(it), "not_before": it.not_before or now, "status": QUEUED, "attempts": 0,
                     "in_doubt": False, "created_at": now})
    inserted = dict(repo.insert_new_messages(session, rows))
    if inserted:
        by_key = {r["idempotency_key"]: r for r in rows}
        append_many(session, [Event(
            "message.queued", actor=actor, loan_id=by_key[k]["loan_id"], borrower_id=by_key[k]["borrower_id"],
            subject=f"message:{mid}",
            payload={"message_id": mid, "idempotency_key": k, "channel": by_key[k]["channel"],
                     "template": by_key[k]["template"], "action_id": by_key[k]["action_id"],
                     "not_before": by_key[k]["not_before"], "body_sha256": sha256_hex(by_key[k]["body"]),
                     "target_sha256": sha256_hex(by_key[k]["target"])})
            for mid, k in inserted.items()], at=now)
    if not returning:  # the daily run queues 100,000 messages and needs none of them back
        return []
    found = {m.idempotency_key: m for m in repo.messages_by_keys(session, [it.idempotency_key for it in parsed])}
    return [found[it.idempotency_key] for it in parsed]


def cancel(session: Session, message_ids: list[int], *, reason: str, actor: str = "system") -> list[int]:
    """Cancel messages still waiting (queued / failed); returns the ids cancelled."""
    M = Message.__table__
    rows = session.execute(update(M).where(M.c.id.in_(message_ids), M.c.status.in_(WAITING))
                           .values(status=CANCELLED, last_error=reason)
                           .returning(M.c.id, M.c.loan_id, M.c.borrower_id)).all()
    append_many(session, [Event("message.cancelled", actor=actor, loan_id=lid, borrower_id=bid,
                                subject=f"message:{mid}", payload={"message_id": mid, "reason": reason})
                          for mid, lid, bid in rows])
    return sorted(r[0] for r in rows)


def cancel_waiting(session: Session, *, borrower_id: str, loan_id: str | None, reason: str,
                   actor: str = "system") -> list[int]:
    """Cancel the collection messages still waiting for a loan (all the borrower's when ``loan_id``
    is None): a legal hold or a write-off ends contact that the send-time gate has no field for."""
    q = select(Message.id).where(Message.borrower_id == borrower_id, Message.status.in_(WAITING),
                                 Message.purpose != "termination_notice")
    if loan_id is not None:
        q = q.where(Message.loan_id == loan_id)
    ids = list(session.scalars(q))
    return cancel(session, ids, reason=reason, actor=actor) if ids else []


def status_counts(session: Session) -> dict:
    """{"by_status": {status: n}, "by_channel": {channel: {status: n}}, "total": n}."""
    by_status = dict.fromkeys(STATUSES, 0)
    by_channel: dict[str, dict[str, int]] = {}
    for status, channel, n in repo.counts(session):
        by_status[status] = by_status.get(status, 0) + n
        by_channel.setdefault(channel, {})[status] = n
    return {"by_status": by_status, "by_channel": by_channel, "total": sum(by_status.values())}


def retry_parked(session: Session, *, include_in_doubt: bool = False, channel: str | None = None,
                 actor: str = "system", now: datetime | None = None) -> list[int]:
    """Put parked messages back in the queue with a fresh attempt budget. Messages parked *in doubt*
    (a worker died mid-send) stay parked unless ``include_in_doubt``: someone must first have checked
    with the provider that they did not go out."""
    now = now or utcnow()
    msgs = repo.parked(session, include_in_doubt, channel)
    ids = [m.id for m in msgs]
    if not ids:
        return []
    M = Message.__table__
    session.execute(update(M).where(M.c.id.in_(ids), M.c.status == PARKED)
                    .values(status=QUEUED, attempts=0, next_attempt_at=None, in_doubt=False, claimed_by=None,
                            lease_until=None, not_before=now))
    append_many(session, [Event("message.requeued", actor=actor, loan_id=m.loan_id, borrower_id=m.borrower_id,
                                subject=f"message:{m.id}",
                                payload={"message_id": m.id, "was_in_doubt": m.in_doubt,
                                         "last_error": (m.last_error or "")[:200]}) for m in msgs], at=now)
    return ids
