"""Point-in-time features of the book: exact DPD history, no leakage, optional families."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from accord.kit.db import session_scope
from accord.kit.migrate import upgrade
from accord.kit.timeutil import epoch_day
from accord.scoring.book_features import FEATURE_COLUMNS, ID_COLUMNS, build_features, features_for, repository
from accord.scoring.book_features.history import history_features

D = date(2026, 3, 20)
END = date(2026, 5, 15)


# -- pure: DPD history against a day-by-day brute force --------------------------------------------


@st.composite
def loan_history(draw):
    """One loan: monthly dues, each settled some days early/late or never; payments of any size."""
    n = draw(st.integers(1, 6))
    due = [100 + 30 * k for k in range(n)]
    lateness = draw(st.lists(st.one_of(st.none(), st.integers(-3, 70)), min_size=n, max_size=n))
    settled = [None if lt is None else due[k] + lt for k, lt in enumerate(lateness)]
    pays = draw(st.lists(st.tuples(st.integers(90, 330), st.integers(1, 900)), max_size=8))
    d = draw(st.integers(95, 340))
    return due, settled, pays, d


def _frames(due, settled, pays):
    inst = pl.DataFrame({"loan_pk": [1] * len(due), "installment_no": list(range(1, len(due) + 1)), "due_day": due,
                         "scheduled_minor": [500] * len(due), "principal_due": [400] * len(due),
                         "settled_day": settled}, schema_overrides={"settled_day": pl.Int64})
    p = pl.DataFrame({"loan_pk": [1] * len(pays), "paid_day": [x for x, _ in pays],
                      "amount_minor": [a for _, a in pays]}, schema={"loan_pk": pl.Int64, "paid_day": pl.Int64,
                                                                     "amount_minor": pl.Int64})
    return inst, p


def _brute_dpd(due, settled, t):
    """The engine's rule: t minus the due day of the oldest installment not settled by the end of t."""
    open_ = [dd for dd, s in zip(due, settled, strict=True) if dd < t and (s is None or s > t)]
    return t - min(open_) if open_ else 0


@settings(max_examples=150, deadline=None)
@given(loan_history())
def test_history_matches_a_day_by_day_replay(case):
    due, settled, pays, d = case
    inst, p = _frames(due, settled, pays)
    row = history_features(inst, p, pl.DataFrame({"loan_pk": [1], "d": [d]})).row(0, named=True)
    series = [_brute_dpd(due, settled, t) for t in range(90, d + 1)]
    assert row["dpd"] == series[-1]
    assert row["max_dpd_ever"] == max(series)
    assert row["max_dpd_90d"] == max(series[-90:])
    entries = sum(1 for a, b in zip(series, series[1:]) if a == 0 and b >= 1)
    assert row["times_delinquent"] == entries
    assert row["payments_count"] == sum(1 for x, _ in pays if x <= d)


@settings(max_examples=150, deadline=None)
@given(loan_history())
def test_history_ignores_everything_after_the_decision_day(case):
    """Truncating the data at d (later payments gone, later settlements not happened yet) changes nothing."""
    due, settled, pays, d = case
    full = history_features(*_frames(due, settled, pays), pl.DataFrame({"loan_pk": [1], "d": [d]}))
    cut_settled = [s if s is not None and s <= d else None for s in settled]
    cut = history_features(*_frames(due, cut_settled, [x for x in pays if x[0] <= d]),
                           pl.DataFrame({"loan_pk": [1], "d": [d]}))
    assert full.equals(cut, null_equal=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(loan_history(), min_size=2, max_size=5), st.randoms(use_true_random=False),
       st.sampled_from([1, 2**20 + 7, 2**40 + 3]), st.booleans())
