"""Loan-book import (loans/importing): formats, all-or-nothing validation, idempotency, mapping files."""

from __future__ import annotations

from datetime import date

import pytest

from accord.kit.errors import InputError, ValidationFailed
from fixtures.book import (borrower, import_book, installments, journal_kinds, loan, loan_row, payment, rows,
                           table_counts, write_book, write_table)

FORMATS = ["csv", "parquet", "xlsx"]


def good_book(folder, fmt="csv", **extra):
    kinds = {"borrowers": [borrower(), borrower("B2", name="Jane Doe", timezone="America/New_York",
                                                 language="en", jurisdiction="US")],
             "loans": [loan(), loan("L2", borrower_id="B2", principal="5000.00", repayment_method="bullet",
                                    term_months="6", currency="USD", annual_rate="0.12", kind="iou")],
             "payments": [payment("P1", "L1", "2026-02-15T10:00:00+08:00", "1100.16", channel="alipay")]}
    kinds.update(extra)
    return write_book(folder, fmt=fmt, **kinds)


def rejected(db_url, *paths, **kw) -> list[tuple]:
    """Import must fail with bad rows and write nothing; returns (file, row, field) of each error."""
    before = table_counts(db_url)
    with pytest.raises(ValidationFailed) as exc:
        import_book(db_url, *paths, **kw)
    assert table_counts(db_url) == before
    for e in exc.value.errors:
        assert e.file and e.row and e.field and e.reason
        assert str(e).startswith(f"{e.file}, row {e.row}, field {e.field}: ")
    return [(e.file, e.row, e.field, e.reason) for e in exc.value.errors]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_book_imports_in_every_format(db_url, tmp_path, fmt):
    report = import_book(db_url, good_book(tmp_path / "in", fmt))
    assert report.new == {"borrowers": 2, "loans": 2, "schedule": 0, "payments": 1}
    counts = table_counts(db_url)
    assert {k: counts[k] for k in ("borrowers", "loans", "installments", "payments", "postings", "journal",
                                   "import_batches")} == {
        "borrowers": 2, "loans": 2, "installments": 13, "payments": 1, "postings": 2, "journal": 1,
        "import_batches": 1}
    l2 = loan_row(db_url, "L2")
    assert (l2["principal_minor"], l2["currency"], l2["kind"], l2["repayment_method"]) == (500000, "USD", "iou", "bullet")
    assert [(i["due_on"], i["principal_due"], i["interest_due"]) for i in installments(db_url, "L2")] == [
        (date(2026, 7, 15), 500000, 30000)]  # 5000 × 12 % × 6 / 12 = 300.00
    p = rows(db_url, "SELECT * FROM payments")[0]
    assert (p["amount_minor"], p["paid_on"], p["channel"], p["applied_on"]) == (110016, date(2026, 2, 15), "alipay", None)
    assert journal_kinds(db_url) == ["import.batch"]


def test_national_id_is_encrypted_at_rest(db_url, tmp_path):
    import_book(db_url, write_book(tmp_path / "in", borrowers=[borrower(national_id="110101199001011234")]))
    stored = rows(db_url, "SELECT national_id FROM borrowers")[0]["national_id"]
    assert stored and "110101199001011234" not in stored
    from accord.kit.crypto import decrypt

    assert decrypt(stored) == "110101199001011234"


def test_reimport_is_idempotent(db_url, tmp_path):
    folder = good_book(tmp_path / "in")
    import_book(db_url, folder)
    before = table_counts(db_url)
    report = import_book(db_url, folder)
    assert report.new == {"borrowers": 0, "loans": 0, "schedule": 0, "payments": 0}
    assert report.unchanged == {"borrowers": 2, "loans": 2, "schedule": 0, "payments": 1}
    assert report.journal_seq is None
    assert table_counts(db_url) == before


