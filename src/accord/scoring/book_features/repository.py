"""Columnar reads for point-in-time features and targets (Arrow via ADBC, no ORM loop).

Every frame carries dates as integer epoch days (``*_day``) so the pure code can compare and
subtract them cheaply. Reads are bounded by the latest decision date: what happened after it
is never loaded for features (targets read their own window explicitly).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from queue import Queue

import polars as pl
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from accord.kit.frames import ArrowReader, epoch_days_sql, read_frame, reader
from accord.kit.timeutil import epoch_day
from accord.scoring.book_features.history import DAY_BITS, NEVER

# Tables written by other features; a feature family is skipped (null columns) when its table is absent.
OPTIONAL_TABLES = ("promises", "contact_events", "replies", "arrangements")
READ_THREADS = 2  # parallel read connections (the machine this was measured on has 2 cores)


def existing_tables(session: Session) -> set[str]:
    return set(inspect(session.get_bind()).get_table_names())


def _d(day: date) -> str:
    return f"'{day.isoformat()}'"


def _false(dialect: str) -> str:
    return "0" if dialect == "sqlite" else "false"


def read_book(session: Session, first: date, last: date) -> dict[str, pl.DataFrame]:
    """Loans open at some point in [first, last], the schedules with settlement days, and the
    payments up to ``last``. ``settled_day`` is the day an installment became fully paid (a fact
    of the past once it is <= the decision date); the current ``*_paid`` columns are never read.
    Installments and payments carry ``_key`` = (loan_pk << DAY_BITS) + due / paid day. With one
    day (first == last) every loan read is open on it and ``closed_day`` is null.

    Installments and payments may include rows of loans not open in [first, last] (those older
    than the oldest open loan are left out): the history code keys everything by loan and drops
    what the population does not ask for, cheaper than filtering tens of millions of rows here."""
    dialect = session.get_bind().dialect.name
    day = lambda c: _epoch_day(dialect, c)  # noqa: E731
    # A loan is open on day d when disbursed_on <= d and it was not closed by then.
    alive = f"disbursed_on <= {_d(last)} AND (closed_on IS NULL OR closed_on > {_d(first)})"
    with reader(session) as conn:
        bounds = read_frame(conn, f"""SELECT MIN(CASE WHEN {alive} THEN pk END) AS lowest,
                                             MAX(principal_minor) AS biggest FROM loans""")
        lowest, biggest = bounds["lowest"][0] or 0, bounds["biggest"][0] or 0
        # Scoring today's book: no payment is dated after ``last``, and comparing every row's date
        # costs more than this look-up in the paid_on index.
        latest = read_frame(conn, "SELECT MAX(paid_on) AS m FROM payments")["m"][0]
    later_payments = latest is not None and str(latest)[:10] > last.isoformat()
    # Speed (issue 5): the big tables are read as whole-table scans of a few integer columns, in row
    # ranges on parallel connections, and every value the SQLite driver hands over costs ~0.1 us (the
    # scan itself far less), so (loan, day) travel packed in one integer. "+col" keeps SQLite from
    # walking an index (paid_on, loan_pk) row by row when nearly every row qualifies.
    plus = "+" if dialect == "sqlite" else ""
    packed = lambda c: f"CAST(loan_pk AS BIGINT) * {1 << DAY_BITS} + {_plain_day(dialect, c)}"  # noqa: E731
    # One day: every loan read is open on it, so its closing day (unknown then) is not read.
    closed = day("closed_on") if first < last else "-1"
    # An installment's principal (at most its loan's) and its settlement day travel as one integer
    # too, as long as the largest loan leaves room (2**41 minor units: any real book).
    together = biggest < 1 << (62 - DAY_BITS)
    principal_settled = (f"principal_due * {1 << DAY_BITS} + COALESCE({_plain_day(dialect, 'settled_on')}, {NEVER})"
                         " AS principal_settled"
                         if together else f"principal_due, {day('settled_on')} AS settled_day")
    frames = parallel_frames(session, {
        "loans": (f"""
            SELECT pk AS loan_pk, id AS loan_id, borrower_id, product, kind, repayment_method,
                   principal_minor, annual_rate, term_months,
                   {day('disbursed_on')} AS disbursed_day, {closed} AS closed_day
            FROM loans WHERE {alive}""", "loans"),
        "borrowers": ("SELECT id AS borrower_id, language, jurisdiction FROM borrowers WHERE 1 = 1", "borrowers"),
        "installments": (f"""
            SELECT {packed('due_on')} AS loan_day, principal_due + interest_due + fee_due AS scheduled_minor,
                   {principal_settled}
            FROM installments WHERE {plus}loan_pk >= {lowest}""", "installments"),
        "payments": (f"""
            SELECT {packed('paid_on')} AS loan_day, amount_minor
            FROM payments WHERE {plus}loan_pk >= {lowest}
            {f"AND {plus}paid_on <= {_d(last)}" if later_payments else ""}""", "payments"),
    })
    loans = _ints(frames["loans"]).with_columns(_unknown_day("closed_day"))
    loans = loans.join(frames["borrowers"].with_columns(pl.col("borrower_id").cast(pl.String)),
                       on="borrower_id", how="inner", maintain_order="left")
    loans = loans if loans["loan_pk"].is_sorted() else loans.sort("loan_pk")  # read in key order, usually
    inst = _unpacked(frames.pop("installments"), "due_day")
    if together:
        principal, settled = _split(inst["principal_settled"])
        inst = inst.select(pl.exclude("principal_settled", "_key")).with_columns(
            principal.alias("principal_due"), settled.set(settled == NEVER, None).alias("settled_day"), inst["_key"])
    else:
        inst = inst.with_columns(_unknown_day("settled_day"))
    return {"loans": loans, "installments": inst, "payments": _unpacked(frames["payments"], "paid_day")}


def _unpacked(df: pl.DataFrame, day: str) -> pl.DataFrame:
    """``loan_day`` (loan_pk << DAY_BITS | day) back into ``loan_pk`` and ``day``, first; the packed
    value stays as ``_key``, the (loan, day) order key the history code would compute again."""
    key = df["loan_day"].cast(pl.Int64)
    loan, day_of = _split(key)
    return _ints(pl.concat([pl.DataFrame([loan.alias("loan_pk"), day_of.alias(day)]), df.drop("loan_day"),
                            pl.DataFrame([key.alias("_key")])], how="horizontal"))


def _split(packed: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(high, low) of values packed as high << DAY_BITS | low, by bit operations (a shift and a
    mask cost a fraction of an integer division on ten million rows)."""
    v = packed.cast(pl.Int64).to_numpy()
    return pl.Series(v >> DAY_BITS), pl.Series(v & ((1 << DAY_BITS) - 1))


