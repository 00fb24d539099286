"""The batch path of the journal (``chain_hashes``, ``append_columns``, ``payload_json``,
``timestamp_texts``) writes exactly the bytes the reference definition gives: ``entry_hash`` =
sha256 of ``canonical_json`` of the envelope, payloads stored as ``canonical_json``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import text

from accord.journal import service
from accord.journal.chain import GENESIS, chain_hashes, entry_hash, json_value, object_json, payload_json
from accord.kit.crypto import canonical_json
from accord.kit.db import session_scope

# Any text: unicode, quotes, backslashes, control characters (hypothesis' text() includes them).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
AWKWARD = st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "</script>", "名字", "😀", "\ud7ff"])
ID = st.one_of(st.none(), TEXT, st.builds("".join, st.lists(st.one_of(TEXT, AWKWARD), max_size=4)))
AT = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1),
                  timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]))
ENTRY = st.tuples(ID, ID, ID, ID, ID, TEXT)  # actor, kind, loan_id, borrower_id, subject, payload


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(ENTRY, min_size=1, max_size=8), start=st.integers(1, 2**62), at=AT,
       prev=st.one_of(st.just(GENESIS), TEXT))
def test_chain_hashes_equal_entry_hash_for_any_text(entries, start, at, prev):
    actor, kind, loan, borrower, subject, payload = (list(c) for c in zip(*entries, strict=True))
    got = chain_hashes(start, prev, at, actor, kind, loan, borrower, subject, payload)
    want, p = [], prev
    for i, (a, k, lid, bid, sub, pay) in enumerate(entries):
        p = entry_hash(start + i, at, a, k, lid, bid, sub, pay, p)
        want.append(p)
    assert got == want


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.none(), TEXT, AWKWARD, st.integers(), st.booleans()))
def test_json_value_is_canonical_json_of_a_scalar(value):
    assert json_value(value) == canonical_json(value)


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.one_of(TEXT, AWKWARD, st.sampled_from(["%s", "%", "a%%b"])),
                              st.one_of(st.none(), TEXT, AWKWARD, st.integers(), st.booleans(),
                                        st.lists(TEXT, max_size=3), AT), min_size=1, max_size=8))
def test_object_json_writes_canonical_json_of_the_object(fields):
    keys = list(fields)
    assert object_json(*keys)(*(fields[k] for k in keys)) == canonical_json(fields)
    # Values given already encoded (every other key) are written as they are.
    encoded = tuple(keys[::2])
    values = [canonical_json(fields[k]) if k in encoded else fields[k] for k in keys]
    assert object_json(*keys, encoded=encoded)(*values) == canonical_json(fields)


PAYLOAD = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT, AWKWARD, AT, st.dates(),
              st.decimals(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(payload=st.dictionaries(TEXT, PAYLOAD, max_size=6))
def test_payload_json_is_canonical_json(payload):
    assert payload_json(payload) == canonical_json(payload)


@settings(max_examples=100, deadline=None)
@given(stamps=st.lists(st.one_of(st.none(), st.datetimes(min_value=datetime(1970, 1, 1),
                                                          max_value=datetime(2200, 1, 1))), max_size=10))
def test_timestamp_texts_are_the_isoformat_canonical_json_writes(stamps):
    aware = [None if s is None else s.replace(tzinfo=UTC) for s in stamps]
    got = service.timestamp_texts(pl.Series(aware, dtype=pl.Datetime("us", "UTC"))).to_list()
    # canonical_json writes a timestamp as its isoformat text, inside a JSON string.
    assert [None if g is None else canonical_json(g) for g in got] == \
        [None if a is None else canonical_json(a) for a in aware]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(ENTRY, min_size=1, max_size=5))
def test_append_columns_stores_what_append_many_would(db_url, entries):
    """Same rows whichever way they are appended: the columnar path and Event objects chain alike,
    and ``verify`` recomputes every hash from the stored row."""
    entries = [tuple(v if v is None else v.replace("\x00", "") for v in e) for e in entries]  # PG text has no NUL
    at = datetime(2026, 6, 30, 1, 2, 3, 456789, tzinfo=UTC)
    payloads = [{"n": i, "text": e[5], "when": at, "day": date(2026, 6, 30), "amount": Decimal("1.10")}
                for i, e in enumerate(entries)]
    with session_scope(db_url) as s:
        s.execute(text("DELETE FROM journal"))
        first = service.append_many(s, [service.Event(e[1] or "k", p, e[0] or "a", e[2], e[3], e[4])
                                        for e, p in zip(entries, payloads, strict=True)], at=at)
        n = service.append_columns(s, kind=[e[1] or "k" for e in entries], actor=[e[0] or "a" for e in entries],
                                   loan_id=[e[2] for e in entries], borrower_id=[e[3] for e in entries],
                                   subject=[e[4] for e in entries], payload=[payload_json(p) for p in payloads], at=at)
        assert n == len(entries)
        rows = s.execute(text("SELECT seq, actor, kind, loan_id, borrower_id, subject, payload, prev_hash, hash "
                              "FROM journal ORDER BY seq")).all()
    k = len(entries)
    assert [r.payload for r in rows[:k]] == [r.payload for r in rows[k:]] == [canonical_json(p) for p in payloads]
    assert [(r.actor, r.kind, r.loan_id, r.borrower_id, r.subject) for r in rows[:k]] == \
        [(r.actor, r.kind, r.loan_id, r.borrower_id, r.subject) for r in rows[k:]]
    assert [r.hash for r in rows[:k]] == [e.hash for e in first]
    for r in rows:  # the reference definition, row by row
        assert r.hash == entry_hash(r.seq, at, r.actor, r.kind, r.loan_id, r.borrower_id, r.subject, r.payload,
                                    r.prev_hash)
    with session_scope(db_url) as s:
        assert service.verify(s).intact


def test_append_columns_takes_one_kind_for_all_and_verify_passes(db_url, accord):
    with session_scope(db_url) as s:
        service.append(s, "test.first", payload={"n": 0})
        assert service.append_columns(s, kind="test.many", payload=[payload_json({"n": i}) for i in range(1, 4)],
                                      subject=[f"x:{i}" for i in range(1, 4)]) == 3
        assert service.append_columns(s, kind="test.none", payload=[]) == 0
        rows = s.execute(text("SELECT kind, actor, loan_id, subject FROM journal ORDER BY seq")).all()
    assert [tuple(r) for r in rows] == [("test.first", "system", None, None), ("test.many", "system", None, "x:1"),
                                        ("test.many", "system", None, "x:2"), ("test.many", "system", None, "x:3")]
    res = accord("journal", "verify", db=db_url)
    assert res.code == 0 and res.stdout.strip() == "intact: 4 entries", res
