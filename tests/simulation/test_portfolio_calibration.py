"""The synthetic portfolio must behave like a real book (docs/calibration.md, China figures):
day-1 delinquency 4–6 %, 30-day cure 86–90 %, 90+ ratio 1.5–3.5 % — measured the way the KPI report
measures them, through the real import-free path (load_demo → daily runs → snapshots)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from accord.batch.service import run_day
from accord.delinquency import metrics, repository
from accord.kit.db import session_scope
from accord.kit.migrate import upgrade
from accord.simulation.portfolio import generate_portfolio
from accord.simulation.service import load_demo


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cal') / 'cal.db'}"
    upgrade(url)
    with session_scope(url) as s:
        load_demo(s, 8000, 11, date(2026, 6, 30))
    with session_scope(url) as s:
        run_day(s, date(2026, 3, 31))
    with session_scope(url) as s:
        run_day(s, date(2026, 6, 30))
    return url


def test_kpis_land_in_published_ranges(book):
    a, b = date(2026, 4, 1), date(2026, 6, 30)
    with session_scope(book) as s:
        k = metrics.kpis(repository.installments_due_between(s, a, b), repository.snapshots_between(s, a, b), a, b)
    assert 0.04 <= k.day1_delinquency_count <= 0.065, k
    assert 0.84 <= k.cure_30d <= 0.92, k  # 86–90 % published; a few hundred entries carry sampling noise
    assert 0.015 <= k.ratio_90_plus_count <= 0.035, k


def test_generation_is_deterministic_and_mixed():
    a = generate_portfolio(2000, 5, date(2026, 6, 30))
    b = generate_portfolio(2000, 5, date(2026, 6, 30))
    assert a.loans.equals(b.loans) and a.payments.equals(b.payments)
    assert set(a.loans["repayment_method"]) == {"annuity", "equal_principal", "interest_only", "bullet"}
    assert set(a.loans["kind"]) == {"institution", "iou"}
    assert set(a.borrowers["language"]) == {"zh", "en"}
    assert a.borrowers["timezone"].n_unique() >= 4
    # Chinese borrowers have Chinese names; English ones Latin names.
    zh = a.borrowers.filter(pl.col("language") == "zh")["name"].to_list()
    assert all("\u4e00" <= n[0] <= "\u9fff" for n in zh)


def test_hidden_traits_drive_payments():
    """Borrowers with low willingness miss more installments: the signal scoring models learn."""
    pf = generate_portfolio(6000, 3, date(2026, 6, 30))
    paid = pf.payments.group_by("loan").len().rename({"len": "payments"})
    loans = pf.loans.with_row_index("loan").with_columns(pl.col("loan").cast(pl.Int64))
    t = loans.join(pf.traits, left_on="borrower_id", right_on="borrower_id").join(paid, on="loan", how="left")
    t = t.with_columns(pl.col("payments").fill_null(0))
    low = t.filter(pl.col("willingness") < 0.5)["payments"].mean()
    high = t.filter(pl.col("willingness") > 0.85)["payments"].mean()
    assert low < high
