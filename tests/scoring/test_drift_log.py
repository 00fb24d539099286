"""Daily PSI monitoring stored in ``score_monitoring``: replace-per-day, journalled
warnings (once per day and variable), history by date range, and ``accord model monitor --target``."""

from __future__ import annotations

import json
from datetime import date

from accord.journal import repository as journal
from accord.kit.db import session_scope
from accord.scoring import drift_log


def _psi(score: float, **features: float) -> list[dict]:
    rows = [{"name": "p_bad", "kind": "score", "psi": score, "warning": score > 0.25}]
    return rows + [{"name": n, "kind": "feature", "psi": v, "warning": v > 0.25} for n, v in features.items()]


def _warnings(url: str) -> list[dict]:
    with session_scope(url) as s:
        return [json.loads(e.payload) if isinstance(e.payload, str) else e.payload
                for e in journal.by_kind(s, "model.drift_warning")]


def test_a_day_is_replaced_not_duplicated_and_a_warning_is_journalled_once(db_url):
    day = date(2026, 6, 30)
    with session_scope(db_url) as s:
        stored = drift_log.record(s, day, "roll", "roll-gbm-v1", _psi(0.01, dpd=0.40, balance_minor=0.02), 5000)
    assert [(r["variable"], r["status"]) for r in stored] == [("p_bad", "ok"), ("dpd", "warn"), ("balance_minor", "ok")]
    with session_scope(db_url) as s:  # the same day again (a re-run): same rows, no second event
        drift_log.record(s, day, "roll", "roll-gbm-v1", _psi(0.01, dpd=0.40, balance_minor=0.02), 5000)
    with session_scope(db_url) as s:
        rows = drift_log.history(s, "roll")
    assert len(rows) == 3 and {r["accounts"] for r in rows} == {5000}
    events = _warnings(db_url)
    assert len(events) == 1
    assert events[0]["target"] == "roll" and events[0]["as_of"] == "2026-06-30"
    assert [v["variable"] for v in events[0]["variables"]] == ["dpd"] and events[0]["variables"][0]["psi"] == 0.4
    with session_scope(db_url) as s:  # a new variable shifts the same day: only it is journalled
        drift_log.record(s, day, "roll", "roll-gbm-v1", _psi(0.30, dpd=0.40, balance_minor=0.02), 5000)
    events = _warnings(db_url)
    assert len(events) == 2 and [v["variable"] for v in events[1]["variables"]] == ["p_bad"]
    with session_scope(db_url) as s:  # another target is its own history
        drift_log.record(s, day, "m1_cure", "cure-v1", _psi(0.02), 800)
        assert [r["variable"] for r in drift_log.history(s, "m1_cure")] == ["p_bad"]


def test_history_is_ordered_by_day_and_filtered_by_range(db_url):
    with session_scope(db_url) as s:
        for k, day in enumerate((date(2026, 6, 28), date(2026, 6, 29), date(2026, 6, 30))):
            drift_log.record(s, day, "roll", "roll-gbm-v1", _psi(0.05 * k, dpd=0.15 * k), 1000 + k)
    with session_scope(db_url) as s:
        everything = drift_log.history(s, "roll")
        middle = drift_log.history(s, "roll", date(2026, 6, 29), date(2026, 6, 29))
        later = drift_log.history(s, "roll", first=date(2026, 6, 29))
    assert [(r["as_of"], r["variable"]) for r in everything] == [
        ("2026-06-28", "p_bad"), ("2026-06-28", "dpd"), ("2026-06-29", "p_bad"), ("2026-06-29", "dpd"),
        ("2026-06-30", "p_bad"), ("2026-06-30", "dpd")]
    assert {r["as_of"] for r in middle} == {"2026-06-29"}
    assert [r["status"] for r in later] == ["ok", "ok", "ok", "warn"]  # dpd 0.15 on the 29th, 0.30 on the 30th


def test_cli_shows_the_stored_history(accord, db_url):
    with session_scope(db_url) as s:
        drift_log.record(s, date(2026, 6, 29), "roll", "roll-gbm-v1", _psi(0.02, dpd=0.05), 1200)
        drift_log.record(s, date(2026, 6, 30), "roll", "roll-gbm-v1", _psi(0.03, dpd=0.31), 1210)
    r = accord("model", "monitor", "--target", "roll", "--from", "2026-06-30", "--format", "json", db=db_url)
    assert r.code == 0, r
    rows = r.json()
    assert [(x["as_of"], x["variable"], x["status"]) for x in rows] == [
        ("2026-06-30", "p_bad", "ok"), ("2026-06-30", "dpd", "warn")]
    assert rows[1]["psi"] == 0.31 and rows[1]["model_version"] == "roll-gbm-v1" and rows[1]["accounts"] == 1210
    table = accord("model", "monitor", "--target", "roll", db=db_url)
    assert table.code == 0 and "warn" in table.stdout and "2026-06-29" in table.stdout, table
    none = accord("model", "monitor", "--target", "pre_due", db=db_url)
    assert none.code == 0 and "no monitoring stored" in none.stdout


def test_cli_monitor_needs_either_a_target_or_a_model_and_data(accord, db_url, tmp_path):
    r = accord("model", "monitor", db=db_url)
    assert r.code == 2 and "--target" in r.stderr
    r = accord("model", "monitor", "--target", "roll", "--model", str(tmp_path), db=db_url)
    assert r.code == 2 and "leave out --model" in r.stderr
    r = accord("model", "monitor", "--target", "roll", "--from", "30/06/2026", db=db_url)
    assert r.code == 2 and "--from" in r.stderr
    r = accord("model", "monitor", "--target", "roll", "--from", "2026-06-30", "--to", "2026-06-01", db=db_url)
    assert r.code == 2 and "--to" in r.stderr
