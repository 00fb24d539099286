"""Outbox orchestration for callers: enqueue (in the caller's transaction), cancel, status counts,
retry of parked messages. Services never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accord.journal.service import Event, append_columns, append_many, object_json, timestamp_texts
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
    if parsed:
        df = pl.DataFrame({f: [getattr(it, f) for it in parsed] for f in _SCHEMA}, schema=_SCHEMA)
        # The journal keeps not_before as given (its own offset), as it always has.
        _queue(session, df.with_columns(pl.Series(_NB_TEXT, [(it.not_before or now).isoformat() for it in parsed],
                                                  dtype=pl.String)), now, actor)
    if not returning:
        return []
    found = {m.idempotency_key: m for m in repo.messages_by_keys(session, [it.idempotency_key for it in parsed])}
    return [found[it.idempotency_key] for it in parsed]


def enqueue_frame(session: Session, items: pl.DataFrame, *, now: datetime | None = None,
                  actor: str = "system") -> int:
    """``enqueue`` for the daily run: one row per item (``OutboxItem``'s fields as columns; the
    optional ones may be left out), validated by column, nothing returned but the number of new
    messages. Same rules: the first row of a key wins, a key already queued is left untouched, new
    messages are journalled."""
    now = now or utcnow()
    if items.height == 0:
        return 0
    _check_frame(items)
    df = items.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in _SCHEMA.items() if c not in items.columns)
    df = df.with_columns(pl.col("lang").fill_null("zh"), pl.col("purpose").fill_null("collection"))
    df = df.select(pl.col(c).cast(t) for c, t in _SCHEMA.items())
    nb_text = timestamp_texts(df["not_before"]).fill_null(now.isoformat()).alias(_NB_TEXT)
    return _queue(session, df.with_columns(nb_text), now, actor)


_SCHEMA = {f.name: pl.Datetime("us", "UTC") if f.name == "not_before" else pl.String for f in fields(OutboxItem)}
_NB_TEXT = "_not_before_text"  # what the journal payload says for not_before
_REQUIRED = ("idempotency_key", "borrower_id", "channel", "target", "body")


def _check_frame(items: pl.DataFrame) -> None:
    """``_item``'s checks by column; the first offending row is reported as ``_item`` reports it."""
    unknown = set(items.columns) - _ITEM_FIELDS
    if unknown:
        raise ValueError(f"outbox item has unknown field(s): {', '.join(sorted(unknown))}")
    missing = [c for c in _REQUIRED if c not in items.columns]
    if missing:
        raise ValueError(f"outbox items need the field(s) {', '.join(missing)}")
    nb = items.schema.get("not_before")
    naive = isinstance(nb, pl.Datetime) and nb.time_zone is None
    key, blank = pl.col("idempotency_key"), lambda c: pl.col(c).is_null() | (pl.col(c) == "")
    flags = items.select(
        (key.is_null() | ~key.str.len_chars().is_between(1, 128)).alias("key"),
        (pl.col("channel").is_null() | ~pl.col("channel").is_in(CHANNELS)).alias("channel"),
        (blank("target") | blank("body")).alias("required"),
        (pl.col("not_before").is_not_null() if naive else pl.lit(False)).alias("naive"))
    bad = flags.with_row_index().filter(pl.any_horizontal(pl.exclude("index")))
    if bad.height == 0:
        return
    first = bad.row(0, named=True)
    k, channel = items["idempotency_key"][first["index"]], items["channel"][first["index"]]
    if first["key"]:
        raise ValueError("an outbox item needs an idempotency_key of 1 to 128 characters")
    if first["channel"]:
        raise ValueError(f"outbox item {k}: channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if first["required"]:
        raise ValueError(f"outbox item {k}: target and body are required")
    raise ValueError(f"outbox item {k}: not_before must be timezone-aware")


def _queue(session: Session, df: pl.DataFrame, now: datetime, actor: str) -> int:
    """Insert the items whose key is new (the first row of a repeated key) and journal them."""
    df = df.unique("idempotency_key", keep="first", maintain_order=True).with_columns(
        pl.col("not_before").fill_null(pl.lit(now, pl.Datetime("us", "UTC"))), pl.lit(QUEUED).alias("status"),
        pl.lit(0).alias("attempts"), pl.lit(False).alias("in_doubt"),
        pl.lit(now, pl.Datetime("us", "UTC")).alias("created_at"))
    ids = repo.insert_new_messages(session, df.drop(_NB_TEXT))
    if not ids:
        return 0
    new = pl.DataFrame(ids, schema={"message_id": pl.Int64, "idempotency_key": pl.String}, orient="row") \
        .join(df, on="idempotency_key").sort("message_id")
    sha = hashlib.sha256
    # canonical_json of the same object as always; a timestamp as its isoformat text, which is what
    # canonical_json writes for one.
    c = {k: new[k].to_list() for k in ("message_id", "idempotency_key", "channel", "template", "action_id",
                                       _NB_TEXT, "body", "target", "loan_id", "borrower_id")}
    write = object_json("message_id", "idempotency_key", "channel", "template", "action_id", "not_before",
                        "body_sha256", "target_sha256")
    payloads = [write(mid, k, ch, tpl, aid, nb, sha(body.encode()).hexdigest(), sha(tgt.encode()).hexdigest())
                for mid, k, ch, tpl, aid, nb, body, tgt in zip(
                    c["message_id"], c["idempotency_key"], c["channel"], c["template"], c["action_id"], c[_NB_TEXT],
                    c["body"], c["target"], strict=True)]
    append_columns(session, kind="message.queued", actor=actor, loan_id=c["loan_id"], borrower_id=c["borrower_id"],
                   subject=[f"message:{mid}" for mid in c["message_id"]], payload=payloads, at=now)
    return new.height


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