def test_dry_run_validates_and_writes_nothing(db_url, tmp_path):
    before = table_counts(db_url)
    report = import_book(db_url, good_book(tmp_path / "in"), dry_run=True)
    assert report.dry_run and report.new["loans"] == 2
    assert table_counts(db_url) == before
    # A dry run still finds bad rows.
    write_book(tmp_path / "bad", borrowers=[borrower()], loans=[loan(principal="-1.00")])
    assert rejected(db_url, tmp_path / "bad", dry_run=True)[0][:3] == ("loans.csv", 2, "principal")


@pytest.mark.parametrize("fmt", FORMATS)
def test_naive_timestamp_is_a_bad_row(db_url, tmp_path, fmt):
    folder = good_book(tmp_path / "in", fmt, payments=[
        payment("P1", "L1", "2026-02-15T10:00:00+08:00", "10.00"), payment("P2", "L1", "2026-02-16T10:00:00", "10.00")])
    (err,) = rejected(db_url, folder)
    assert err[:3] == (f"payments.{fmt}", 3, "paid_at") and "naive" in err[3]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_time_zone(db_url, tmp_path, fmt):
    folder = good_book(tmp_path / "in", fmt, borrowers=[borrower(), borrower("B2", timezone="Mars/Olympus")])
    errs = rejected(db_url, folder)
    assert errs[0][:3] == (f"borrowers.{fmt}", 3, "timezone") and "Mars/Olympus" in errs[0][3]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_column_is_unusable_input(db_url, tmp_path, fmt):
    folder = good_book(tmp_path / "in", fmt, loans=[{**loan(), "branch": "SH01"}])
    before = table_counts(db_url)
    with pytest.raises(InputError, match=rf"loans\.{fmt}: unknown column 'branch'") as exc:
        import_book(db_url, folder)
    assert exc.value.exit_code == 2
    assert table_counts(db_url) == before


def test_missing_required_column_is_unusable_input(db_url, tmp_path):
    row = loan()
    del row["term_months"]
    folder = good_book(tmp_path / "in", loans=[row])
    with pytest.raises(InputError, match="required column 'term_months' is missing"):
        import_book(db_url, folder)
    assert table_counts(db_url)["loans"] == 0


@pytest.mark.parametrize("field,value,reason", [
    ("principal", "12,000.x", "not a number"),
    ("principal", "0", "must be positive"),
    ("principal", "100.001", "more than two decimals"),
    ("annual_rate", "18", "not a fraction"),
    ("disbursed_on", "2026-02-30", "not an ISO date"),
    ("disbursed_on", "15/01/2026", "not an ISO date"),
    ("term_months", "1.5", "not a whole number"),
    ("repayment_method", "balloon", "unknown repayment method"),
    ("currency", "RMB1", "ISO 4217"),
    ("borrower_id", None, "required value is missing"),
])
def test_bad_loan_values(db_url, tmp_path, field, value, reason):
    folder = good_book(tmp_path / "in", loans=[loan(), loan("L2", **{field: value})])
    errs = rejected(db_url, folder)
    assert [e[:3] for e in errs] == [("loans.csv", 3, field)]
    assert reason in errs[0][3]


@pytest.mark.parametrize("fmt", FORMATS)
def test_negative_payment_amount(db_url, tmp_path, fmt):
    folder = good_book(tmp_path / "in", fmt, payments=[payment("P1", "L1", "2026-02-15T10:00:00+08:00", "-5.00")])
    (err,) = rejected(db_url, folder)
    assert err[:3] == (f"payments.{fmt}", 2, "amount") and "positive" in err[3]


def test_every_bad_row_is_listed(db_url, tmp_path):
    folder = good_book(tmp_path / "in",
                       loans=[loan(principal="abc"), loan("L2", disbursed_on="yesterday"), loan("L3")],
                       payments=[payment("P1", "L9", "2026-02-15T10:00:00+08:00", "1.00")])
    errs = rejected(db_url, folder)
    assert [e[:3] for e in errs] == [("loans.csv", 2, "principal"), ("loans.csv", 3, "disbursed_on"),
                                     ("payments.csv", 2, "loan_id")]


