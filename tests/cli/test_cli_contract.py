"""The outside contract (contracts.md), through the installed ``accord`` command in a subprocess."""

from __future__ import annotations

import json

from fixtures.book import borrower, loan, payment, table_counts, write_book

CONTRACT_KEYS = ["loan_id", "dpd", "bucket", "overdue_principal", "overdue_interest", "overdue_fees", "penalty",
                 "total_overdue", "outstanding_principal"]


def write_demo_book(folder):
    return write_book(
        folder,
        borrowers=[borrower(), borrower("B2", name="Jane Doe", timezone="America/New_York")],
        loans=[loan(penalty_rate_daily="0.0005", grace_days="3"),
               loan("L2", borrower_id="B2", principal="5000.00", repayment_method="bullet", term_months="6")],
        payments=[payment("P1", "L1", "2026-02-15T10:00:00+08:00", "1100.16")])


def one_line_error(res, code: int, *needles: str) -> None:
    assert res.code == code, res
    assert res.stdout == "", res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res
    assert "Traceback" not in res.stderr
    for n in needles:
        assert n in lines[0], res


def test_init_is_safe_to_run_twice(accord, tmp_path, db_url):
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    for url in (fresh, db_url):  # a new database, then one already at the head revision
        res = accord("init", db=url)
        assert res.code == 0 and "database ready" in res.stderr, res
    assert table_counts(fresh)["loans"] == 0


def test_import_run_report_end_to_end(accord, tmp_path, db_url):
    folder = write_demo_book(tmp_path / "book")
    res = accord("import", str(folder), "--format", "json", db=db_url)
    assert res.code == 0, res
    assert res.json()["new"] == {"borrowers": 2, "loans": 2, "schedule": 0, "payments": 1}

    res = accord("run", "--as-of", "2026-03-20", "--format", "json", db=db_url)
    assert res.code == 0, res
    out = json.loads(res.stdout)
    assert (out["as_of"], out["processed_from"], out["days"]) == ("2026-03-20", "2026-01-15", 65)
    assert out["counts"]["payments_applied"] == 1 and out["already_done"] is False

    res = accord("report", "delinquency", "--as-of", "2026-03-20", "--format", "json", db=db_url)
    assert res.code == 0, res
    assert res.stdout.count("\n") == 1  # nothing but the JSON on stdout
    data = res.json()
    assert [list(r) for r in data] == [CONTRACT_KEYS, CONTRACT_KEYS]
    # L1: installment 1 paid on its due date; installment 2 (933.96 + 166.20, due 2026-03-15) unpaid for
    # 5 days; penalty 0.05 % of 933.96 = 0.47 a day for days 4 and 5 (grace 3).
    assert data == [
        {"loan_id": "L1", "dpd": 5, "bucket": "M1", "overdue_principal": "933.96", "overdue_interest": "166.20",
         "overdue_fees": "0.00", "penalty": "0.94", "total_overdue": "1101.10", "outstanding_principal": "11079.84"},
        {"loan_id": "L2", "dpd": 0, "bucket": "M0", "overdue_principal": "0.00", "overdue_interest": "0.00",
         "overdue_fees": "0.00", "penalty": "0.00", "total_overdue": "0.00", "outstanding_principal": "5000.00"},
    ]

    # Idempotent: the same date again changes nothing.
    before = table_counts(db_url)
    res = accord("run", "--as-of", "2026-03-20", "--format", "json", db=db_url)
    assert res.code == 0 and res.json()["already_done"] is True, res
    assert table_counts(db_url) == before
    assert accord("report", "delinquency", "--as-of", "2026-03-20", "--format", "json", db=db_url).json() == data
    # Re-importing the same files changes nothing either.
    res = accord("import", str(folder), "--format", "json", db=db_url)
    assert res.code == 0 and res.json()["new"] == {"borrowers": 0, "loans": 0, "schedule": 0, "payments": 0}
    assert table_counts(db_url) == before

    res = accord("report", "delinquency", "--as-of", "2026-03-20", "--format", "table", db=db_url)
    assert res.code == 0 and "L1" in res.stdout and "1101.10" in res.stdout and "M1" in res.stdout, res
    res = accord("report", "delinquency", "--as-of", "2026-03-20", "--format", "summary", db=db_url)
    assert res.code == 0 and "M0" in res.stdout and "M1" in res.stdout and "16079.84" not in res.stdout, res
    assert "11079.84" in res.stdout and "5000.00" in res.stdout

    # Catch up to 2026-03-25 and read the roll rates between the two snapshots.
    assert accord("run", "--as-of", "2026-03-25", db=db_url).code == 0
    res = accord("report", "rolls", "--from", "2026-03-20", "--to", "2026-03-25", "--format", "json", db=db_url)
    assert res.code == 0, res
    assert res.json() == [{"bucket_from": "M0", "M0": 1.0, "M1": 0.0}, {"bucket_from": "M1", "M0": 0.0, "M1": 1.0}]
    res = accord("report", "rolls", "--from", "2026-03-20", "--to", "2026-03-25", db=db_url)
    assert res.code == 0 and "Roll rates" in res.stdout

    # Runs only go forward; the message names the last run date.
    one_line_error(accord("run", "--as-of", "2026-03-21", db=db_url), 1, "2026-03-25", "last run")

    res = accord("journal", "verify", db=db_url)
    assert res.code == 0 and res.stdout.startswith("intact: "), res


