"""End to end through the installed command: `accord import` → `accord run` → `accord writeoff` →
later payments imported → `accord run` records them as recoveries, once → `accord writeoff recoveries`;
the ledger and the journal still verify, and a written-off loan gets no more contacts."""

from __future__ import annotations

from fixtures.book import borrower, loan, rows, write_book
from writeoffs_helpers import evidence_zip, pay


def _book(tmp_path, url, accord):
    folder = write_book(tmp_path / "book", borrowers=[borrower(phone="+8613800138000")],
                        loans=[loan("L1", penalty_rate_daily="0.0005"), loan("L2")])
    assert accord("import", str(folder), db=url).code == 0
    res = accord("run", "--as-of", "2026-03-17", "--format", "json", db=url)
    assert res.code == 0, res


def test_write_off_then_recoveries_through_the_daily_run(db_url, accord, tmp_path):
    _book(tmp_path, db_url, accord)
    res = accord("writeoff", "L1", "--reason", "uncollectable", "--on", "2026-03-17", "--by", "user:fin1",
                 "--format", "json", db=db_url)
    assert res.code == 0, res
    w = res.json()
    assert w["reason"] == "uncollectable" and w["principal"] == "12000.00" and float(w["penalty"]) > 0
    assert [i["installment_no"] for i in w["installments"]] == list(range(1, 13))

    again = accord("writeoff", "L1", "--reason", "uncollectable", "--on", "2026-03-17", db=db_url)
    assert again.code == 1 and "already written off on 2026-03-17" in again.stderr
    bad = accord("writeoff", "L2", "--reason", "tired", db=db_url)
    assert bad.code == 2 and "not one of uncollectable" in bad.stderr
    assert accord("writeoff", "L2", "--reason", "fraud", "--on", "03/17", db=db_url).code == 2

    # The next day: L2 is contacted (M2, day 1), the written-off L1 is not.
    assert accord("run", "--as-of", "2026-03-18", db=db_url).code == 0
    acted = {r["loan_id"] for r in rows(db_url, "SELECT loan_id FROM actions WHERE plan_date = '2026-03-18'")}
    assert "L2" in acted and "L1" not in acted

    # Payments arrive for the written-off loan: one in time for the next run, one later.
    late = write_book(tmp_path / "later", payments=[pay("R1", "L1", "2026-03-19", "300.00"),
                                                    pay("R2", "L1", "2026-04-02", "12500.00")])
    assert accord("import", str(late), db=db_url).code == 0
    res = accord("run", "--as-of", "2026-03-20", "--format", "json", db=db_url)
    assert res.code == 0 and res.json()["counts"]["recoveries"] == 1 and res.json()["counts"]["recovered"] == "300.00"
    (r1,) = rows(db_url, "SELECT applied_on FROM payments WHERE id = 'R1'")
    assert str(r1["applied_on"]) == "2026-03-19"
    assert rows(db_url, "SELECT applied_on FROM payments WHERE id = 'R2'")[0]["applied_on"] is None
    assert accord("run", "--as-of", "2026-03-20", db=db_url).code == 0  # a re-run records nothing twice
    assert accord("run", "--as-of", "2026-04-05", db=db_url).code == 0

    (rec,) = rows(db_url, "SELECT COUNT(*) n, SUM(principal + interest + fee + penalty) s, SUM(credit) x "
                          "FROM postings WHERE kind = 'recovery'")
    assert rec["n"] == 2 and rec["s"] + rec["x"] == 1280000 and rec["x"] > 0  # R2 is more than was written off
    kinds = [r["kind"] for r in rows(db_url, "SELECT kind FROM journal WHERE subject IN ('payment:R1', 'payment:R2')")]
    assert kinds == ["writeoff.recovery", "writeoff.recovery"]  # never also applied as an ordinary payment
    assert rows(db_url, "SELECT credit_minor FROM loans WHERE id = 'L1'")[0]["credit_minor"] == 0

    rep = accord("writeoff", "recoveries", "--from", "2026-03-01", "--to", "2026-04-30", "--format", "json", db=db_url)
    assert rep.code == 0, rep
    data = rep.json()
    assert data["recoveries"] == 2 and data["total"] == "12800.00"
    assert data["per_reason"] == [{"reason": "uncollectable", "recoveries": 2, "amount": "12800.00"}]
    assert data["per_month"] == [{"month": "2026-03", "recoveries": 1, "amount": "300.00"},
                                 {"month": "2026-04", "recoveries": 1, "amount": "12500.00"}]
    assert data["per_loan"][0]["loan_id"] == "L1" and float(data["per_loan"][0]["excess"]) > 0
    march = accord("writeoff", "recoveries", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json", db=db_url)
    assert march.json()["total"] == "300.00"
    assert accord("writeoff", "recoveries", "--from", "2026-04-01", "--to", "2026-03-01", db=db_url).code == 2
    assert accord("writeoff", "recoveries", "--from", "2026-03-01", "--to", "2026-03-31", db=db_url).code == 0

    verify = accord("ledger", "verify", "--format", "json", db=db_url)
    assert verify.code == 0, verify
    assert accord("journal", "verify", db=db_url).code == 0


def test_sale_flag_and_list(db_url, accord, tmp_path):
    _book(tmp_path, db_url, accord)
    zipped = evidence_zip(tmp_path / "case-1.zip")
    (tmp_path / "notes.txt").write_text("not a zip")
    env = {"ACCORD_EVIDENCE_DIR": str(tmp_path / "evidence")}

    # An open loan cannot be sold under the shipped policy.
    res = accord("writeoff", "sale-flag", "L2", "--buyer", "Acme AMC", "--price", "800", "--evidence", str(zipped),
                 db=db_url, env=env)
    assert res.code == 1 and "policy allows selling only written-off loans" in res.stderr
    assert accord("writeoff", "L1", "--reason", "uncollectable", "--on", "2026-03-17", db=db_url).code == 0
    res = accord("writeoff", "sale-flag", "L1", "--buyer", "Acme AMC", "--price", "x", "--evidence", str(zipped),
                 db=db_url, env=env)
    assert res.code == 2 and "--price" in res.stderr
    res = accord("writeoff", "sale-flag", "L1", "--buyer", "Acme AMC", "--price", "800",
                 "--evidence", str(tmp_path / "notes.txt"), db=db_url, env=env)
    assert res.code == 2 and "not a zip archive" in res.stderr
    res = accord("writeoff", "sale-flag", "L1", "--buyer", "Acme AMC", "--price", "1,200.50",
                 "--evidence", str(zipped), "--on", "2026-03-18", "--format", "json", db=db_url, env=env)
    assert res.code == 0, res
    sale = res.json()
    import hashlib

    assert sale["price"] == "1200.50" and sale["evidence"]["sha256"] == hashlib.sha256(zipped.read_bytes()).hexdigest()
    assert sale["evidence"]["size"] == zipped.stat().st_size
    assert (tmp_path / "evidence" / sale["evidence"]["sha256"][:2] / sale["evidence"]["sha256"]).exists()
    dup = accord("writeoff", "sale-flag", "L1", "--buyer", "B", "--price", "1", "--evidence", str(zipped), db=db_url,
                 env=env)
    assert dup.code == 1 and "already flagged for sale" in dup.stderr

    # An open loan, where a policy allows it: written off with reason "sold", case closed, no more contacts.
    policy = tmp_path / "wo.yaml"
    policy.write_text("sale:\n  open_loans: true\n")
    res = accord("writeoff", "sale-flag", "L2", "--buyer", "Acme AMC", "--price", "700", "--evidence", str(zipped),
                 "--on", "2026-03-17", "--format", "json", db=db_url, env={**env, "ACCORD_WRITEOFF_POLICY_FILE": str(policy)})
    assert res.code == 0, res and res.json()["was_open"] is True
    assert rows(db_url, "SELECT reason FROM write_offs WHERE loan_id = 'L2'")[0]["reason"] == "sold"
    assert rows(db_url, "SELECT status FROM cases WHERE loan_id = 'L2'")[0]["status"] == "closed"
    assert accord("run", "--as-of", "2026-03-18", db=db_url).code == 0
    assert not rows(db_url, "SELECT 1 FROM actions WHERE plan_date = '2026-03-18' AND loan_id IN ('L1', 'L2')")

    listed = accord("writeoff", "list", "--for-sale", "--format", "json", db=db_url).json()
    assert [(r["loan_id"], r["reason"], r["sale"]["buyer"]) for r in listed] == [
        ("L1", "uncollectable", "Acme AMC"), ("L2", "sold", "Acme AMC")]
    assert accord("writeoff", "list", db=db_url).code == 0
    kinds = [r["kind"] for r in rows(db_url, "SELECT kind FROM journal WHERE kind LIKE 'loan.%' ORDER BY seq")]
    assert kinds == ["loan.written_off", "loan.sale_flagged", "loan.written_off", "loan.sale_flagged"]

    # A payment after the sale is a recovery owed to the buyer.
    late = write_book(tmp_path / "later", payments=[pay("R1", "L2", "2026-03-19", "100.00")])
    assert accord("import", str(late), db=db_url).code == 0
    assert accord("run", "--as-of", "2026-03-20", "--ledger-only", db=db_url).code == 0
    rep = accord("writeoff", "recoveries", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json", db=db_url)
    assert rep.json()["per_loan"][0]["after_sale"] is True