def test_duplicate_id_with_different_content_in_one_file(db_url, tmp_path):
    folder = good_book(tmp_path / "in", loans=[loan(), loan(principal="9000.00")])
    (err,) = rejected(db_url, folder)
    assert err[:3] == ("loans.csv", 3, "loan_id") and "first seen in loans.csv, row 2" in err[3]


def test_duplicate_id_with_the_same_content_is_one_record(db_url, tmp_path):
    report = import_book(db_url, good_book(tmp_path / "in", loans=[loan(), loan()]))
    assert report.new["loans"] == 1


def test_duplicate_id_with_different_content_than_the_database(db_url, tmp_path):
    import_book(db_url, good_book(tmp_path / "in"))
    errs = rejected(db_url, good_book(tmp_path / "again", loans=[loan(annual_rate="0.20")],
                                      payments=[payment("P1", "L1", "2026-02-15T10:00:00+08:00", "1100.17")],
                                      borrowers=[borrower(name="李四")]))
    assert [e[:3] for e in errs] == [("borrowers.csv", 2, "borrower_id"), ("loans.csv", 2, "loan_id"),
                                     ("payments.csv", 2, "payment_id")]
    assert all("imported before with different content" in e[3] for e in errs)


def test_payment_for_an_unknown_loan_and_loan_of_an_unknown_borrower(db_url, tmp_path):
    folder = write_book(tmp_path / "in", loans=[loan(borrower_id="B404")],
                        payments=[payment("P1", "L404", "2026-02-15T10:00:00+08:00", "1.00")])
    errs = rejected(db_url, folder)
    assert [e[:3] for e in errs] == [("loans.csv", 2, "borrower_id"), ("payments.csv", 2, "loan_id")]
    assert "unknown borrower B404" in errs[0][3] and "unknown loan L404" in errs[1][3]


def test_payments_for_loans_already_in_the_database(db_url, tmp_path):
    import_book(db_url, good_book(tmp_path / "in"))
    write_book(tmp_path / "pay", payments=[payment("P2", "L2", "2026-03-01T09:00:00-05:00", "50.00")])
    assert import_book(db_url, tmp_path / "pay").new["payments"] == 1
    # Local date in the borrower's zone (America/New_York).
    assert rows(db_url, "SELECT paid_on FROM payments WHERE id = 'P2'")[0]["paid_on"] == date(2026, 3, 1)


def test_payment_before_disbursement(db_url, tmp_path):
    folder = good_book(tmp_path / "in", payments=[payment("P1", "L1", "2026-01-14T10:00:00+08:00", "1.00")])
    (err,) = rejected(db_url, folder)
    assert err[:3] == ("payments.csv", 2, "paid_at") and "before loan L1 was disbursed" in err[3]


def test_loan_above_the_legal_cost_cap_is_rejected(db_url, tmp_path):
    folder = good_book(tmp_path / "in", loans=[loan(), loan("L2", annual_rate="0.40")])
    (err,) = rejected(db_url, folder)
    assert err[:3] == ("loans.csv", 3, "annual_rate") and "exceeds the legal cap of 36 %" in err[3]
    assert "40.00 %" in err[3]


@pytest.mark.parametrize("method", ["annuity", "equal_principal", "interest_only", "bullet"])
def test_loan_exactly_at_the_cap_is_accepted(db_url, tmp_path, method):
    folder = good_book(tmp_path / "in", loans=[loan(annual_rate="0.36", repayment_method=method,
                                                    disbursed_on="2026-01-31")], payments=None)
    assert import_book(db_url, folder).new["loans"] == 1


def test_bullet_loan_above_the_cap_is_rejected(db_url, tmp_path):
    folder = good_book(tmp_path / "in", loans=[loan(annual_rate="0.40", repayment_method="bullet")], payments=None)
    assert rejected(db_url, folder)[0][2] == "annual_rate"