def test_exit_codes_and_one_line_errors(accord, tmp_path, db_url):
    one_line_error(accord("run", "--as-of", "2026-13-01", db=db_url), 2, "--as-of", "2026-13-01")
    one_line_error(accord("report", "delinquency", "--as-of", "March 1", db=db_url), 2, "--as-of")
    one_line_error(accord("report", "delinquency", "--as-of", "2026-03-01", "--format", "xml", db=db_url), 2,
                   "--format", "xml")
    one_line_error(accord("report", "delinquency", "--as-of", "2026-03-01", db=db_url), 1, "no delinquency snapshot",
                   "2026-03-01")
    one_line_error(accord("report", "rolls", "--from", "2026-03-05", "--to", "2026-03-01", db=db_url), 2, "--to")
    one_line_error(accord("import", str(tmp_path / "nowhere"), db=db_url), 2, "nowhere")


def test_import_errors_from_the_outside(accord, tmp_path, db_url):
    folder = write_book(tmp_path / "bad", borrowers=[borrower()],
                        loans=[loan(annual_rate="0.40"), loan("L2", disbursed_on="2026-02-30")],
                        payments=[payment("P1", "L1", "2026-02-15T10:00:00", "10.00")])
    before = table_counts(db_url)
    res = accord("import", str(folder), db=db_url)
    assert res.code == 1 and res.stdout == "", res
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("error: loans.csv, row 2, field annual_rate: total annual cost 40.00 %")
    assert lines[1].startswith("error: loans.csv, row 3, field disbursed_on: ")
    assert lines[2].startswith("error: payments.csv, row 2, field paid_at: ") and "naive" in lines[2]
    assert lines[-1] == "error: 3 bad row(s); nothing was written"
    assert "Traceback" not in res.stderr
    assert table_counts(db_url) == before

    res = accord("import", str(folder), "--dry-run", db=db_url)
    assert res.code == 1 and table_counts(db_url) == before

    unknown = write_book(tmp_path / "unknown", loans=[{**loan(), "colour": "red"}])
    one_line_error(accord("import", str(unknown), db=db_url), 2, "loans.csv", "unknown column 'colour'")

    good = write_demo_book(tmp_path / "good")
    res = accord("import", str(good), "--dry-run", "--format", "json", db=db_url)
    assert res.code == 0 and res.json()["dry_run"] is True and res.json()["new"]["loans"] == 2, res
    assert table_counts(db_url) == before