def test_many_loans_in_any_row_order_match_each_loan_alone(cases, rnd, base_pk, one_day):
    """The segment code keys by loan: shuffled rows of several loans (large primary keys; one
    decision day for all — the daily path — or two per loan — the training path) give each loan
    exactly what it gets alone."""
    insts, pays, pops, alone = [], [], [], []
    for k, (due, settled, p, d) in enumerate(cases):
        inst, pay = _frames(due, settled, p)
        pk = base_pk + 3 * k
        inst, pay = inst.with_columns(pl.lit(pk).alias("loan_pk")), pay.with_columns(pl.lit(pk).alias("loan_pk"))
        pop = pl.DataFrame({"loan_pk": [pk], "d": [200]}) if one_day else pl.DataFrame({"loan_pk": [pk, pk], "d": [d, d + 17]})
        alone.append(history_features(inst, pay, pop))
        insts.append(inst), pays.append(pay), pops.append(pop)
    shuffle = lambda df: df[rnd.sample(range(df.height), df.height)] if df.height else df  # noqa: E731
    together = history_features(shuffle(pl.concat(insts)), shuffle(pl.concat(pays)), pl.concat(pops))
    assert together.equals(pl.concat(alone), null_equal=True)


@settings(max_examples=25, deadline=None)
@given(st.lists(loan_history(), min_size=3, max_size=12), st.integers(1, 40), st.booleans())
def test_schedule_statistics_do_not_depend_on_how_the_rows_are_cut(cases, chunk_rows, one_day):
    """Large books are computed in pieces of whole loans (``CHUNK_ROWS``): any piece size gives
    what one piece gives."""
    from accord.scoring.book_features import history

    insts, pays, pops = [], [], []
    for k, (due, settled, p, d) in enumerate(cases):
        inst, pay = _frames(due, settled, p)
        insts.append(inst.with_columns(pl.lit(10 + k).alias("loan_pk")))
        pays.append(pay.with_columns(pl.lit(10 + k).alias("loan_pk")))
        pops.append(pl.DataFrame({"loan_pk": [10 + k], "d": [200]}) if one_day
                    else pl.DataFrame({"loan_pk": [10 + k, 10 + k], "d": [d, d + 17]}))
    inst, pay, pop = pl.concat(insts), pl.concat(pays), pl.concat(pops)
    whole = history_features(inst, pay, pop)
    old = history.CHUNK_ROWS
    try:
        history.CHUNK_ROWS = chunk_rows
        cut = history_features(inst, pay, pop)
    finally:
        history.CHUNK_ROWS = old
    assert cut.equals(whole, null_equal=True)


# -- database: the same book with and without the future ---------------------------------------------


def _load(url: str, cut_at: date | None) -> None:
    from accord.batch.service import run_day
    from accord.simulation.service import load_demo

    with session_scope(url) as s:
        load_demo(s, 400, 11, END)
        if cut_at is not None:  # what the database held on the evening of cut_at
            s.execute(text("DELETE FROM payments WHERE paid_on > :d"), {"d": cut_at})
    with session_scope(url) as s:
        run_day(s, date(2026, 2, 28), snapshot_from=date(2026, 2, 1))
    with session_scope(url) as s:
        run_day(s, cut_at or END)
    with session_scope(url) as s:
        _promise(s, date(2026, 3, 1), "kept", date(2026, 3, 10))  # known on D
        if cut_at is None:
            _promise(s, date(2026, 3, 12), "broken", date(2026, 3, 25))  # judged after D
            _promise(s, date(2026, 4, 2), "pending", None)  # taken after D
            # an arrangement active on D, broken after it; another offered after D
            _arrangement(s, date(2026, 3, 5), [("offered", 5), ("active", 6), ("broken", 40)])
            _arrangement(s, date(2026, 4, 1), [("offered", 0)])
        else:
            _promise(s, date(2026, 3, 12), "pending", None)  # on D it was still pending
            _arrangement(s, date(2026, 3, 5), [("offered", 5), ("active", 6)])