def _plain_day(dialect: str, column: str) -> str:
    """A NOT NULL date column as days since 1970-01-01."""
    return f"unixepoch({column}) / 86400" if dialect == "sqlite" else f"({column} - DATE '1970-01-01')"


def parallel_frames(session: Session, queries: dict[str, tuple[str, str]],
                    threads: int = READ_THREADS) -> dict[str, pl.DataFrame]:
    """Run ``{name: (sql, table)}`` on parallel read connections; each ``sql`` has a WHERE clause and
    reads from ``table`` only. On SQLite every query is split into ``threads`` rowid ranges (a
    range scan each; the driver converts rows to Arrow outside the GIL, so the parts overlap); on
    PostgreSQL the queries run side by side. The parts are read at one moment of a settled book
    (the run's previous steps committed), like the single reads they replace."""
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        jobs = [(name, sql) for name, (sql, _) in queries.items()]
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(lambda job: _pg_frame(session, job[1]), jobs))
        return {name: part for (name, _), part in zip(jobs, parts)}
    pool_readers = _sqlite_pool(url.database, threads)
    jobs = []
    for name, (sql, table) in queries.items():
        top = pool_readers[0].frame(f"SELECT MAX(rowid) AS m FROM {table}")["m"][0] or 0
        cuts = [top * k // threads for k in range(threads + 1)]
        jobs += [(name, f"{sql} AND rowid > {lo} AND rowid <= {hi}") for lo, hi in zip(cuts, cuts[1:])]
    free: Queue[ArrowReader] = Queue()
    for r in pool_readers:
        free.put(r)

    def run(sql: str) -> pl.DataFrame:  # a connection is used by one thread at a time
        conn = free.get()
        try:
            return conn.frame(sql)
        finally:
            free.put(conn)

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda job: run(job[1]), jobs))
    out: dict[str, list[pl.DataFrame]] = {name: [] for name in queries}
    for (name, _), part in zip(jobs, parts):
        out[name].append(part)
    # An empty part has no column types (the SQLite driver guesses them from rows): leave it out.
    # One chunk per column: NumPy then takes the columns without copying them again.
    return {name: pl.concat([p for p in ps if p.height] or ps[:1], how="vertical_relaxed", rechunk=True)
            for name, ps in out.items()}


