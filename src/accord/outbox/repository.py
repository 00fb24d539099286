"""Queries of the outbox, the contact history and replies. Every write that a concurrent worker could
race is a single guarded statement (``... WHERE status = ... AND attempts = ...``) whose RETURNING
clause says whether this worker won."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from accord.loans.models import Borrower, ContactPerson, ContactPoint
from accord.outbox.models import (
    CLAIMED, PARKED, SENDING, ContactEvent, Message, Reply, ReplyAction,
)
from accord.outbox.states import WAITING

M = Message.__table__


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- enqueue ---------------------------------------------------------------------------------------
def insert_new_messages(session: Session, df) -> list[tuple[int, str]]:  # noqa: ANN001 - a polars DataFrame
    """Insert the rows (one per key, columns named as the table's) whose idempotency key is new;
    returns (id, key) of the rows actually inserted, in id order."""
    import polars as pl

    if df.height == 0:
        return []
    raw = session.connection().connection.dbapi_connection
    cols = ", ".join(df.columns)
    if not _is_pg(session):
        # Timestamps as SQLAlchemy stores them on SQLite (naive UTC text), as kit.frames does.
        df = df.with_columns(pl.col(c).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
                             for c, t in df.schema.items() if isinstance(t, pl.Datetime))
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO messages ({cols}) VALUES ({', '.join('?' * len(df.columns))}) "
                            "ON CONFLICT (idempotency_key) DO NOTHING", df.iter_rows())
            n = cur.rowcount
            if n <= 0:
                return []
            # The rows inserted are the newest ``n`` ids: SQLite gives a new row the id after the
            # largest one, and this transaction holds the only write lock from its first insert to
            # its commit. When every row was new they are consecutive, in the rows' order.
            last = cur.execute("SELECT last_insert_rowid()").fetchone()[0]
            if n == df.height and cur.execute("SELECT count(*) FROM messages WHERE id BETWEEN ? AND ?",
                                              (last - n + 1, last)).fetchone()[0] == n:
                return list(zip(range(last - n + 1, last + 1), df["idempotency_key"].to_list(), strict=True))
            return sorted(cur.execute("SELECT id, idempotency_key FROM messages ORDER BY id DESC LIMIT ?",
                                      (n,)).fetchall())
        finally:
            cur.close()
    from accord.kit.frames import bulk_insert

    with raw.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS tmp_new_messages")
        cur.execute(f"CREATE TEMP TABLE tmp_new_messages ON COMMIT DROP AS SELECT {cols}, CAST(0 AS BIGINT) AS ord "
                    "FROM messages WITH NO DATA")
    bulk_insert(session, "tmp_new_messages", df.with_row_index("ord"))
    with raw.cursor() as cur:
        cur.execute(f"INSERT INTO messages ({cols}) SELECT {cols} FROM tmp_new_messages ORDER BY ord "
                    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key")
        out = sorted(tuple(r) for r in cur.fetchall())
        cur.execute("DROP TABLE tmp_new_messages")
    return out


def messages_by_keys(session: Session, keys: Sequence[str]) -> list[Message]:
    out: list[Message] = []
    for i in range(0, len(keys), 500):
        out.extend(session.scalars(select(Message).where(Message.idempotency_key.in_(keys[i:i + 500]))))
    return out


# -- claiming --------------------------------------------------------------------------------------
def _claimable(now: datetime, channels: Sequence[str] | None):  # noqa: ANN202
    due = and_(M.c.status.in_(WAITING), M.c.not_before <= now,
               or_(M.c.next_attempt_at.is_(None), M.c.next_attempt_at <= now))
    # A claim whose worker vanished before marking the message ``sending``: the adapter was never
    # called for this attempt, so taking it over cannot send it twice.
    stale = and_(M.c.status == CLAIMED, M.c.lease_until < now)
    cond = or_(due, stale)
    return and_(cond, M.c.channel.in_(list(channels))) if channels else cond


def claim(session: Session, worker_id: str, now: datetime, lease: timedelta, limit: int,
          channels: Sequence[str] | None = None) -> list[int]:
    """Atomically take up to ``limit`` due messages; returns the ids this worker now owns.

    PostgreSQL: the candidate rows are locked ``FOR UPDATE SKIP LOCKED``, so concurrent workers skip
    each other's rows instead of waiting. SQLite: one conditional UPDATE (SQLite runs one writer at a
    time, and the WHERE re-checks the status), so two workers can never both win a row."""
    cond = _claimable(now, channels)
    pick = select(M.c.id).where(cond).order_by(M.c.not_before, M.c.id).limit(limit)
    if _is_pg(session):
        pick = pick.with_for_update(skip_locked=True)
    stmt = (update(M).where(M.c.id.in_(pick.scalar_subquery()), cond)
            .values(status=CLAIMED, claimed_by=worker_id, claimed_at=now, lease_until=now + lease)
            .returning(M.c.id))
    return sorted(r[0] for r in session.execute(stmt))


def load(session: Session, ids: Iterable[int]) -> list[Message]:
    ids = list(ids)
    return list(session.scalars(select(Message).where(Message.id.in_(ids)).order_by(Message.id))) if ids else []


def mark_sending(session: Session, worker_id: str, ids: list[int], lease_until: datetime) -> dict[int, int]:
    """claimed -> sending (attempts + 1) for the rows this worker still owns: {id: attempt number}."""
    if not ids:
        return {}
    stmt = (update(M).where(M.c.id.in_(ids), M.c.status == CLAIMED, M.c.claimed_by == worker_id)
            .values(status=SENDING, attempts=M.c.attempts + 1, lease_until=lease_until)
            .returning(M.c.id, M.c.attempts))
    return {r[0]: r[1] for r in session.execute(stmt)}


def set_blocked(session: Session, worker_id: str, message_id: int, rules: list[str], reason: str) -> bool:
    stmt = (update(M).where(M.c.id == message_id, M.c.status == CLAIMED, M.c.claimed_by == worker_id)
            .values(status="blocked", gate_rules=rules, last_error=reason, lease_until=None)
            .returning(M.c.id))
    return session.execute(stmt).first() is not None


def finish(session: Session, message_id: int, attempt: int, values: dict, *, late_ok: bool = False) -> bool:
    """Record the outcome of send ``attempt``; false when the row moved on (another worker reconciled
    it). ``late_ok``: a success may also overwrite an in-doubt park of the same attempt."""
    ok = M.c.status == SENDING
    if late_ok:
        ok = or_(ok, and_(M.c.status == PARKED, M.c.in_doubt.is_(True)))
    stmt = (update(M).where(M.c.id == message_id, M.c.attempts == attempt, ok)
            .values(lease_until=None, **values).returning(M.c.id))
    return session.execute(stmt).first() is not None


def take_in_doubt(session: Session, worker_id: str, now: datetime, lease: timedelta, limit: int,
                  channels: Sequence[str] | None = None) -> dict[int, int]:
    """Take over messages left in ``sending`` past their lease (their worker died mid-send)."""
    cond = and_(M.c.status == SENDING, M.c.lease_until < now)
    if channels:
        cond = and_(cond, M.c.channel.in_(list(channels)))
    pick = select(M.c.id).where(cond).order_by(M.c.id).limit(limit)
    if _is_pg(session):
        pick = pick.with_for_update(skip_locked=True)
    stmt = (update(M).where(M.c.id.in_(pick.scalar_subquery()), cond)
            .values(claimed_by=worker_id, claimed_at=now, lease_until=now + lease)
            .returning(M.c.id, M.c.attempts))
    return {r[0]: r[1] for r in session.execute(stmt)}


def requeue(session: Session, message_id: int, attempt: int, note: str) -> bool:
    stmt = (update(M).where(M.c.id == message_id, M.c.attempts == attempt, M.c.status == SENDING)
            .values(status="queued", next_attempt_at=None, claimed_by=None, lease_until=None, last_error=note)
            .returning(M.c.id))
    return session.execute(stmt).first() is not None


def counts(session: Session) -> list[tuple[str, str, int]]:
    rows = session.execute(select(M.c.status, M.c.channel, func.count()).group_by(M.c.status, M.c.channel)
                           .order_by(M.c.status, M.c.channel))
    return [(s, c, n) for s, c, n in rows]


def parked(session: Session, include_in_doubt: bool, channel: str | None = None) -> list[Message]:
    q = select(Message).where(Message.status == PARKED)
    if not include_in_doubt:
        q = q.where(Message.in_doubt.is_(False))
    if channel:
        q = q.where(Message.channel == channel)
    return list(session.scalars(q.order_by(Message.id)))


def by_provider_id(session: Session, provider_id: str) -> Message | None:
    return session.scalars(select(Message).where(Message.provider_id == provider_id)
                           .order_by(Message.id.desc()).limit(1)).first()


# -- contact events, replies, actions ---------------------------------------------------------------
def insert_events(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(ContactEvent), rows)


def add(session: Session, obj):  # noqa: ANN001, ANN201
    session.add(obj)
    session.flush()
    return obj


def event_for_message(session: Session, message_id: int) -> ContactEvent | None:
    return session.scalars(select(ContactEvent).where(ContactEvent.message_id == message_id)
                           .order_by(ContactEvent.id).limit(1)).first()


def recent_events(session: Session, borrower_id: str, since: datetime) -> list[ContactEvent]:
    return list(session.scalars(select(ContactEvent).where(ContactEvent.borrower_id == borrower_id,
                                                          ContactEvent.at >= since).order_by(ContactEvent.at)))


def sending_for(session: Session, borrower_id: str, exclude_id: int) -> list[Message]:
    """Messages on their way out (``sending``): contacts the gate must count though no event exists yet."""
    return list(session.scalars(select(Message).where(Message.borrower_id == borrower_id, Message.status == SENDING,
                                                      Message.id != exclude_id)))


def events_for(session: Session, borrower_id: str) -> list[ContactEvent]:
    return list(session.scalars(select(ContactEvent).where(ContactEvent.borrower_id == borrower_id)
                                .order_by(ContactEvent.at, ContactEvent.id)))


def replies_for(session: Session, borrower_id: str) -> list[Reply]:
    return list(session.scalars(select(Reply).where(Reply.borrower_id == borrower_id).order_by(Reply.id)))


def actions_for(session: Session, borrower_id: str, kind: str | None = None, open_only: bool = False
                ) -> list[ReplyAction]:
    q = select(ReplyAction).where(ReplyAction.borrower_id == borrower_id)
    if kind:
        q = q.where(ReplyAction.kind == kind)
    if open_only:
        q = q.where(ReplyAction.released_at.is_(None))
    return list(session.scalars(q.order_by(ReplyAction.id)))


# -- borrower facts for the gate and for inbound matching ------------------------------------------
def borrower(session: Session, borrower_id: str) -> Borrower | None:
    return session.get(Borrower, borrower_id)


def contact_points(session: Session, borrower_id: str) -> list[ContactPoint]:
    return list(session.scalars(select(ContactPoint).where(ContactPoint.borrower_id == borrower_id)
                                .order_by(ContactPoint.id)))


def contact_persons(session: Session, borrower_id: str) -> list[ContactPerson]:
    return list(session.scalars(select(ContactPerson).where(ContactPerson.borrower_id == borrower_id)
                                .order_by(ContactPerson.id)))


def points_with_value(session: Session, value: str) -> list[ContactPoint]:
    return list(session.scalars(select(ContactPoint).where(ContactPoint.value == value).order_by(ContactPoint.id)))


def borrowers_with(session: Session, *, phone: str | None = None, email: str | None = None) -> list[Borrower]:
    q = select(Borrower)
    q = q.where(Borrower.phone == phone) if phone else q.where(func.lower(Borrower.email) == (email or "").lower())
    return list(session.scalars(q.order_by(Borrower.id)))


def last_outbound_to(session: Session, target: str) -> Message | None:
    """The latest message sent to an address (to tie a reply to the loan it answers)."""
    return session.scalars(select(Message).where(Message.target == target, Message.sent_at.is_not(None))
                           .order_by(Message.sent_at.desc()).limit(1)).first()


# -- the same facts for a whole claimed batch (one query per table; the gate's batch port) ----------
def _chunks(ids: Sequence[str], size: int = 1000) -> list[list[str]]:
    ids = sorted(set(ids))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _grouped(session: Session, model, stmt_for, borrower_ids: Sequence[str]) -> dict[str, list]:  # noqa: ANN001
    out: dict[str, list] = {}
    for chunk in _chunks(borrower_ids):
        for row in session.scalars(stmt_for(model.borrower_id.in_(chunk))):
            out.setdefault(row.borrower_id, []).append(row)
    return out


def borrowers_by_id(session: Session, borrower_ids: Sequence[str]) -> dict[str, Borrower]:
    out: dict[str, Borrower] = {}
    for chunk in _chunks(borrower_ids):
        out.update((b.id, b) for b in session.scalars(select(Borrower).where(Borrower.id.in_(chunk))))
    return out


def contact_points_of(session: Session, borrower_ids: Sequence[str]) -> dict[str, list[ContactPoint]]:
    return _grouped(session, ContactPoint, lambda c: select(ContactPoint).where(c).order_by(ContactPoint.id),
                    borrower_ids)


def contact_persons_of(session: Session, borrower_ids: Sequence[str]) -> dict[str, list[ContactPerson]]:
    return _grouped(session, ContactPerson, lambda c: select(ContactPerson).where(c).order_by(ContactPerson.id),
                    borrower_ids)


def open_actions_of(session: Session, borrower_ids: Sequence[str]) -> dict[str, list[ReplyAction]]:
    return _grouped(session, ReplyAction, lambda c: select(ReplyAction).where(c, ReplyAction.released_at.is_(None))
                    .order_by(ReplyAction.id), borrower_ids)


def recent_events_of(session: Session, borrower_ids: Sequence[str], since: datetime) -> dict[str, list[ContactEvent]]:
    return _grouped(session, ContactEvent, lambda c: select(ContactEvent).where(c, ContactEvent.at >= since)
                    .order_by(ContactEvent.at), borrower_ids)


def sending_of(session: Session, borrower_ids: Sequence[str], exclude_ids: Iterable[int]) -> dict[str, list[Message]]:
    """``sending_for`` for many borrowers at once."""
    skip = set(exclude_ids)
    got = _grouped(session, Message, lambda c: select(Message).where(c, Message.status == SENDING), borrower_ids)
    return {b: [m for m in ms if m.id not in skip] for b, ms in got.items()}

