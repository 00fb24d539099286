"""The daily run (batch/service.run_day) through the database, with hand-checked outcomes.

The loan of every case (fixtures.book.loan): 12,000.00 at 18 % over 12 months, annuity, disbursed
2026-01-15 to a borrower in Asia/Shanghai. Installment 1 is due 2026-02-15 (920.16 principal + 180.00
interest = 1,100.16), installment 2 on 2026-03-15 (933.96 + 166.20), installment 3 on 2026-04-15
(947.97 + 152.19). Money read back from the database is in integer cents.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accord.kit.errors import ProblemError
from fixtures.book import (borrower, import_book, installments, loan, loan_row, payment, postings, rows, run,
                           snapshot, snapshots, write_book)


def book(db_url, tmp_path, payments=(), **loan_kw):
    write_book(tmp_path / "book", borrowers=[borrower()], loans=[loan(**loan_kw)],
               payments=list(payments) or None)
    import_book(db_url, tmp_path / "book")


def pay(pid, day, amount, time="10:00:00"):
    return payment(pid, "L1", f"{day}T{time}+08:00", amount)


def test_payment_on_the_due_date_keeps_dpd_zero(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "1100.16")])
    run(db_url, "2026-02-15")
    s = snapshot(db_url, "2026-02-15")
    assert (s["dpd"], s["bucket"], s["overdue_principal"], s["outstanding_principal"]) == (0, "M0", 0, 1107984)
    inst = installments(db_url)[0]
    assert (inst["principal_paid"], inst["interest_paid"], inst["settled_on"]) == (92016, 18000, date(2026, 2, 15))
    run(db_url, "2026-02-16")
    assert snapshot(db_url, "2026-02-16")["dpd"] == 0


def test_payment_late_in_the_evening_counts_on_the_borrowers_local_date(db_url, tmp_path):
    # 2026-02-15 18:30 in New York is 2026-02-16 07:30 in Shanghai: one day late for this borrower.
    book(db_url, tmp_path, [payment("P1", "L1", "2026-02-15T18:30:00-05:00", "1100.16")])
    run(db_url, "2026-02-16")
    assert rows(db_url, "SELECT paid_on FROM payments")[0]["paid_on"] == date(2026, 2, 16)
    assert installments(db_url)[0]["settled_on"] == date(2026, 2, 16)


def test_partial_payment_leaves_the_installment_unpaid(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "1000.00")])
    run(db_url, "2026-02-20")
    inst = installments(db_url)[0]
    # Interest first (180.00), then principal 820.00 of 920.16.
    assert (inst["interest_paid"], inst["principal_paid"], inst["settled_on"]) == (18000, 82000, None)
    s = snapshot(db_url, "2026-02-20")
    assert (s["dpd"], s["bucket"], s["overdue_principal"], s["overdue_interest"]) == (5, "M1", 10016, 0)
    assert s["outstanding_principal"] == 1200000 - 82000


def test_dpd_and_bucket_boundaries(db_url, tmp_path):
    book(db_url, tmp_path)
    run(db_url, "2026-08-15", snapshot_from=date(2026, 2, 14))
    expect = {"2026-02-14": (0, "M0"), "2026-02-15": (0, "M0"), "2026-02-16": (1, "M1"),
              "2026-03-17": (30, "M1"), "2026-03-18": (31, "M2"), "2026-04-16": (60, "M2"),
              "2026-04-17": (61, "M3"), "2026-08-14": (180, "M6"), "2026-08-15": (181, "M7")}
    for day, (dpd, bucket) in expect.items():
        s = snapshot(db_url, day)
        assert (s["dpd"], s["bucket"]) == (dpd, bucket), day
    # On 2026-03-18 installments 1 and 2 are overdue: 920.16 + 933.96 principal, 180.00 + 166.20 interest.
    s = snapshot(db_url, "2026-03-18")
    assert (s["overdue_principal"], s["overdue_interest"], s["overdue_fees"]) == (185412, 34620, 0)
    # On the due date itself installment 2 is not overdue yet.
    assert snapshot(db_url, "2026-03-15")["overdue_principal"] == 92016
    assert len(snapshots(db_url)) == (date(2026, 8, 15) - date(2026, 2, 14)).days + 1


def test_penalty_accrues_after_grace_only(db_url, tmp_path):
    # 0.05 % a day on 920.16 = 0.46008 → 0.46; grace 3: days 1-3 past due are free, day 4 accrues.
    book(db_url, tmp_path, penalty_rate_daily="0.0005", grace_days=3)
    run(db_url, "2026-03-20", snapshot_from=date(2026, 2, 15))
    penalty = {d: snapshot(db_url, d)["penalty"] for d in
               ("2026-02-16", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-22", "2026-03-15")}
    assert penalty == {"2026-02-16": 0, "2026-02-18": 0, "2026-02-19": 46, "2026-02-20": 92,
                       "2026-02-22": 184, "2026-03-15": 46 * 25}
    # Installment 2 (933.96 → 0.46698 → 0.47 a day) starts accruing on its own day 4 (2026-03-19).
    assert snapshot(db_url, "2026-03-18")["penalty"] == 46 * 28
    assert snapshot(db_url, "2026-03-19")["penalty"] == 46 * 29 + 47
    insts = installments(db_url)
    assert [i["penalty_accrued"] for i in insts[:3]] == [46 * 30, 47 * 2, 0]
    assert sum(p["penalty"] for p in postings(db_url, kind="penalty")) == 46 * 30 + 47 * 2


def test_penalty_is_paid_first_within_the_installment(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-20", "100.00")], penalty_rate_daily="0.0005", grace_days=0)
    run(db_url, "2026-02-20")
    inst = installments(db_url)[0]
    # Days 1-4 accrued 0.46 each before the payment on day 5 (payments come before the day's accrual).
    assert (inst["penalty_paid"], inst["interest_paid"], inst["principal_paid"]) == (184, 9816, 0)
    assert inst["penalty_accrued"] == 184 + 46


def test_overpayment_becomes_credit_and_meets_the_next_installment(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "1500.00")])
    run(db_url, "2026-02-20")
    assert loan_row(db_url)["credit_minor"] == 39984
    assert installments(db_url)[1]["interest_paid"] == 0
    run(db_url, "2026-03-16")
    inst2 = installments(db_url)[1]
    # On 2026-03-15 the 399.84 credit pays interest 166.20 then 233.64 of principal.
    assert (inst2["interest_paid"], inst2["principal_paid"], inst2["settled_on"]) == (16620, 23364, None)
    assert loan_row(db_url)["credit_minor"] == 0
    alloc = [p for p in postings(db_url, kind="allocation") if p["installment_no"] == 2]
    assert [(p["effective_on"], p["interest"], p["principal"], p["payment_id"]) for p in alloc] == [
        (date(2026, 3, 15), 16620, 23364, None)]
    s = snapshot(db_url, "2026-03-16")
    assert (s["dpd"], s["overdue_principal"], s["overdue_interest"]) == (1, 93396 - 23364, 0)


def test_early_payoff_closes_the_loan_without_future_interest(db_url, tmp_path):
    # Installment 1 (1100.16) plus the remaining principal 11079.84, plus 20.00 too much.
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "12200.00")])
    run(db_url, "2026-02-15")
    lr = loan_row(db_url)
    assert (lr["status"], lr["closed_on"], lr["close_reason"], lr["credit_minor"]) == (
        "closed", date(2026, 2, 15), "paid_off", 2000)
    insts = installments(db_url)
    assert all(i["settled_on"] == date(2026, 2, 15) for i in insts)
    assert sum(i["principal_paid"] for i in insts) == 1200000
    assert sum(i["interest_paid"] for i in insts) == 18000
    assert all(i["interest_due"] == 0 for i in insts[1:])  # never charged
    assert snapshot(db_url, "2026-02-15")["closed"] is True
    run(db_url, "2026-02-20")
    assert snapshot(db_url, "2026-02-20") is None  # closed loans are no longer snapshotted


def test_two_payments_on_the_same_day_apply_in_time_order(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P2", "2026-02-15", "600.16", "18:00:00"), pay("P1", "2026-02-15", "500.00", "09:00:00")])
    run(db_url, "2026-02-15")
    alloc = postings(db_url, kind="allocation")
    assert [(p["payment_id"], p["interest"], p["principal"]) for p in alloc] == [
        ("P1", 18000, 32000), ("P2", 0, 60016)]
    assert installments(db_url)[0]["settled_on"] == date(2026, 2, 15)
    assert snapshot(db_url, "2026-02-15")["dpd"] == 0


def test_a_payment_imported_twice_is_applied_once(db_url, tmp_path):
    p1 = pay("P1", "2026-02-15", "1100.16")
    book(db_url, tmp_path, [p1, p1])  # the same row twice in one file: one payment
    run(db_url, "2026-02-16")
    write_book(tmp_path / "again", payments=[p1])
    report = import_book(db_url, tmp_path / "again")
    assert report.new["payments"] == 0 and report.unchanged["payments"] == 1
    run(db_url, "2026-02-20")
    assert [p["payment_id"] for p in postings(db_url, kind="allocation")] == ["P1"]
    assert loan_row(db_url)["credit_minor"] == 0
    assert rows(db_url, "SELECT COUNT(*) AS n FROM journal WHERE kind = 'payment.applied'")[0]["n"] == 1


def test_a_payment_that_arrives_after_its_day_was_run_is_applied_on_the_next_run(db_url, tmp_path):
    book(db_url, tmp_path)
    run(db_url, "2026-02-20")
    write_book(tmp_path / "late", payments=[pay("P1", "2026-02-15", "1100.16")])
    import_book(db_url, tmp_path / "late")
    run(db_url, "2026-02-21")
    assert rows(db_url, "SELECT applied_on FROM payments")[0]["applied_on"] == date(2026, 2, 21)
    s = snapshot(db_url, "2026-02-21")
    assert (s["dpd"], s["transition"]) == (0, "cure")


def test_transitions_across_consecutive_days(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-03-20", "1100.16"), pay("P2", "2026-03-22", "1100.16")])
    run(db_url, "2026-03-23", snapshot_from=date(2026, 2, 14))
    got = {d: (snapshot(db_url, d)["bucket"], snapshot(db_url, d)["transition"])
           for d in ("2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-03-18", "2026-03-20",
                     "2026-03-22", "2026-03-23")}
    assert got == {"2026-02-14": ("M0", "new"), "2026-02-15": ("M0", "stay"), "2026-02-16": ("M1", "roll_forward"),
                   "2026-02-17": ("M1", "stay"), "2026-03-18": ("M2", "roll_forward"),
                   # Installment 1 paid: the oldest unpaid is due 2026-03-15, DPD 5.
                   "2026-03-20": ("M1", "roll_back"), "2026-03-22": ("M0", "cure"), "2026-03-23": ("M0", "stay")}
    assert snapshot(db_url, "2026-03-20")["prev_bucket"] == "M2"


def test_transitions_carry_over_between_runs(db_url, tmp_path):
    book(db_url, tmp_path)
    run(db_url, "2026-02-15")
    run(db_url, "2026-02-16")
    s = snapshot(db_url, "2026-02-16")
    assert (s["prev_bucket"], s["transition"]) == ("M0", "roll_forward")


def test_run_refuses_a_date_before_the_last_run(db_url, tmp_path):
    book(db_url, tmp_path)
    run(db_url, "2026-03-01")
    with pytest.raises(ProblemError, match="2026-03-01"):
        run(db_url, "2026-02-28")


def test_running_the_same_date_twice_changes_nothing(db_url, tmp_path):
    from fixtures.book import table_counts

    book(db_url, tmp_path, [pay("P1", "2026-02-15", "1100.16")], penalty_rate_daily="0.0005")
    run(db_url, "2026-03-20")
    before = table_counts(db_url), installments(db_url), loan_row(db_url)
    again = run(db_url, "2026-03-20")
    assert again.already_done
    assert (table_counts(db_url), installments(db_url), loan_row(db_url)) == before


def test_the_first_run_catches_up_from_the_first_disbursement(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "1100.16")])
    report = run(db_url, "2026-02-20")
    assert report.processed_from == date(2026, 1, 15) and report.days == 37
    # Only the as-of date is snapshotted on a first run (unless --snapshots-from is given) ...
    assert [s["as_of"] for s in snapshots(db_url)] == [date(2026, 2, 20)]
    # ... and later runs snapshot every day since the last run.
    run(db_url, "2026-02-23")
    assert [s["as_of"] for s in snapshots(db_url)] == [date(2026, 2, 20) + timedelta(days=k) for k in range(4)]


def test_a_payment_to_a_closed_loan_is_held_as_credit_and_does_not_reopen_it(db_url, tmp_path):
    book(db_url, tmp_path, [pay("P1", "2026-02-15", "12180.00"), pay("P2", "2026-02-18", "5.00")])
    run(db_url, "2026-02-15")
    run(db_url, "2026-02-20")
    lr = loan_row(db_url)
    assert (lr["status"], lr["closed_on"], lr["close_reason"], lr["credit_minor"]) == (
        "closed", date(2026, 2, 15), "paid_off", 500)
    credit = [p["credit"] for p in postings(db_url, kind="credit")]
    assert sum(credit) == 500
