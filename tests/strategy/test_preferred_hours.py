"""Preferred contact hours: learnt from contact history (answered calls, replies, payments soon after a
message), stored per borrower by the daily run, and used by the schedule — always inside the window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.strategy.hours import best_hours, hour_counts
from accord.strategy.schedule import Window, schedule

SH = ZoneInfo("Asia/Shanghai")
ZONES = pl.DataFrame({"borrower_id": ["B1", "B2", "B3"], "timezone": ["Asia/Shanghai", "America/New_York",
                                                                      "Asia/Shanghai"]})


def _at(day: int, hour: int, minute: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=tz).astimezone(UTC)


def _events(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["borrower_id", "at", "channel", "direction", "outcome"], orient="row")


def test_an_evening_answerer_gets_an_evening_hour_and_one_event_is_not_evidence():
    ev = _events([("B1", _at(d, 10), "call", "outbound", "no_answer") for d in (3, 4, 5)]
                 + [("B1", _at(d, 19, 30), "call", "outbound", "conversation") for d in (3, 4, 5)]
                 + [("B3", _at(3, 12), "call", "outbound", "conversation")])
    counts = hour_counts(ev, pl.DataFrame(schema={"borrower_id": pl.String, "paid_at": pl.Datetime("us", "UTC")}),
                         ZONES)
    b1 = counts.filter(pl.col("borrower_id") == "B1").sort("hour")
    assert b1.rows() == [("B1", 10, 0, 3), ("B1", 19, 3, 3)]  # hours in the borrower's own zone
    best = dict(best_hours(counts).iter_rows())
    assert best == {"B1": 19 * 60}  # B3: one answered call is not enough to move anything


def test_replies_and_payments_soon_after_a_message_count_for_the_messages_hour():
    ny = ZoneInfo("America/New_York")
    ev = _events([("B2", _at(3, 18, 0, ny), "sms", "outbound", "delivered"),
                  ("B2", _at(4, 18, 0, ny), "sms", "outbound", "delivered"),
                  ("B2", _at(5, 9, 0, ny), "sms", "outbound", "delivered"),
                  ("B2", _at(6, 20, 15, ny), "sms", "inbound", None)])
    pays = pl.DataFrame({"borrower_id": ["B2", "B2", "B2"],
                         "paid_at": [_at(3, 19, 10, ny), _at(4, 18, 40, ny), _at(5, 14, 0, ny)]})
    counts = hour_counts(ev, pays, ZONES)
    got = {h: (p, a) for _, h, p, a in counts.iter_rows()}
    # 18:00 texts were followed by payments within two hours; the 09:00 one by a payment 5 h later.
    assert got[18] == (2, 2) and got[9] == (0, 1) and got[20] == (1, 0)
    assert dict(best_hours(counts).iter_rows()) == {"B2": 18 * 60}


def _planned(n: int, pref: list[int | None], channel: str = "sms") -> pl.DataFrame:
    return pl.DataFrame({"channel": [channel] * n, "timezone": ["Asia/Shanghai"] * n,
                         "preferred_minute": pref}, schema_overrides={"preferred_minute": pl.Int64})


def test_learnt_hours_move_send_times_and_stay_inside_the_window():
    out = schedule(_planned(3, [19 * 60, None, 23 * 60]), date(2026, 2, 16))
    assert out["local_time"].to_list() == ["2026-02-16 19:00", "2026-02-16 10:00", "2026-02-16 19:59"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 24 * 60 - 1)), min_size=1, max_size=400),
       st.integers(1, 7), st.sampled_from(["sms", "call", "ai_call"]))
def test_send_times_respect_the_window_the_rate_and_never_precede_the_preferred_minute(prefs, rate, channel):
    w = Window(rate={"sms": rate, "call": rate, "ai_call": rate})
    out = schedule(_planned(len(prefs), prefs, channel), date(2026, 2, 16), w)
    local = out["local_time"].str.to_datetime("%Y-%m-%d %H:%M")
    minutes = (local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)).to_list()
    days = (local.dt.date() - date(2026, 2, 16)).dt.total_days().to_list()
    assert all(w.start <= m < w.end for m in minutes)  # 08:30–20:00: inside every pack's hours
    per_minute = pl.DataFrame({"t": local}).group_by("t").len()["len"].max()
    assert per_minute <= rate
    default = w.preferred[channel]
    for p, m, d in zip(prefs, minutes, days, strict=True):
        want = default if p is None else min(max(p, w.start), w.end - 1)
        assert d > 0 or m >= want


def test_the_daily_run_learns_hours_and_sends_an_evening_answerer_in_the_evening(accord, db_url, tmp_path):
    from fixtures.book import borrower, loan, write_book

    from accord.kit.db import session_scope
    from accord.outbox.models import ContactEvent

    write_book(tmp_path / "book", borrowers=[borrower("B1", phone="+8613800000001"),
                                             borrower("B2", phone="+8613800000002")],
               loans=[loan("L1"), loan("L2", borrower_id="B2")])
    assert accord("import", str(tmp_path / "book"), db=db_url).code == 0
    with session_scope(db_url) as s:  # B1 only ever answers in the evening; B2 has no history
        for d in (10, 11, 12, 13):
            for hour, outcome in ((10, "no_answer"), (19, "conversation")):
                s.add(ContactEvent(at=_at(d, hour, 20), channel="call", direction="outbound", target="+8613800000001",
                                   actor="agent:A1", borrower_id="B1", loan_ids=["L1"], debt_ids=["L1"],
                                   outcome=outcome))
    r = accord("run", "--as-of", "2026-02-16", "--format", "json", db=db_url)
    assert r.code == 0, r
    assert r.json()["steps"]["hours"] == {"events": 8, "borrowers": 1, "hours": 2}
    acts = accord("actions", "list", "--date", "2026-02-16", "--format", "json", db=db_url).json()
    local = {(a["loan_id"], a["channel"]): datetime.fromisoformat(a["scheduled_at"]) for a in acts}
    assert {k for k in local} >= {("L1", "sms"), ("L2", "sms")}
    for (lid, _), t in local.items():
        assert t.utcoffset() == timedelta(hours=8)
        assert 8 <= t.hour < 22  # CN contact window (CN-TIME-01)
        assert (t.hour == 19) if lid == "L1" else (10 <= t.hour < 11)
    with session_scope(db_url) as s:
        from accord.strategy.models import ContactHour

        rows = {(c.hour, c.positives, c.attempts) for c in s.query(ContactHour).filter_by(borrower_id="B1")}
    assert rows == {(10, 0, 4), (19, 4, 4)}
