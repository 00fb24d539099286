"""``accord arrangement`` from the outside (the installed command in a subprocess): offers, propose
(kind + terms or an offered option), approve, accept with confirmation and request id, show, list,
cancel; exit codes and messages; and ``accord run`` + ``accord ledger verify`` after a restructure."""

from __future__ import annotations

import pytest

from arrangements_helpers import loan, make_book, run

ON = ("--on", "2026-04-20")


@pytest.fixture
def book(db_url, tmp_path):
    make_book(db_url, tmp_path / "book", [loan("L1", penalty_rate_daily="0.0005")])
    run(db_url, "2026-04-20")
    return db_url


def test_offers_json_ranked_with_money_as_text(accord, book):
    r = accord("arrangement", "offers", "L1", "--income", "8000", "--expenses", "3000", "--hardship", "job_loss",
               *ON, "--format", "json", db=book)
    assert r.code == 0, r
    data = r.json()
    assert data["dpd"] == 64 and data["bucket"] == "M3" and data["disposable_income"] == "5000.00"
    assert data["in_difficulty"] is True
    offers = data["offers"]
    assert [o["option"] for o in offers] == list(range(1, len(offers) + 1))
    assert all(isinstance(o["npv"], str) and o["npv"].count(".") == 1 and len(o["npv"].split(".")[1]) == 2
               for o in offers)
    assert {o["kind"] for o in offers} >= {"plan", "settlement", "holiday"}
    affordable = [o for o in offers if o["affordable"]]
    assert [o["option"] for o in affordable] == list(range(1, len(affordable) + 1))  # affordable first


def test_propose_option_accept_show_list(accord, book):
    r = accord("arrangement", "propose", "L1", "--option", "1", "--income", "8000", "--expenses", "3000", *ON,
               "--by", "agent:A1", "--format", "json", db=book)
    assert r.code == 0, r
    a = r.json()
    assert a["status"] == "offered" and a["terms"]["offer"]["npv"]
    aid = str(a["arrangement_id"])
    r = accord("arrangement", "accept", aid, "--request-id", "web-77", *ON, "--format", "json", db=book)
    assert r.code == 0, r
    acc = r.json()
    assert acc["status"] == "active" and acc["repeated"] is False
    assert acc["confirmation"]["template"] == "arrangement_confirmation"
    assert acc["confirmation"]["message_id"] is not None or acc["confirmation"]["skipped"]
    again = accord("arrangement", "accept", aid, "--request-id", "web-77", *ON, "--format", "json", db=book)
    assert again.code == 0 and again.json()["repeated"] is True and again.json()["confirmation"] is None
    twice = accord("arrangement", "accept", aid, *ON, db=book)
    assert twice.code == 1 and "already active" in twice.stderr
    shown = accord("arrangement", "show", aid, "--format", "json", db=book).json()
    assert [h["status"] for h in shown["history"]] == ["offered", "accepted", "active"]
    listed = accord("arrangement", "list", "--loan", "L1", "--status", "active", "--format", "json", db=book).json()
    assert [x["arrangement_id"] for x in listed] == [int(aid)]
    r = accord("run", "--as-of", "2026-04-21", "--format", "json", db=book)
    assert r.code == 0, r
    assert "arrangements" in r.json()["steps"]
    assert accord("ledger", "verify", db=book).code == 0
    rep = accord("report", "delinquency", "--as-of", "2026-04-21", "--format", "json", db=book).json()
    assert rep[0]["dpd"] == 0


def test_bounds_approval_and_errors(accord, book):
    r = accord("arrangement", "propose", "L1", "--kind", "settlement", "--terms", '{"discount": "0.40"}', *ON,
               "--format", "json", db=book)
    assert r.code == 0, r
    aid = str(r.json()["arrangement_id"])
    assert r.json()["approval_needed"] == "manager"
    refused = accord("arrangement", "accept", aid, *ON, db=book)
    assert refused.code == 1 and "max_discount 0.4000 exceeds the automatic limit 0.20" in refused.stderr
    assert accord("arrangement", "approve", aid, "--by", "manager:M1", db=book).code == 0
    assert accord("arrangement", "accept", aid, *ON, db=book).code == 0
    hard = accord("arrangement", "propose", "L1", "--kind", "settlement", "--terms", "discount=0.9", *ON, db=book)
    assert hard.code == 1 and "hard limit" in hard.stderr and "max_discount" in hard.stderr
    bad = accord("arrangement", "propose", "L1", "--kind", "plan", "--terms", "instalments=three", *ON, db=book)
    assert bad.code == 2 and "terms.instalments" in bad.stderr
    unknown = accord("arrangement", "propose", "L1", "--kind", "plan", "--terms", "colour=red", *ON, db=book)
    assert unknown.code == 2 and "terms.colour" in unknown.stderr
    kind = accord("arrangement", "propose", "L1", "--kind", "loan", *ON, db=book)
    assert kind.code == 2 and "kind 'loan'" in kind.stderr
    assert accord("arrangement", "offers", "L1", "--hardship", "bored", *ON, db=book).code == 2
    assert accord("arrangement", "show", "999", db=book).code == 1


def test_cancel_an_offer(accord, book):
    r = accord("arrangement", "propose", "L1", "--kind", "extension", "--terms", "months=1", *ON, "--format", "json",
               db=book)
    aid = str(r.json()["arrangement_id"])
    c = accord("arrangement", "cancel", aid, "--reason", "changed mind", "--format", "json", db=book)
    assert c.code == 0 and c.json()["status"] == "cancelled"
    assert accord("arrangement", "cancel", aid, db=book).code == 1
