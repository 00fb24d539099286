"""The agency commands from the outside: exit codes, JSON on stdout, one-line errors on stderr; an
agency user can never read an unplaced, recalled or other agency's case through the CLI."""

from __future__ import annotations

import csv
import io

import pytest

from agency_helpers import DAY, HANDOVER, make_book, mark_notices_sent


@pytest.fixture
def book(db_url, tmp_path):
    cases = make_book(db_url, tmp_path / "book")
    return db_url, cases


def ok(res):
    assert res.code == 0, res
    return res.json() if res.stdout.strip().startswith(("{", "[")) else res.stdout


def test_agency_lifecycle_through_the_cli(accord, book, tmp_path):
    url, cases = book
    a = ok(accord("agency", "add", "huaxin", "--name", "华信资产", "--phone", "400-800-0000", "--rate", "0.25",
                  "--bucket-rate", "M4=0.30", "--capacity", "5", "--contract", "C-1", "--dpa", "DPA-1",
                  "--format", "json", db=url))
    assert (a["commission_rate"], a["commission_by_bucket"], a["jurisdictions"]) == ("0.25", {"M4": "0.30"}, ["CN"])
    # Not evaluated yet: CN-OUT-01 refuses, exit 1, one line on stderr, nothing placed.
    res = accord("agency", "place", "huaxin", "--case", str(cases["L1"]), "--on", DAY.isoformat(), db=url)
    assert res.code == 1 and "CN-OUT-01" in res.stderr and "Traceback" not in res.stderr, res
    ok(accord("agency", "evaluate", "huaxin", "--on", "2026-03-01", "--score", "85", db=url))
    f = tmp_path / "cases.csv"
    f.write_text(f"case_id\n{cases['L1']}\n{cases['L2']}\n", encoding="utf-8")
    placed = ok(accord("agency", "place", "huaxin", "--cases-file", str(f), "--on", DAY.isoformat(),
                       "--by", "manager:M1", "--format", "json", db=url))
    assert [p["status"] for p in placed["placed"]] == ["notified", "notified"]
    assert all(p["notice"]["message_id"] for p in placed["placed"]) and placed["refused"] == []
    assert placed["placed"][0]["handover_on"] == HANDOVER.isoformat()
    mark_notices_sent(url)
    ok(accord("agency", "advance", "--as-of", HANDOVER.isoformat(), db=url))
    ok(accord("agent", "add", "HX1", "--name", "Zhou", "--role", "agency_agent", "--agency", "huaxin", db=url))
    ok(accord("agent", "add", "IN1", "--name", "Li", db=url))

    listed = ok(accord("agency", "cases", "--user", "HX1", "--format", "json", db=url))
    assert sorted(c["case_id"] for c in listed) == sorted([cases["L1"], cases["L2"]])
    one = ok(accord("agency", "case", str(cases["L1"]), "--user", "HX1", "--format", "json", db=url))
    assert one["phone"] == "138****0001" and "email" not in one
    # Unplaced case, in-house user: refused with exit 1 and nothing on stdout.
    for args in ((str(cases["L3"]), "--user", "HX1"), (str(cases["L1"]), "--user", "IN1")):
        res = accord("agency", "case", *args, "--format", "json", db=url)
        assert res.code == 1 and res.stdout == "" and "not" in res.stderr, res
    # Recall by case id; the case disappears from the agency's list.
    rec = ok(accord("agency", "recall", "--case", str(cases["L1"]), "--reason", "pilot ended", "--format", "json",
                    db=url))
    assert rec["status"] == "recalled"
    res = accord("agency", "case", str(cases["L1"]), "--user", "HX1", db=url)
    assert res.code == 1 and "not placed with agency huaxin" in res.stderr
    assert [c["case_id"] for c in ok(accord("agency", "cases", "--user", "HX1", "--format", "json", db=url))] \
        == [cases["L2"]]

    hist = ok(accord("agency", "placements", "--case", str(cases["L1"]), "--format", "json", db=url))
    assert [h["status"] for h in hist[0]["history"]] == ["notified", "handed_over", "recalled"]
    shown = ok(accord("agency", "show", "huaxin", "--format", "json", db=url))
    assert shown["active_placements"] == 1 and len(shown["placements"]) == 2
    lst = ok(accord("agency", "list", "--format", "json", db=url))
    assert lst[0]["agency_id"] == "huaxin" and lst[0]["last_evaluated_on"] == "2026-03-01"

    st = ok(accord("agency", "statement", "huaxin", "--from", "2026-03-01", "--to", "2026-04-30", "--format", "json",
                   db=url))
    assert st["totals"] == [{"currency": "CNY", "payments": 0, "collected": "0.00", "commission": "0.00"}]
    res = accord("agency", "statement", "huaxin", "--from", "2026-03-01", "--to", "2026-04-30", "--format", "csv",
                 db=url)
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert res.code == 0 and len(rows) == 2 and rows[0]["commission"] == "0.00"


def test_bad_input_is_exit_2_with_the_field_named(accord, book, tmp_path):
    url, cases = book
    res = accord("agency", "add", "x", "--name", "X", "--phone", "1", "--rate", "1.5", "--capacity", "3", db=url)
    assert res.code == 2 and "commission rate" in res.stderr, res
    res = accord("agency", "add", "x", "--name", "X", "--phone", "1", "--rate", "0.2", "--capacity", "3",
                 "--jurisdiction", "FR", db=url)
    assert res.code == 2 and "--jurisdiction" in res.stderr, res
    f = tmp_path / "bad.csv"
    f.write_text("case_id\n12\nabc\n", encoding="utf-8")
    ok(accord("agency", "add", "x", "--name", "X", "--phone", "1", "--rate", "0.2", "--capacity", "3", db=url))
    res = accord("agency", "place", "x", "--cases-file", str(f), db=url)
    assert res.code == 2 and "bad.csv, row 3, field case_id" in res.stderr, res
    res = accord("agency", "statement", "x", "--from", "2026-13-01", "--to", "2026-04-30", db=url)
    assert res.code == 2 and "--from" in res.stderr
    res = accord("agency", "recall", "--reason", "r", db=url)
    assert res.code == 2 and "--placement" in res.stderr
