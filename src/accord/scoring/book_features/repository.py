"""Columnar reads for point-in-time features and targets (Arrow via ADBC, no ORM loop).

Every frame carries dates as integer epoch days (``*_day``) so the pure code can compare and
subtract them cheaply. Reads are bounded by the latest decision date: what happened after it
is never loaded for features (targets read their own window explicitly).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from accord.kit.frames import epoch_days_sql, read_frame, reader

# Tables written by other features; a feature family is skipped (null columns) when its table is absent.
OPTIONAL_TABLES = ("promises", "contact_events", "replies", "arrangements")


def existing_tables(session: Session) -> set[str]:
    return set(inspect(session.get_bind()).get_table_names())


def _d(day: date) -> str:
    return f"'{day.isoformat()}'"


def _false(dialect: str) -> str:
    return "0" if dialect == "sqlite" else "false"


def read_book(session: Session, first: date, last: date) -> dict[str, pl.DataFrame]:
    """Loans open at some point in [first, last], their schedules with settlement days, and their
    payments up to ``last``. ``settled_day`` is the day an installment became fully paid (a fact
    of the past once it is <= the decision date); the current ``*_paid`` columns are never read."""
    dialect = session.get_bind().dialect.name
    ed = lambda c: epoch_days_sql(dialect, c)  # noqa: E731
    # A loan is open on day d when disbursed_on <= d and it was not closed by then.
    alive = f"l.disbursed_on <= {_d(last)} AND (l.closed_on IS NULL OR l.closed_on > {_d(first)})"
    # Speed (issue 5): the big tables are read without a join to loans and with their dates as
    # stored (ISO text on SQLite, DATE on PostgreSQL), converted to epoch days in Polars, then
    # kept to the loans read above with a semi-join: cheaper than per-row julianday() and a join.
    # NULL dates travel as '' (ADBC's SQLite driver types a column from its first rows).
    with reader(session) as conn:
        loans = read_frame(conn, f"""
            SELECT l.pk AS loan_pk, l.id AS loan_id, l.borrower_id, l.product, l.kind, l.repayment_method,
                   l.principal_minor, l.annual_rate, l.term_months,
                   {ed('l.disbursed_on')} AS disbursed_day, {ed('l.closed_on')} AS closed_day,
                   b.language, b.jurisdiction
            FROM loans l JOIN borrowers b ON b.id = l.borrower_id
            WHERE {alive} ORDER BY l.pk""")
        settled = "COALESCE(settled_on, '')" if dialect == "sqlite" else "settled_on"
        inst = read_frame(conn, f"""
            SELECT loan_pk, installment_no, due_on AS due_day,
                   principal_due + interest_due + fee_due AS scheduled_minor, principal_due,
                   {settled} AS settled_day
            FROM installments""")
        pays = read_frame(conn, f"""
            SELECT loan_pk, paid_on AS paid_day, amount_minor
            FROM payments WHERE paid_on <= {_d(last)} ORDER BY loan_pk, paid_on, paid_at, id""")
    loans = _ints(loans)
    keep = loans.select("loan_pk")
    inst = _ints(_epoch_days(inst, "due_day", "settled_day")).join(keep, on="loan_pk", how="semi") \
        .sort("loan_pk", "installment_no")
    pays = _ints(_epoch_days(pays, "paid_day")).join(keep, on="loan_pk", how="semi", maintain_order="left")
    return {"loans": loans, "installments": inst, "payments": pays}


def _epoch_days(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Date columns (ISO text or Date, whichever the driver gave) as integer epoch days."""
    exprs = []
    for c in columns:
        col = pl.col(c)
        if df.schema[c] == pl.String:
            col = col.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        elif df.schema[c] == pl.Null:
            col = col.cast(pl.Date)
        exprs.append(col.cast(pl.Date).cast(pl.Int32).cast(pl.Int64).alias(c))
    return df.with_columns(exprs)


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
    """Arrangements are being designed elsewhere: read them only when the columns this family needs
    (loan_pk, a start date, status) are there, whatever else the table holds."""
    cols = {c["name"] for c in inspect(session.get_bind()).get_columns("arrangements")}
    start = next((c for c in ("offered_on", "created_on", "start_on", "starts_on") if c in cols), None)
    if not {"loan_pk", "status"} <= cols or start is None:
        return None
    dialect = session.get_bind().dialect.name
    return _ints(read_frame(conn, f"""
        SELECT loan_pk, {epoch_days_sql(dialect, start)} AS day, status
        FROM arrangements WHERE {start} <= {_d(last)}"""))


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
