"""While a loan is in the legal track the daily run plans no contact for it — and only for it: a hold
with a loan id leaves the borrower's other loans in collection. Released at conclusion, the loan is
planned again. Through `accord run` and the `accord legal` commands."""

from __future__ import annotations

from datetime import date

from accord.batch.pipeline import run_pipeline
from accord.kit.db import session_scope
from accord.legal import service
from accord.strategy.schema import default_strategy
from accord.strategy.service import simulate
from fixtures.book import rows
from legal_helpers import DAY, two_loan_book

NEXT = date(2026, 3, 18)  # M2, day 1: an SMS for each loan


def _planned(url, day):
    with session_scope(url) as s:
        _, planned = simulate(s, default_strategy(), day)
    return set(planned["loan_id"].to_list())


def test_a_legal_hold_on_one_loan_does_not_silence_the_other(db_url, tmp_path):
    cases = two_loan_book(db_url, tmp_path / "book")
    run_pipeline(NEXT, db_url, only_ledger=True)
    assert _planned(db_url, NEXT) == {"L1", "L2"}
    with session_scope(db_url) as s:
        mid = service.open_matter(s, cases["L1"], "lawsuit", on=DAY).matter.id
    assert _planned(db_url, NEXT) == {"L2"}
    run_pipeline(NEXT, db_url)
    acted = {r["loan_id"] for r in rows(db_url, "SELECT loan_id FROM actions WHERE plan_date = :d", d=NEXT)}
    assert acted == {"L2"}
    assert rows(db_url, "SELECT stage FROM cases WHERE id = :i", i=cases["L1"])[0]["stage"] == "legal"
    with session_scope(db_url) as s:
        service.record_step(s, mid, "withdrawn", on=NEXT)
    assert _planned(db_url, NEXT) == {"L1", "L2"}


def test_a_borrower_wide_hold_still_silences_every_loan(db_url, tmp_path):
    from accord.cases.hold_service import open_hold

    two_loan_book(db_url, tmp_path / "book")
    run_pipeline(NEXT, db_url, only_ledger=True)
    with session_scope(db_url) as s:
        open_hold(s, "B1", "cease", reason="asked us to stop", source="test")
    assert _planned(db_url, NEXT) == set()


def test_legal_commands(db_url, accord, tmp_path):
    cases = two_loan_book(db_url, tmp_path / "book")
    doc = tmp_path / "judgment.pdf"
    doc.write_bytes(b"%PDF judgment")
    env = {"ACCORD_EVIDENCE_DIR": str(tmp_path / "ev")}
    res = accord("legal", "open", str(cases["L1"]), "--track", "lawsuit", "--court", "北京互联网法院",
                 "--claim", "12,500.00", "--on", "2026-03-17", "--by", "agent:A1", "--format", "json", db=db_url, env=env)
    assert res.code == 0, res
    m = res.json()
    assert (m["state"], m["forum"], m["claim"], m["hold_id"] is not None) == ("filed", "北京互联网法院", "12500.00", True)
    mid = str(m["matter_id"])
    bad = accord("legal", "step", mid, "--to", "judgment", "--on", "2026-03-20", db=db_url)
    assert bad.code == 1 and "the lawsuit is filed: it cannot move to judgment (allowed next: accepted, withdrawn, " \
                             "preservation)" in bad.stderr
    assert accord("legal", "step", mid, "--to", "accepted", "--on", "2026-03-20", "--case-number", "(2026)京0491民初1号",
                  db=db_url).code == 0
    res = accord("legal", "step", mid, "--to", "judgment", "--on", "2026-05-01", "--amount", "12000",
                 "--document", str(doc), "--format", "json", db=db_url, env=env)
    assert res.code == 0, res
    shown = res.json()
    assert shown["judgment"] == "12000.00" and shown["steps"][-1]["documents"][0]["name"] == "judgment.pdf"
    assert accord("legal", "step", mid, "--to", "judgment", "--amount", "ten", db=db_url).code == 2
    assert accord("legal", "step", mid, "--to", "concluded", "--on", "2026-05", db=db_url).code == 2
    assert accord("legal", "step", mid, "--to", "verdict", "--on", "2026-05-02", db=db_url).code == 2
    assert accord("legal", "step", mid, "--to", "enforcement", "--document", str(tmp_path / "missing.pdf"),
                  "--on", "2026-05-02", db=db_url).code == 2
    assert accord("legal", "show", mid, db=db_url).code == 0
    assert accord("legal", "show", "999", db=db_url).code == 1
    listed = accord("legal", "list", "--format", "json", db=db_url).json()
    assert [(x["matter_id"], x["state"]) for x in listed] == [(int(mid), "judgment")]
    assert accord("legal", "list", "--status", "maybe", db=db_url).code == 2
    assert accord("legal", "open", str(cases["L2"]), "--track", "mediation", "--mediator", "人民调解委员会",
                  db=db_url).code == 0
    assert len(accord("legal", "list", "--track", "mediation", "--format", "json", db=db_url).json()) == 1
    assert accord("journal", "verify", db=db_url).code == 0