def test_product_cap_from_the_products_file(db_url, tmp_path, monkeypatch):
    from accord.config import get_settings

    products = tmp_path / "products.yaml"
    products.write_text('products:\n  cash24:\n    annual_cost_cap: "0.24"\n', encoding="utf-8")
    monkeypatch.setenv("ACCORD_PRODUCTS_FILE", str(products))
    get_settings.cache_clear()
    try:
        folder = good_book(tmp_path / "in", loans=[loan(annual_rate="0.30", product="cash24"),
                                                   loan("L2", annual_rate="0.30")], payments=None)
        (err,) = rejected(db_url, folder)
        assert err[:3] == ("loans.csv", 2, "annual_rate") and "24 % for product cash24" in err[3]
    finally:
        monkeypatch.delenv("ACCORD_PRODUCTS_FILE")
        get_settings.cache_clear()


SCHEDULE = [
    {"loan_id": "L1", "installment_no": "1", "due_on": "2026-02-15", "principal_due": "4000.00",
     "interest_due": "150.00", "fee_due": "20.00"},
    {"loan_id": "L1", "installment_no": "2", "due_on": "2026-03-15", "principal_due": "8000.00",
     "interest_due": "100.00"},
]


def test_schedule_file_replaces_the_generated_schedule(db_url, tmp_path):
    folder = good_book(tmp_path / "in", schedule=SCHEDULE, payments=None)
    report = import_book(db_url, folder)
    assert report.new["schedule"] == 2
    assert [(i["installment_no"], i["due_on"], i["principal_due"], i["interest_due"], i["fee_due"])
            for i in installments(db_url)] == [(1, date(2026, 2, 15), 400000, 15000, 2000),
                                               (2, date(2026, 3, 15), 800000, 10000, 0)]
    assert loan_row(db_url)["schedule_source"] == "imported"
    assert loan_row(db_url, "L2")["schedule_source"] == "generated"


@pytest.mark.parametrize("change,field,reason", [
    ({"installment_no": "3"}, "installment_no", "without gaps"),
    ({"principal_due": "7999.99"}, "principal_due", "adds up to 11999.99"),
    ({"due_on": "2026-02-01"}, "due_on", "increase"),
])
def test_schedule_file_validation(db_url, tmp_path, change, field, reason):
    sched = [SCHEDULE[0], {**SCHEDULE[1], **change}]
    errs = rejected(db_url, good_book(tmp_path / "in", schedule=sched, payments=None))
    assert [e[:3] for e in errs] == [("schedule.csv", 2, field)] and reason in errs[0][3]


def test_schedule_for_a_loan_not_in_the_import(db_url, tmp_path):
    sched = [*SCHEDULE, {**SCHEDULE[0], "loan_id": "L7"}]
    errs = rejected(db_url, good_book(tmp_path / "in", schedule=sched, payments=None))
    assert [e[:3] for e in errs] == [("schedule.csv", 4, "loan_id")]


def test_unrecognised_file_name_and_type(db_url, tmp_path):
    folder = tmp_path / "in"
    write_table(folder.mkdir() or folder / "tape.csv", [loan()])
    with pytest.raises(InputError, match="cannot tell which file this is"):
        import_book(db_url, folder / "tape.csv")
    (folder / "loans.txt").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        import_book(db_url, folder / "loans.txt")
    with pytest.raises(InputError, match="no such file"):
        import_book(db_url, folder / "missing.csv")