def _promise(session, taken_on: date, status: str, judged_on: date | None) -> None:
    # The first loan open on D: the same loan, in the same state, in the full and the cut book.
    pk, lid, bid = session.execute(text(
        "SELECT l.pk, l.id, l.borrower_id FROM loans l JOIN delinquency_snapshots s ON s.loan_pk = l.pk"
        " WHERE s.as_of = :d AND s.closed = :f ORDER BY l.pk LIMIT 1"), {"d": D, "f": False}).one()
    session.execute(text(
        "INSERT INTO promises (loan_pk, loan_id, borrower_id, amount_minor, due_on, channel, taken_by, taken_at,"
        " taken_on, status, paid_minor, judged_on) VALUES (:pk, :lid, :bid, 10000, :due, 'sms', 'agent:A1', :at,"
        " :on, :st, 0, :j)"),
        {"pk": pk, "lid": lid, "bid": bid, "due": taken_on + timedelta(days=5),
         "at": datetime.combine(taken_on, datetime.min.time()).replace(hour=3, tzinfo=UTC).replace(tzinfo=None),
         "on": taken_on, "st": status, "j": judged_on})


def _arrangement(session, offered_on: date, history: list[tuple[str, int]]) -> None:
    """An arrangement on the same first loan, with its status history (status, days after March 1)."""
    import json

    pk, lid, bid = session.execute(text(
        "SELECT l.pk, l.id, l.borrower_id FROM loans l JOIN delinquency_snapshots s ON s.loan_pk = l.pk"
        " WHERE s.as_of = :d AND s.closed = :f ORDER BY l.pk LIMIT 1"), {"d": D, "f": False}).one()
    events = [{"status": st, "at": (datetime(2026, 3, 1, 9, tzinfo=UTC) + timedelta(days=k)).isoformat(), "by": "test"}
              for st, k in history]
    offered = datetime.combine(offered_on, datetime.min.time()).replace(hour=9)
    session.execute(text(
        "INSERT INTO arrangements (loan_pk, loan_id, borrower_id, kind, status, terms, approval_needed, breaches,"
        " approvals, history, offered_by, offered_at, valid_until, plan_nos, restructure, missed)"
        " VALUES (:pk, :lid, :bid, 'plan', :st, '{}', 'auto', '[]', '[]', :h, 'agent:A1', :at, :until, '[]', '{}', 0)"),
        {"pk": pk, "lid": lid, "bid": bid, "st": history[-1][0], "h": json.dumps(events), "at": offered,
         "until": offered_on + timedelta(days=7)})


@pytest.fixture
def books(db_url, tmp_path):
    """(full book with history after D, the same book as it stood on D)."""
    cut = f"sqlite:///{tmp_path / 'cut.db'}"
    upgrade(cut)
    _load(db_url, None)
    _load(cut, D)
    return db_url, cut


def test_features_on_d_are_identical_with_or_without_the_future(books):
    full_url, cut_url = books
    with session_scope(full_url) as s:
        full = build_features(s, D)
        later = repository.last_snapshot_day(s)
    with session_scope(cut_url) as s:
        cut = build_features(s, D)
    assert later == END  # the full book really holds 8 weeks more
    assert full.height > 200
    assert full.columns == [*ID_COLUMNS, *FEATURE_COLUMNS]
    assert full.equals(cut, null_equal=True)
    # The test is not vacuous: the same book on a later day does look different.
    with session_scope(full_url) as s:
        assert not build_features(s, D + timedelta(days=30)).equals(full)
    one = full.filter(pl.col("promises_made") > 0)
    assert one.select("promises_made", "promises_kept", "promises_broken", "promises_pending").rows() == [(2, 1, 0, 1)]
    # the arrangement broken after D was still active on D; the one offered after D is unknown
    assert one.select("arrangements", "arrangements_broken", "arrangements_active").rows() == [(1, 0, 1)]
    pk = one["loan_pk"][0]
    with session_scope(full_url) as s:  # both days at once (the stacked path of training tables)
        both = features_for(s, pl.DataFrame({"loan_pk": [pk, pk], "d": [epoch_day(D), epoch_day(date(2026, 4, 15))]}))
    assert both.select("arrangements", "arrangements_broken", "arrangements_active").rows() == [(1, 0, 1), (2, 1, 0)]
    assert both.row(0, named=True) == one.row(0, named=True)


