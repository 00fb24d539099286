"""`accord dialler export | import` from the outside: the day's calls for a dialler (gate re-checked at
export, numbers full or masked by role, window in the borrower's zone, priority) and its outcomes back
as contact events — idempotent by action id, bad rows named by file, row and field."""

from __future__ import annotations

import csv
import json
from datetime import datetime

from fixtures.book import borrower, loan, rows, write_book

DAY = "2026-02-18"  # day 3 in M1 for loans due 02-15 and never paid: the robot call step


def _book(accord, db_url, tmp_path):
    write_book(tmp_path / "book", borrowers=[borrower("B1", phone="+8613800000001"),
                                             borrower("B2", phone="+8613800000002"),
                                             borrower("B4", phone="+8613800000004")],
               # Loans on the champion arm (stable hash): its M1 ladder has the robot call on day 3.
               loans=[loan("L1"), loan("L2", borrower_id="B2"), loan("L4", borrower_id="B4")])
    assert accord("import", str(tmp_path / "book"), db=db_url).code == 0
    r = accord("run", "--as-of", DAY, "--format", "json", db=db_url)
    assert r.code == 0, r


def _write_csv(path, records):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(records[0]))
        w.writeheader()
        w.writerows(records)
    return path


def test_export_gate_rechecked_and_import_is_idempotent(accord, db_url, tmp_path):
    _book(accord, db_url, tmp_path)
    # A cease request arrives for B4 after the plan was made: B4 is not handed to the dialler.
    assert accord("hold", "open", "--borrower", "B4", "--kind", "cease", "--at", f"{DAY}T07:00:00+08:00",
                  db=db_url).code == 0
    out = tmp_path / "calls.json"
    r = accord("dialler", "export", "--date", DAY, "--out", str(out), "--format", "json", db=db_url)
    assert r.code == 0, r
    calls = json.loads(out.read_text())
    assert {c["loan_id"] for c in calls} == {"L1", "L2"} and r.json()["exported"] == 2
    (blocked_id, rules), = r.json()["blocked"].items()
    assert blocked_id.startswith(f"{DAY}:L4:") and rules
    assert sorted(c["priority"] for c in calls) == [1, 2]
    for c in calls:
        assert c["channel"] == "ai_call" and c["number"].startswith("+86138")
        start, end = datetime.fromisoformat(c["window_start"]), datetime.fromisoformat(c["window_end"])
        assert start.utcoffset() == end.utcoffset() and start.utcoffset().total_seconds() == 8 * 3600
        assert 8 <= start.hour and start <= end and end.hour <= 21  # inside CN 08–22
    # An agent's screen gets masked numbers; CSV has the same columns.
    csv_out = tmp_path / "calls.csv"
    assert accord("dialler", "export", "--date", DAY, "--out", str(csv_out), "--role", "agent", db=db_url).code == 0
    with open(csv_out, encoding="utf-8") as f:
        masked = list(csv.DictReader(f))
    assert {m["number"] for m in masked} == {"138****0001", "138****0002"}
    assert list(masked[0]) == ["action_id", "loan_id", "borrower_id", "channel", "number", "lang", "timezone",
                               "window_start", "window_end", "priority"]

    results = _write_csv(tmp_path / "results.csv", [
        {"action_id": calls[0]["action_id"], "outcome": "conversation", "at": f"{DAY}T19:05:00+08:00",
         "talk_seconds": "95"},
        {"action_id": calls[1]["action_id"], "outcome": "no_answer", "at": f"{DAY}T11:00:00+08:00",
         "talk_seconds": ""}])
    r = accord("dialler", "import", str(results), "--format", "json", db=db_url)
    assert r.code == 0, r
    assert r.json() == {"recorded": 2, "already_imported": 0, "by_outcome": {"conversation": 1, "no_answer": 1}}
    again = accord("dialler", "import", str(results), "--format", "json", db=db_url)
    assert again.json() == {"recorded": 0, "already_imported": 2, "by_outcome": {}}
    events = rows(db_url, "SELECT channel, actor, outcome, talk_seconds FROM contact_events ORDER BY outcome")
    assert events == [{"channel": "ai_call", "actor": "robot", "outcome": "conversation", "talk_seconds": 95},
                      {"channel": "ai_call", "actor": "robot", "outcome": "no_answer", "talk_seconds": None}]
    # Dialled calls are not exported again.
    r = accord("dialler", "export", "--date", DAY, "--out", str(out), "--format", "json", db=db_url)
    assert r.json()["exported"] == 0


def test_bad_outcome_files_name_the_file_row_and_field_and_write_nothing(accord, db_url, tmp_path):
    _book(accord, db_url, tmp_path)
    out = tmp_path / "calls.json"
    assert accord("dialler", "export", "--date", DAY, "--out", str(out), db=db_url).code == 0
    calls = json.loads(out.read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([
        {"action_id": calls[0]["action_id"], "outcome": "hung_up", "at": f"{DAY}T10:00:00+08:00"},
        {"action_id": "2026-02-18:NOPE:m1:2", "outcome": "busy", "at": f"{DAY}T10:00:00+08:00"},
        {"action_id": calls[1]["action_id"], "outcome": "busy", "at": f"{DAY}T10:00:00"},
        {"action_id": calls[2]["action_id"], "outcome": "busy", "at": "2026-02-19T10:00:00+08:00"}]))
    r = accord("dialler", "import", str(bad), db=db_url)
    assert r.code == 1
    assert "bad.json, row 2, field outcome: 'hung_up' is not a call outcome" in r.stderr
    assert "bad.json, row 3, field action_id: unknown action" in r.stderr
    assert "bad.json, row 4, field at:" in r.stderr
    assert "bad.json, row 5, field at:" in r.stderr and "not on the action's day" in r.stderr
    assert rows(db_url, "SELECT COUNT(*) AS n FROM contact_events") == [{"n": 0}]
    missing = _write_csv(tmp_path / "missing.csv", [{"action_id": calls[0]["action_id"], "result": "busy"}])
    r = accord("dialler", "import", str(missing), db=db_url)
    assert r.code == 2 and "missing column(s) outcome, at" in r.stderr
    r = accord("dialler", "export", "--date", DAY, "--out", str(tmp_path / "calls.txt"), db=db_url)
    assert r.code == 2 and "--out" in r.stderr