# Extra read-only SQLite connections for the parallel reads, kept for the life of the process for
# the reason ``accord.kit.frames`` keeps its own (closing one would drop the process's file locks).
_SQLITE_POOLS: dict[str, list[ArrowReader]] = {}


def _sqlite_pool(database: str, n: int) -> list[ArrowReader]:
    import adbc_driver_sqlite
    from urllib.parse import quote

    path = str(Path(database).resolve())
    pool = _SQLITE_POOLS.setdefault(path, [])
    while len(pool) < n:
        pool.append(ArrowReader(adbc_driver_sqlite._driver_path(), f"file:{quote(path)}?mode=ro"))
    return pool[:n]


def _pg_frame(session: Session, sql: str) -> pl.DataFrame:
    with reader(session) as conn:
        return read_frame(conn, sql)


def _epoch_day(dialect: str, column: str) -> str:
    """A DATE column as integer days since 1970-01-01; NULL as -1 (ADBC's SQLite driver types a
    column from its first rows, so NULLs travel as a number and come back in ``_unknown_day``)."""
    return f"COALESCE({_plain_day(dialect, column)}, -1)"


def _unknown_day(column: str) -> pl.Expr:
    return pl.when(pl.col(column) >= 0).then(pl.col(column)).alias(column)


def read_snapshots(session: Session, first: date, last: date, only_days: list[date] | None = None,
                   min_dpd: int | None = None) -> pl.DataFrame:
    """Delinquency snapshots with ``first <= as_of <= last`` (or only on ``only_days``)."""
    dialect = session.get_bind().dialect.name
    where = [f"as_of >= {_d(first)}", f"as_of <= {_d(last)}"]
    if only_days is not None:
        where.append("as_of IN (" + ", ".join(_d(d) for d in sorted(set(only_days))) + ")")
    if min_dpd is not None:
        where.append(f"dpd >= {int(min_dpd)}")
    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT {epoch_days_sql(dialect, 'as_of')} AS day, loan_pk, dpd, bucket, COALESCE(prev_bucket, '') AS prev_bucket,
                   outstanding_principal, overdue_principal + overdue_interest + overdue_fees + penalty AS overdue_minor,
                   penalty, closed
            FROM delinquency_snapshots WHERE {' AND '.join(where)}""")
    # ADBC's SQLite driver types a column from its first rows: a leading NULL would make the text
    # column an integer one, so NULL travels as '' and comes back here.
    return _ints(df).with_columns(pl.col("closed").cast(pl.Boolean),
                                  pl.col("prev_bucket").cast(pl.String).replace("", None))


def read_balances(session: Session, days: list[date]) -> pl.DataFrame:
    """The snapshot balances of the given days (day, loan_pk, outstanding_principal, overdue_minor,
    penalty): what the features take from snapshots, without the text columns."""
    dialect = session.get_bind().dialect.name
    # One day (the daily scoring): its number is a constant, not a date parsed on every row.
    day = str(epoch_day(days[0])) if len(set(days)) == 1 else epoch_days_sql(dialect, "as_of")
    with reader(session) as conn:
        return _ints(read_frame(conn, f"""
            SELECT {day} AS day, loan_pk, outstanding_principal,
                   overdue_principal + overdue_interest + overdue_fees + penalty AS overdue_minor, penalty
            FROM delinquency_snapshots
            WHERE as_of IN ({', '.join(_d(d) for d in sorted(set(days)))})"""))


def last_snapshot_day(session: Session) -> date | None:
    with reader(session) as conn:
        df = read_frame(conn, "SELECT MAX(as_of) AS d FROM delinquency_snapshots")
    v = df["d"][0]
    if v is None:
        return None
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def read_optional(session: Session, last: date, tables: set[str] | None = None) -> dict[str, pl.DataFrame | None]:
    """The history other features record (promises, contacts, replies, arrangements) up to ``last``;
    ``None`` for a table that does not exist in this database."""
    tables = existing_tables(session) if tables is None else tables
    dialect = session.get_bind().dialect.name
    ed = lambda c: epoch_days_sql(dialect, c)  # noqa: E731
    # Timestamps become UTC days; the end of ``last`` in UTC bounds them.
    until = f"'{(last + timedelta(days=1)).isoformat()}'"
    out: dict[str, pl.DataFrame | None] = dict.fromkeys(OPTIONAL_TABLES)
    with reader(session) as conn:
        if "promises" in tables:
            out["promises"] = _ints(read_frame(conn, f"""
                SELECT loan_pk, {ed('taken_on')} AS taken_day, {ed('judged_on')} AS judged_day, status,
                       amount_minor, paid_minor
                FROM promises WHERE taken_on <= {_d(last)}"""))
        if "contact_events" in tables:
            out["contact_events"] = _ints(read_frame(conn, f"""
                SELECT borrower_id, {_day_of_ts(dialect, 'at')} AS day, channel, direction, COALESCE(outcome, '') AS outcome
                FROM contact_events WHERE at < {until}"""))
        if "replies" in tables:
            out["replies"] = _ints(read_frame(conn, f"""
                SELECT borrower_id, {_day_of_ts(dialect, 'at')} AS day, intent
                FROM replies WHERE at < {until}"""))
        if "arrangements" in tables:
            out["arrangements"] = _arrangements(conn, session, last)
    return out


def _arrangements(conn, session: Session, last: date) -> pl.DataFrame | None:  # noqa: ANN001
    """Arrangements offered by ``last`` as their status history: one row per (arrangement, status
    change) with the UTC day it happened, so the family can say what was known on each day.
    ``None`` when the table lacks the columns this needs (it belongs to another feature)."""
    cols = {c["name"] for c in inspect(session.get_bind()).get_columns("arrangements")}
    if not {"id", "loan_pk", "offered_at", "history"} <= cols:
        return None
    dialect = session.get_bind().dialect.name
    until = f"'{(last + timedelta(days=1)).isoformat()}'"
    history = "history" if dialect == "sqlite" else "CAST(history AS TEXT)"
    raw = read_frame(conn, f"""
        SELECT id AS arrangement_id, loan_pk, {_day_of_ts(dialect, 'offered_at')} AS offered_day,
               {history} AS history
        FROM arrangements WHERE offered_at < {until}""")
    events = pl.List(pl.Struct({"status": pl.String, "at": pl.String}))
    if raw.height == 0:
        return pl.DataFrame(schema={"arrangement_id": pl.Int64, "loan_pk": pl.Int64, "offered_day": pl.Int64,
                                    "status": pl.String, "day": pl.Int64})
    x = raw.with_columns(pl.col("history").cast(pl.String).str.json_decode(events)).explode("history") \
        .unnest("history")
    day = pl.col("at").str.to_datetime(time_zone="UTC", strict=False).dt.date().cast(pl.Int32).cast(pl.Int64)
    return x.select(pl.col("arrangement_id").cast(pl.Int64), pl.col("loan_pk").cast(pl.Int64),
                    pl.col("offered_day").cast(pl.Int64), "status", day.alias("day"))


def _day_of_ts(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"(CAST(({column} AT TIME ZONE 'UTC') AS DATE) - DATE '1970-01-01')"


_TEXT = {"status", "channel", "direction", "outcome", "intent", "borrower_id"}


def _ints(df: pl.DataFrame) -> pl.DataFrame:
    """Epoch days and amounts as Int64, text as String, whatever the driver returned (SQLite gives
    int64, PostgreSQL int32; an empty SQLite result has no types at all)."""
    exprs = []
    for c in df.columns:
        if c.endswith("_day") or c == "day" or c.endswith("_minor") or c == "loan_pk":
            exprs.append(pl.col(c).cast(pl.Int64))
        elif c in _TEXT:
            exprs.append(pl.col(c).cast(pl.String))
    return df.with_columns(exprs) if exprs else df