def _dpd_and_entries_agree_with_the_daily_snapshots(full_url):
    with session_scope(full_url) as s:
        for day in (date(2026, 3, 1), D, END):
            f = build_features(s, day)
            snap = repository.read_snapshots(s, day, day).filter(~pl.col("closed"))
            j = f.join(snap, on="loan_pk", how="inner")
            assert j.height == f.height
            assert (j["dpd"] == j["dpd_right"]).all()
            assert (j["bucket_no"] == j["bucket"].str.slice(1).cast(pl.Int64)).all()
        hist = repository.read_snapshots(s, date(2026, 2, 2), END)
        entries = hist.filter((pl.col("prev_bucket") == "M0") & (pl.col("bucket") == "M1")).group_by("loan_pk").len()
        before = build_features(s, date(2026, 2, 1)).select("loan_pk", pl.col("times_delinquent").alias("t0"))
        after = build_features(s, END).join(before, on="loan_pk", how="left").join(entries, on="loan_pk", how="left")
        diff = after["times_delinquent"] - after["t0"].fill_null(0) - after["len"].fill_null(0).cast(pl.Int64)
        assert entries.height > 5 and (diff == 0).all()


def _optional_families_are_null_when_their_tables_are_absent(full_url):
    with session_scope(full_url) as s:
        f = build_features(s, D, tables=set())
        g = build_features(s, D)
    for col in ("promises_made", "contacts_out_90d", "replies_90d", "arrangements"):
        assert f[col].null_count() == f.height
    assert g["promises_made"].null_count() == 0  # the table exists here: counts, 0 when none
    assert g["arrangements"].null_count() == 0
    core = [c for c in FEATURE_COLUMNS if not c.startswith(("promise", "contact", "reached", "rpc", "no_answer",
                                                            "inbound", "days_since_contact", "respons", "repl",
                                                            "arrangement"))]
    assert f.select(core).equals(g.select(core), null_equal=True)


def _features_are_plausible(full_url):
    with session_scope(full_url) as s:
        f = build_features(s, END)
    assert (f["max_dpd_180d"] >= f["dpd"]).all() and (f["max_dpd_ever"] >= f["max_dpd_180d"]).all()
    assert f["partial_payment_ratio"].drop_nulls().is_between(0, 1).all()
    assert f["on_time_share"].drop_nulls().is_between(0, 1).all()
    assert (f["months_on_book"] >= 0).all() and (f["balance_minor"] >= 0).all()
    assert np.isin(f["language"].unique().to_numpy(), ["zh", "en"]).all()
    assert f.filter(pl.col("dpd") > 0)["unpaid_installments"].min() >= 1
    assert epoch_day(END) - f["days_since_last_payment"].drop_nulls().max() >= epoch_day(date(2025, 5, 1))


def test_the_full_book_agrees_with_snapshots_skips_absent_tables_and_is_plausible(books):
    """One book, three checks (building a book is the slow part)."""
    full_url, _ = books
    _dpd_and_entries_agree_with_the_daily_snapshots(full_url)
    _optional_families_are_null_when_their_tables_are_absent(full_url)
    _features_are_plausible(full_url)


def test_an_empty_book_gives_an_empty_feature_table(db_url):
    """No loans yet: no rows, every column (the empty reads keep their types through the packing)."""
    with session_scope(db_url) as s:
        f = build_features(s, D)
    assert f.height == 0
    assert f.columns == [*ID_COLUMNS, *FEATURE_COLUMNS]
