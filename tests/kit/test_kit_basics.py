"""Shared plumbing: money, time, crypto, database types and the columnar read path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.kit.crypto import canonical_json, decrypt, encrypt, sha256_hex
from accord.kit.money import fmt_minor, from_minor, parse_decimal, to_minor
from accord.kit.timeutil import epoch_day, from_epoch_day, parse_date, parse_timestamp, zone


@pytest.mark.parametrize("text,minor", [("1050", 105000), ("1,050.00", 105000), ("¥12.345", 1235), ("0.005", 1),
                                        ("0.004", 0), ("-1.005", -101), ("$3", 300)])
def test_to_minor_rounds_half_up(text, minor):
    assert to_minor(text) == minor


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "1.2.3"])
def test_parse_decimal_refuses_non_numbers(bad):
    with pytest.raises(ValueError):
        parse_decimal(bad)


def test_fmt_minor_contract_format():
    assert fmt_minor(105000) == "1050.00" and fmt_minor(5) == "0.05" and fmt_minor(0) == "0.00"
    assert fmt_minor(-1230) == "-12.30"
    assert from_minor(12345) == Decimal("123.45")


@given(st.integers(-10**15, 10**15))
def test_minor_round_trip(minor):
    assert to_minor(fmt_minor(minor)) == minor


def test_parse_timestamp_refuses_naive():
    with pytest.raises(ValueError, match="naive"):
        parse_timestamp("2026-03-01T10:00:00")
    assert parse_timestamp("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2026-03-01T10:00:00+08:00").utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_timestamp("yesterday")


def test_parse_date_and_zone():
    assert parse_date("2026-02-28") == date(2026, 2, 28)
    with pytest.raises(ValueError):
        parse_date("2026-02-29")
    with pytest.raises(ValueError):
        parse_date(datetime(2026, 1, 1, tzinfo=UTC))
    assert str(zone("Asia/Shanghai")) == "Asia/Shanghai"
    for bad in ("Mars/Olympus", "", " Asia/Shanghai"):
        with pytest.raises(ValueError, match="unknown time zone"):
            zone(bad)


@given(st.dates())
def test_epoch_day_round_trip(d):
    assert from_epoch_day(epoch_day(d)) == d
    assert epoch_day(date(1970, 1, 1)) == 0


def test_encryption_round_trip_is_randomised():
    a, b = encrypt("110101199001011234"), encrypt("110101199001011234")
    assert a != b and decrypt(a) == decrypt(b) == "110101199001011234"


def test_canonical_json_is_deterministic():
    assert canonical_json({"b": Decimal("1.50"), "a": date(2026, 1, 2), "c": "张"}) == \
        '{"a":"2026-01-02","b":"1.50","c":"张"}'
    assert sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_utc_datetime_column_refuses_naive_and_returns_aware(db_url):
    from accord.kit.db import session_scope
    from accord.journal.models import JournalEntry

    shanghai = timezone(timedelta(hours=8))
    with session_scope(db_url) as s:
        s.add(JournalEntry(seq=1, at=datetime(2026, 3, 1, 18, 0, tzinfo=shanghai), actor="a", kind="k",
                           payload="{}", prev_hash="0", hash="0"))
    with session_scope(db_url) as s:
        got = s.get(JournalEntry, 1).at
    assert got == datetime(2026, 3, 1, 10, 0, tzinfo=UTC) and got.tzinfo is not None
    with pytest.raises(Exception, match="naive datetime refused"):
        with session_scope(db_url) as s:
            s.add(JournalEntry(seq=2, at=datetime(2026, 3, 1), actor="a", kind="k", payload="{}",
                               prev_hash="0", hash="0"))
            s.flush()


def test_columnar_reads_see_what_the_session_committed_in_the_same_process(db_url):
    """Regression: on SQLite the Arrow reader is a second SQLite library in the process; closing it
    used to delete the WAL under the session's connection, hiding later commits from new readers."""
    from sqlalchemy import text

    from accord.kit.db import session_scope
    from accord.kit.frames import read_frame, reader

    for n in range(1, 4):
        with session_scope(db_url) as s:
            s.execute(text("INSERT INTO lenders (id, name, kind) VALUES (:i, :i, 'institution')"), {"i": f"LD{n}"})
        with session_scope(db_url) as s, reader(s) as conn:
            assert read_frame(conn, "SELECT COUNT(*) AS n FROM lenders")["n"].to_list() == [n]


def test_migrations_run_twice(db_url):
    from accord.kit.migrate import current_revision, upgrade

    rev = current_revision(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == rev is not None
