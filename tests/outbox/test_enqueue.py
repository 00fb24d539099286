"""Enqueue: an action becomes one message row in the caller's transaction, idempotent by key."""

from __future__ import annotations

import itertools
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from outbox_helpers import NOON_CN
from accord.journal.models import JournalEntry
from accord.journal.service import verify
from accord.kit.crypto import canonical_json, sha256_hex
from accord.kit.db import session_scope
from accord.outbox.models import Message
from accord.outbox.service import OutboxItem, cancel, enqueue, enqueue_frame, status_counts

RUNS = itertools.count()
BODY = "【安信借】您好，您的账单已到期，请及时还款。退订回T"


def item(key: str, **kw) -> OutboxItem:
    base = dict(idempotency_key=key, borrower_id="B1", loan_id="L1", channel="sms", target="+8613800000001",
                body=BODY, template="reminder_m1_soft")
    return OutboxItem(**{**base, **kw})


def n_rows(url, model=Message, **where):
    with session_scope(url) as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_enqueue_is_idempotent_by_key(url):
    with session_scope(url) as s:
        first = enqueue(s, [item("act-1"), item("act-2", channel="email", target="b1@example.com")], now=NOON_CN)
    with session_scope(url) as s:
        again = enqueue(s, [item("act-1", body="a different text"), item("act-1"), item("act-3")], now=NOON_CN)
    assert again[0].id == again[1].id == first[0].id
    assert again[0].body == BODY                              # the existing row is left untouched
    assert n_rows(url) == 3
    assert n_rows(url, JournalEntry, kind="message.queued") == 3
    with session_scope(url) as s:
        m = s.get(Message, first[0].id)
        assert (m.status, m.attempts, m.not_before) == ("queued", 0, NOON_CN)


def test_enqueue_joins_the_callers_transaction(url):
    with pytest.raises(RuntimeError):
        with session_scope(url) as s:
            enqueue(s, [item("rolled-back")], now=NOON_CN)
            raise RuntimeError("the caller's unit of work fails")
    assert n_rows(url) == 0 and n_rows(url, JournalEntry, kind="message.queued") == 0


def test_enqueue_validates_items(url):
    with session_scope(url) as s:
        for bad, match in ((dict(channel="fax"), "channel must be one of"), (dict(body=""), "required"),
                           (dict(not_before=NOON_CN.replace(tzinfo=None)), "timezone-aware")):
            with pytest.raises(ValueError, match=match):
                enqueue(s, [item("x", **bad)])
        with pytest.raises(ValueError, match="unknown field"):
            enqueue(s, [{"idempotency_key": "y", "borrower_id": "B1", "channel": "sms", "target": "1",
                         "body": "b", "colour": "red"}])


def test_cancel_only_waiting_messages(url):
    with session_scope(url) as s:
        ms = enqueue(s, [item("c1"), item("c2", not_before=NOON_CN + timedelta(days=1))], now=NOON_CN)
        s.get(Message, ms[1].id).status = "sent"
    with session_scope(url) as s:
        assert cancel(s, [ms[0].id, ms[1].id], reason="case closed") == [ms[0].id]
        counts = status_counts(s)
    assert counts["by_status"]["cancelled"] == 1 and counts["by_channel"]["sms"] == {"cancelled": 1, "sent": 1}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), min_size=1, max_size=4),
       )
def test_rows_equal_distinct_keys_whatever_the_repeats(url, batches):
    prefix = f"run{next(RUNS)}"
    ids: dict[str, int] = {}
    for keys in batches:
        with session_scope(url) as s:
            for k, m in zip(keys, enqueue(s, [item(f"{prefix}-{k}") for k in keys], now=NOON_CN)):
                assert ids.setdefault(k, m.id) == m.id     # one key, one message, forever
    with session_scope(url) as s:
        n = s.scalar(select(func.count()).select_from(Message).where(Message.idempotency_key.like(f"{prefix}-%")))
    assert n == len({k for keys in batches for k in keys})


# -- the daily run's path: enqueue_frame ------------------------------------------------------------

def _frame(rows: list[OutboxItem]) -> pl.DataFrame:
    return pl.DataFrame({f: [getattr(r, f) for r in rows] for f in ("idempotency_key", "borrower_id", "loan_id",
                                                                       "channel", "target", "body", "template",
                                                                       "not_before")},
                        schema_overrides={"not_before": pl.Datetime("us", "UTC")})


def test_enqueue_frame_queues_and_journals_like_enqueue(url):
    later = NOON_CN + timedelta(hours=3)
    rows = [item("f-1", not_before=later), item("f-2", channel="email", target="b1@example.com", not_before=later),
            item("f-1", body="the first row of a key wins", not_before=later)]
    with session_scope(url) as s:
        assert enqueue_frame(s, _frame(rows), now=NOON_CN, actor="batch") == 2
    with session_scope(url) as s:
        assert enqueue_frame(s, _frame([item("f-2", not_before=later), item("f-3", not_before=later)]),
                             now=NOON_CN) == 1                          # f-2 exists: left untouched
        msgs = {m.idempotency_key: m for m in s.scalars(select(Message))}
        events = {e.subject: e for e in s.scalars(select(JournalEntry).where(JournalEntry.kind == "message.queued"))}
        assert verify(s).intact
    assert set(msgs) == {"f-1", "f-2", "f-3"} and msgs["f-1"].body == BODY and msgs["f-2"].channel == "email"
    for m in msgs.values():
        assert (m.status, m.attempts, m.in_doubt, m.not_before, m.lang, m.purpose) == (
            "queued", 0, False, later, "zh", "collection")
        e = events[f"message:{m.id}"]
        assert (e.actor, e.loan_id, e.borrower_id) == ("system" if m.idempotency_key == "f-3" else "batch", "L1", "B1")
        assert e.payload == canonical_json({  # what enqueue has always journalled
            "message_id": m.id, "idempotency_key": m.idempotency_key, "channel": m.channel, "template": m.template,
            "action_id": None, "not_before": later, "body_sha256": sha256_hex(m.body),
            "target_sha256": sha256_hex(m.target)})


def test_enqueue_frame_validates_as_enqueue_does(url):
    cases = [dict(channel="fax"), dict(body=""), dict(target=""), dict(idempotency_key=""),
             dict(idempotency_key="k" * 129)]
    with session_scope(url) as s:
        for bad in cases:
            rows = [item("ok-1"), item("x", **bad), item("y", channel="fax")]
            with pytest.raises(ValueError) as want:
                enqueue(s, rows)
            with pytest.raises(ValueError) as got:
                enqueue_frame(s, _frame(rows))
            assert str(got.value) == str(want.value)
        naive = _frame([item("n")]).with_columns(pl.col("not_before").fill_null(NOON_CN).dt.replace_time_zone(None))
        with pytest.raises(ValueError, match="timezone-aware"):
            enqueue_frame(s, naive)
        with pytest.raises(ValueError, match="unknown field"):
            enqueue_frame(s, _frame([item("u")]).with_columns(pl.lit("red").alias("colour")))
        with pytest.raises(ValueError, match="target"):
            enqueue_frame(s, _frame([item("m")]).drop("target"))
    assert n_rows(url) == 0
