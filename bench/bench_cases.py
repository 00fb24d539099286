"""Case-workflow benchmark: the columnar paths the daily run calls on the whole book.

For each size N: write a synthetic book of N loans with two days of delinquency snapshots in bulk (10 %
delinquent, as in the issue's daily-run target), then time (median of repeats, each in a transaction
rolled back so every repeat does the same work):

- ``sync_cases`` on day 1, opening a case for every delinquent loan;
- ``sync_cases`` again after commit (nothing to change: the idempotent re-run);
- ``sync_cases`` on day 2 (stage updates, cures, payoffs, new cases);
- ``judge_promises`` with one pending promise per open case, half of them with a payment;
- ``active_holds`` for every borrower, with holds on 5 % of them.

Sizes: ACCORD_BENCH_CASES_SIZES (default "100000"; "100000,1000000" for the issue's full size, ~4 min). SQLite always; PostgreSQL too when
ACCORD_BENCH_PG_URL (or ACCORD_TEST_DATABASE_URL) is set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from datetime import date, timedelta

AS_OF = date(2026, 6, 30)
REPEAT = 3


def _pg_url(base: str):  # noqa: ANN202
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"bench_cases_{uuid.uuid4().hex[:8]}"
    u = make_url(base)
    plain = u.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        from accord.kit.db import engine_for, normalise_url

        engine_for(normalise_url(url)).dispose()
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')

    url = u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    return url, drop


def _timed_rollback(url: str, fn) -> tuple[float, object]:  # noqa: ANN001
    """Median wall time of ``fn(session)`` over REPEAT transactions that are rolled back."""
    import statistics

    from sqlalchemy.orm import sessionmaker

    from accord.kit.db import engine_for, normalise_url

    maker = sessionmaker(bind=engine_for(normalise_url(url)), expire_on_commit=False)
    times, result = [], None
    for _ in range(REPEAT):
        s = maker()
        try:
            t = time.perf_counter()
            result = fn(s)
            s.flush()
            times.append(time.perf_counter() - t)
        finally:
            s.rollback()
            s.close()
    return statistics.median(times), result


def _book(url: str, n: int, seed: int = 7) -> dict:
    """A synthetic book written in bulk: N borrowers and loans, and the snapshots of two days.

    Day 1 (AS_OF): 10 % of loans delinquent (dpd 1..200). Day 2: of those, 20 % cured, 5 % paid off,
    the rest one day older; another 2 % of the book newly delinquent. Half of the day-1 delinquent loans
    paid 600.00 in the last ten days (for the promises)."""
    import numpy as np
    import polars as pl

    from accord.kit.db import session_scope
    from accord.kit.frames import bulk_insert

    rng = np.random.default_rng(seed)
    ids = pl.Series(np.arange(1, n + 1))
    borrowers = pl.DataFrame({"id": "B" + ids.cast(pl.String)}).with_columns(
        pl.lit("bench").alias("name"), pl.lit("Asia/Shanghai").alias("timezone"), pl.lit("zh").alias("language"),
        pl.lit("CN").alias("jurisdiction"), pl.lit("reachable").alias("status"), pl.lit("full").alias("civil_capacity"),
        pl.lit("[]").alias("flags"), pl.lit("x").alias("content_hash"))
    loans = pl.DataFrame({"pk": ids, "id": "L" + ids.cast(pl.String), "borrower_id": borrowers["id"]}).with_columns(
        pl.lit("institution").alias("kind"), pl.lit("default").alias("product"), pl.lit("CNY").alias("currency"),
        pl.lit(1_000_000).alias("principal_minor"), pl.lit("0.18").alias("annual_rate"),
        pl.lit(date(2026, 1, 1)).alias("disbursed_on"), pl.lit(12).alias("term_months"),
        pl.lit("annuity").alias("repayment_method"), pl.lit("0").alias("penalty_rate_daily"),
        pl.lit(0).alias("grace_days"), pl.lit("generated").alias("schedule_source"), pl.lit("open").alias("status"),
        pl.lit(0).alias("credit_minor"), pl.lit("x").alias("content_hash"))
    late1 = rng.random(n) < 0.10
    dpd1 = np.where(late1, rng.integers(1, 201, n), 0)
    fate = rng.random(n)
    cured, paid = late1 & (fate < 0.20), late1 & (fate >= 0.20) & (fate < 0.25)
    new_late = ~late1 & (rng.random(n) < 0.02)
    dpd2 = np.where(cured | paid, 0, np.where(late1, dpd1 + 1, np.where(new_late, 1, 0)))

    def snap(day: date, dpd: np.ndarray, closed: np.ndarray) -> pl.DataFrame:
        bucket = np.minimum((dpd + 29) // 30, 7)
        return pl.DataFrame({"as_of": [day] * n, "loan_pk": ids, "dpd": dpd,
                             "bucket": pl.Series(bucket).cast(pl.String).map_elements(lambda b: f"M{b}", pl.String),
                             "closed": closed}).with_columns(
            *[pl.lit(0).alias(c) for c in ("overdue_principal", "overdue_interest", "overdue_fees", "penalty",
                                           "outstanding_principal")],
            pl.lit("stay").alias("transition"))

    payers = np.flatnonzero(late1 & (rng.random(n) < 0.5)) + 1
    pays = pl.DataFrame({"id": [f"P{i}" for i in payers], "loan_pk": payers}).with_columns(
        pl.lit(time_at(AS_OF - timedelta(days=3))).alias("paid_at"), pl.lit(AS_OF - timedelta(days=3)).alias("paid_on"),
        pl.lit(60000).alias("amount_minor"), pl.lit("x").alias("content_hash"))
    with session_scope(url) as s:
        bulk_insert(s, "borrowers", borrowers)
        bulk_insert(s, "loans", loans)
        bulk_insert(s, "delinquency_snapshots", snap(AS_OF, dpd1, np.zeros(n, bool)))
        keep = ~paid  # a loan paid off leaves the book: its last snapshot says closed
        day2 = snap(AS_OF + timedelta(days=1), dpd2, paid)
        bulk_insert(s, "delinquency_snapshots", day2.filter(pl.Series(keep | paid)))
        bulk_insert(s, "payments", pays)
    return {"delinquent": int(late1.sum()), "payments": len(payers)}


def _seed_promises_and_holds(url: str) -> tuple[int, int]:
    import polars as pl
    from sqlalchemy import select

    from accord.cases.models import Case
    from accord.kit.db import session_scope
    from accord.kit.frames import bulk_insert
    from accord.loans.models import Borrower

    with session_scope(url) as s:
        rows = s.execute(select(Case.id, Case.loan_pk, Case.loan_id, Case.borrower_id).where(Case.status == "open")).all()
        cases = pl.DataFrame([tuple(r) for r in rows], schema=["case_id", "loan_pk", "loan_id", "borrower_id"],
                             orient="row")
        taken = AS_OF - timedelta(days=10)
        promises = cases.with_columns(
            pl.lit(50000).alias("amount_minor"), pl.lit(AS_OF - timedelta(days=2)).alias("due_on"),
            pl.lit("call").alias("channel"), pl.lit("agent:bench").alias("taken_by"),
            pl.lit(time_at(taken)).alias("taken_at"), pl.lit(taken).alias("taken_on"),
            pl.lit("pending").alias("status"), pl.lit(0).alias("paid_minor"))
        bulk_insert(s, "promises", promises)
        ids = [r[0] for r in s.execute(select(Borrower.id))]
        held = pl.DataFrame({"borrower_id": ids[::20]}).with_columns(
            pl.lit("cease").alias("kind"), pl.lit("written").alias("form"), pl.lit(time_at(taken)).alias("opened_at"),
            pl.lit("bench").alias("source"))
        bulk_insert(s, "holds", held)
    return promises.height, held.height


def time_at(d: date):  # noqa: ANN201
    from datetime import datetime, timezone

    return datetime(d.year, d.month, d.day, 2, 0, tzinfo=timezone.utc)


def bench_one(n: int, backend: str, url: str) -> dict:
    from sqlalchemy import select

    from accord.cases import service
    from accord.kit.db import session_scope
    from accord.kit.migrate import upgrade
    from accord.loans.models import Borrower

    upgrade(url)
    t = time.perf_counter()
    _book(url, n)
    setup = time.perf_counter() - t
    t_open, counts = _timed_rollback(url, lambda s: service.sync_cases(s, AS_OF))
    with session_scope(url) as s:
        service.sync_cases(s, AS_OF)
    t_again, _ = _timed_rollback(url, lambda s: service.sync_cases(s, AS_OF))
    n_promises, n_holds = _seed_promises_and_holds(url)
    day2 = AS_OF + timedelta(days=1)
    t_day2, counts2 = _timed_rollback(url, lambda s: service.sync_cases(s, day2))
    t_judge, j = _timed_rollback(url, lambda s: service.judge_promises(s, day2))
    with session_scope(url) as s:
        ids = [r[0] for r in s.execute(select(Borrower.id))]
    t_holds, frame = _timed_rollback(url, lambda s: service.active_holds(s, ids))
    return {"backend": backend, "loans": n, "setup_s": setup, "opened": counts["opened"], "sync_s": t_open,
            "resync_s": t_again, "day2": counts2["updated"] + counts2["closed"] + counts2["opened"],
            "day2_s": t_day2, "promises": n_promises, "judge_s": t_judge, "judged": j.counts["kept"]
            + j.counts["partly_kept"] + j.counts["broken"], "borrowers": len(ids), "holds": frame.height,
            "holds_s": t_holds}


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from bench.common import peak_rss_mb

    sizes = [int(x) for x in os.environ.get("ACCORD_BENCH_CASES_SIZES", "100000").split(",") if x.strip()]
    pg = os.environ.get("ACCORD_BENCH_PG_URL") or os.environ.get("ACCORD_TEST_DATABASE_URL")
    rows = []
    for n in sizes:
        tmp = tempfile.mkdtemp(prefix="bench_cases_")
        try:
            rows.append(bench_one(n, "sqlite", f"sqlite:///{tmp}/accord.db"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if pg:
            url, drop = _pg_url(pg)
            try:
                rows.append(bench_one(n, "postgresql", url))
            finally:
                drop()
    table = Table(title=f"cases (median of {REPEAT} rolled-back runs); peak RSS {peak_rss_mb():.0f} MiB")
    for col in ("db", "loans", "book s", "opened", "open s", "cases/s", "re-sync s", "day-2 changes", "day-2 s",
                "promises", "judge s", "promises/s", "borrowers", "holds s"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(r["backend"], f"{r['loans']:,}", f"{r['setup_s']:.1f}", f"{r['opened']:,}", f"{r['sync_s']:.2f}",
                      f"{r['opened'] / r['sync_s']:,.0f}", f"{r['resync_s']:.2f}", f"{r['day2']:,}",
                      f"{r['day2_s']:.2f}", f"{r['promises']:,}", f"{r['judge_s']:.2f}",
                      f"{r['promises'] / r['judge_s']:,.0f}", f"{r['borrowers']:,}", f"{r['holds_s']:.2f}")
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
