"""The case, promise, dispute and hold commands from the outside: exit codes, JSON on stdout, one-line
errors on stderr (contracts.md, "Common to every command")."""

from __future__ import annotations

import pytest

from cases_helpers import borrower, loan, make_book
from fixtures.book import run


@pytest.fixture
def book(db_url, tmp_path):
    make_book(db_url, tmp_path / "book", loans=[loan("L1")],
              borrowers=[borrower("B1", jurisdiction="US", timezone="America/New_York", language="en")])
    run(db_url, "2026-02-17")
    return db_url


def test_case_sync_list_show_and_promise_workflow(cli, book):
    res = cli("case", "sync", "--as-of", "2026-02-17", "--format", "json", db=book)
    assert res.code == 0, res
    assert res.json()["opened"] == 1 and res.json()["changed"] is True
    res = cli("case", "list", "--format", "json", db=book)
    (case,) = res.json()
    assert (case["loan_id"], case["stage"], case["dpd"], case["status"]) == ("L1", "M1", 2, "open")

    res = cli("promise", "record", "--loan", "L1", "--amount", "1100.16", "--due", "2026-02-20", "--channel", "call",
              "--at", "2026-02-17T10:00:00-05:00", "--by", "agent:A1", "--format", "json", db=book)
    assert res.code == 0, res
    p = res.json()
    assert (p["amount"], p["status"], p["case_id"]) == ("1100.16", "pending", case["case_id"])
    assert p["confirmation"]["template"] == "promise_confirmation"

    res = cli("promise", "judge", "--as-of", "2026-02-23", "--format", "json", db=book)
    assert res.code == 0 and res.json()["broken"] == 1, res
    res = cli("case", "show", str(case["case_id"]), "--format", "json", db=book)
    shown = res.json()
    assert shown["next_step"] == "broken_promise_followup"
    assert {"case.opened", "promise.recorded", "promise.broken"} <= {i["kind"] for i in shown["timeline"]}
    res = cli("promise", "list", "--status", "broken", "--format", "json", db=book)
    assert [x["promise_id"] for x in res.json()] == [p["promise_id"]]


def test_dispute_and_hold_commands(cli, book, tmp_path):
    ev = tmp_path / "letter.pdf"
    ev.write_bytes(b"%PDF-1.4 dispute")
    res = cli("dispute", "open", "--loan", "L1", "--type", "not_my_debt", "--form", "written", "--channel", "letter",
              "--received-at", "2026-02-18T09:00:00-05:00", "--attach", str(ev),
              "--evidence-dir", str(tmp_path / "ev"), "--format", "json", db=book)
    assert res.code == 0, res
    d = res.json()
    assert d["hold_rule"] == "US-DISP-01" and d["hold"]["active"] and d["attachments"][0]["size"] == 16
    res = cli("hold", "list", "--active", "--format", "json", db=book)
    assert [h["kind"] for h in res.json()] == ["dispute"]
    res = cli("dispute", "list", "--overdue", "--now", "2026-04-01T00:00:00Z", "--format", "json", db=book)
    assert [x["dispute_id"] for x in res.json()] == [d["dispute_id"]]
    res = cli("dispute", "resolve", str(d["dispute_id"]), "--outcome", "rejected", "--resolution", "verified",
              "--at", "2026-03-01T12:00:00Z", "--format", "json", db=book)
    assert res.code == 0 and res.json()["letter"]["template"] == "validation_notice", res
    res = cli("dispute", "survey", str(d["dispute_id"]), "--score", "5", "--format", "json", db=book)
    assert res.json()["survey"]["score"] == 5

    res = cli("hold", "open", "--borrower", "B1", "--kind", "cease", "--form", "written", "--format", "json", db=book)
    assert res.code == 0, res
    hid = res.json()["hold_id"]
    assert cli("hold", "release", str(hid), "--format", "json", db=book).json()["active"] is False
    res = cli("hold", "release", str(hid), db=book)
    assert res.code == 1 and "already released" in res.stderr and res.stdout == ""


@pytest.mark.parametrize("args,code,message", [
    (("case", "show", "999"), 1, "no case 999"),
    (("case", "list", "--format", "xml"), 2, "--format"),
    (("hold", "open", "--borrower", "B1", "--kind", "cease", "--at", "2026-02-18T09:00:00"), 2, "no time zone"),
    (("promise", "record", "--loan", "L1", "--amount", "0", "--due", "2026-02-20", "--channel", "call"), 2,
     "greater than zero"),
])
def test_errors_exit_with_one_clear_line(cli, book, args, code, message):
    res = cli(*args, db=book)
    assert res.code == code, res
    assert message in res.stderr and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