def test_xlsx_with_real_number_and_date_cells(db_url, tmp_path):
    import datetime as dt

    import xlsxwriter

    folder = write_book(tmp_path / "in", borrowers=[borrower()])
    wb = xlsxwriter.Workbook(str(folder / "loans.xlsx"))
    ws = wb.add_worksheet()
    for j, h in enumerate(["loan_id", "borrower_id", "principal", "annual_rate", "disbursed_on", "term_months",
                           "repayment_method"]):
        ws.write_string(0, j, h)
    ws.write_row(1, 0, ["L1", "B1", 12000, 0.18])
    ws.write_datetime(1, 4, dt.datetime(2026, 1, 15), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_number(1, 5, 12)
    ws.write_string(1, 6, "等额本息")
    wb.close()
    import_book(db_url, folder)
    lr = loan_row(db_url)
    assert (lr["principal_minor"], lr["disbursed_on"], lr["repayment_method"]) == (1200000, date(2026, 1, 15), "annuity")
    assert installments(db_url)[0]["interest_due"] == 18000


MAPPING = """
loans:
  file: "tape*.csv"
  rename: {LoanNo: loan_id, ClientNo: borrower_id, Amount: principal, Rate: annual_rate, Start: disbursed_on,
           Months: term_months, Method: repayment_method}
  values:
    repayment_method: {等额本息: annuity, 先息后本: interest_only}
  percent: [annual_rate]
  date_formats: {disbursed_on: "%Y/%m/%d"}
  defaults: {currency: CNY, grace_days: "3"}
  drop: [BranchCode]
"""


def test_mapping_file_renames_and_converts(db_url, tmp_path):
    folder = write_book(tmp_path / "in", borrowers=[borrower()])
    write_table(folder / "tape_2026.csv", [
        {"LoanNo": "T1", "ClientNo": "B1", "Amount": "12000.00", "Rate": "18%", "Start": "2026/01/15",
         "Months": "12", "Method": "等额本息", "BranchCode": "SH01"},
        {"LoanNo": "T2", "ClientNo": "B1", "Amount": "6000.00", "Rate": "12", "Start": "2026/02/01",
         "Months": "3", "Method": "先息后本", "BranchCode": "SH02"}])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    report = import_book(db_url, folder, mapping=mapping)
    assert report.new["loans"] == 2
    t1, t2 = loan_row(db_url, "T1"), loan_row(db_url, "T2")
    assert (t1["annual_rate"], t1["disbursed_on"], t1["repayment_method"], t1["grace_days"], t1["currency"]) == (
        "0.18", date(2026, 1, 15), "annuity", 3, "CNY")
    assert (t2["annual_rate"], t2["repayment_method"]) == ("0.12", "interest_only")
    assert installments(db_url, "T1")[0]["interest_due"] == 18000


def test_mapping_conversion_failures_are_reported_by_row(db_url, tmp_path):
    folder = write_book(tmp_path / "in", borrowers=[borrower()])
    write_table(folder / "tape.csv", [
        {"LoanNo": "T1", "ClientNo": "B1", "Amount": "12000.00", "Rate": "abc%", "Start": "15.01.2026",
         "Months": "12", "Method": "等额本息"}])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    errs = rejected(db_url, folder, mapping=mapping)
    assert [e[:3] for e in errs] == [("tape.csv", 2, "annual_rate"), ("tape.csv", 2, "disbursed_on")]


@pytest.mark.parametrize("text,match", [
    ("widgets: {}\n", "unknown file kind 'widgets'"),
    ("loans: {renames: {}}\n", "unknown key 'renames'"),
    ("- just a list\n", "expected a mapping"),
])
def test_bad_mapping_file_is_unusable_input(db_url, tmp_path, text, match):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        import_book(db_url, good_book(tmp_path / "in"), mapping=mapping)


def test_import_registers_phone_and_email_as_contact_points(db_url, tmp_path):
    """The gate reads consent and opt-outs per address from contact points: import creates them."""
    from sqlalchemy import select

    from accord.kit.db import session_scope
    from accord.loans.importing.service import import_files
    from accord.loans.models import ContactPoint

    (tmp_path / "borrowers.csv").write_text(
        "borrower_id,name,timezone,phone,email\nB1,张三,Asia/Shanghai,+8613800000000,\nB2,Ann,Europe/London,,ann@example.com\n",
        encoding="utf-8")
    with session_scope(db_url) as s:
        import_files(s, [tmp_path / "borrowers.csv"])
    with session_scope(db_url) as s:
        got = sorted((c.borrower_id, c.kind, c.value) for c in s.scalars(select(ContactPoint)))
    assert got == [("B1", "mobile", "+8613800000000"), ("B2", "email", "ann@example.com")]
