"""Columnar database I/O for the batch path: reads into Arrow/Polars, bulk writes from columns.

Reads use ADBC (Arrow-native drivers for SQLite and PostgreSQL) on their own connection: the run
reads committed state first, then writes everything in the session's single transaction through the
raw DBAPI connection (``executemany`` on SQLite, ``COPY`` on PostgreSQL), so a crash leaves the
previous state intact.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import polars as pl
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session


class ArrowReader:
    """A read connection through ADBC's low-level API (the DBAPI module would import pyarrow.dataset
    and pandas, a second of start-up for every command). Autocommit: each query sees the latest commit."""

    def __init__(self, driver: str, uri: str):
        import adbc_driver_manager as dm

        self._dm = dm
        self.db = dm.AdbcDatabase(driver=driver, uri=uri)
        self.conn = dm.AdbcConnection(self.db)

    def frame(self, sql: str) -> pl.DataFrame:
        import pyarrow as pa

        stmt = self._dm.AdbcStatement(self.conn)
        try:
            stmt.set_sql_query(sql)
            stream, _ = stmt.execute_query()
            return pl.from_arrow(pa.RecordBatchReader._import_from_c(stream.address).read_all())
        finally:
            stmt.close()

    def close(self) -> None:
        self.conn.close()
        self.db.close()


# SQLite readers stay open for the life of the process, on purpose: the ADBC driver bundles its own
# copy of SQLite, and POSIX file locks belong to the process, so closing that copy's file handle would
# drop the locks Python's sqlite3 holds on the same database (and, if it were the last writer-capable
# connection, checkpoint and delete the WAL under the session). Read-only, never closed: neither happens.
_SQLITE_READERS: dict[str, ArrowReader] = {}


def _sqlite_reader(database: str | None) -> ArrowReader:
    import adbc_driver_sqlite

    if not database or database == ":memory:":
        return ArrowReader(adbc_driver_sqlite._driver_path(), ":memory:")
    path = str(Path(database).resolve())
    if path not in _SQLITE_READERS:
        _SQLITE_READERS[path] = ArrowReader(adbc_driver_sqlite._driver_path(), f"file:{quote(path)}?mode=ro")
    return _SQLITE_READERS[path]


@contextmanager
def reader(session: Session):
    """An Arrow-native read connection on the session's database."""
    u = session.get_bind().url
    if u.get_backend_name() == "sqlite":
        yield _sqlite_reader(u.database)
        return
    import adbc_driver_postgresql

    conn = ArrowReader(adbc_driver_postgresql._driver_path(),
                       u.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        yield conn
    finally:
        conn.close()


def read_frame(conn: ArrowReader, sql: str) -> pl.DataFrame:
    return conn.frame(sql)


def epoch_days_sql(dialect: str, column: str) -> str:
    """SQL for a DATE column as days since 1970-01-01 (the run's integer day)."""
    if dialect == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def int_in_sql(dialect: str, column: str, values: list[int]) -> str:
    """``column IN (values)`` for a long list of integers, as one literal the database unpacks (a
    JSON array on SQLite, an array on PostgreSQL) instead of one SQL term per value."""
    listed = ",".join(str(int(v)) for v in values)
    if dialect == "sqlite":
        return f"{column} IN (SELECT value FROM json_each('[{listed}]'))"
    return f"{column} = ANY('{{{listed}}}'::bigint[])"


def text_in_sql(dialect: str, column: str, values: list[str]) -> str:
    """``column IN (values)`` for a long list of strings, as one JSON literal the database unpacks."""
    import json

    listed = json.dumps(list(values), ensure_ascii=False).replace("'", "''")
    if dialect == "sqlite":
        return f"{column} IN (SELECT value FROM json_each('{listed}'))"
    return f"{column} IN (SELECT jsonb_array_elements_text('{listed}'::jsonb))"


def nullable_text_sql(dialect: str, column: str) -> str:
    """A nullable text or timestamp column for an ADBC read: the SQLite driver infers a column's type
    from its first rows, so a column NULL there and text later fails; '' stands for NULL instead."""
    return f"COALESCE({column}, '') AS {column.split('.')[-1]}" if dialect == "sqlite" else column


def utc_column(df: pl.DataFrame, col: str) -> pl.Expr:
    """A timestamp column read through ADBC as UTC microseconds: SQLite hands naive UTC text (as
    SQLAlchemy stores it; read nullable ones as ``COALESCE(col, '')``, see ``nullable_text_sql``),
    PostgreSQL a zoned timestamp."""
    c = df[col]
    if c.dtype == pl.String:
        e = pl.when(pl.col(col) != "").then(pl.col(col)).str.to_datetime(time_unit="us").dt.replace_time_zone("UTC")
    elif c.dtype == pl.Null or c.null_count() == len(c):
        e = pl.lit(None, pl.Datetime("us", "UTC"))
    elif c.dtype.time_zone is None:
        e = pl.col(col).dt.replace_time_zone("UTC")
    else:
        e = pl.col(col).dt.convert_time_zone("UTC")
    return e.dt.cast_time_unit("us").alias(col)


def _raw(session: Session):  # noqa: ANN202
    return session.connection().connection.dbapi_connection


def _sqlite_ready(df: pl.DataFrame) -> pl.DataFrame:
    """SQLite stores dates as ISO text and timestamps as naive UTC text (as SQLAlchemy reads them)."""
    exprs = []
    for c, t in df.schema.items():
        if t == pl.Date:
            exprs.append(pl.col(c).cast(pl.String))
        elif isinstance(t, pl.Datetime):
            col = pl.col(c).dt.convert_time_zone("UTC") if t.time_zone else pl.col(c)
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
    return df.with_columns(exprs) if exprs else df


def bulk_insert(session: Session, table: str, df: pl.DataFrame) -> int:
    """Insert a frame's rows into ``table`` (column names = frame names) in the session's transaction."""
    if df.height == 0:
        return 0
    dialect = session.get_bind().dialect.name
    cols = ", ".join(df.columns)
    if dialect == "sqlite":
        df = _sqlite_ready(df)
        marks = ", ".join("?" * len(df.columns))
        _raw(session).executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", df.iter_rows())
    else:
        buf = io.BytesIO()
        df.write_csv(buf, include_header=False, null_value="\\N")
        with _raw(session).cursor() as cur:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as cp:
                cp.write(buf.getvalue())
    return df.height


def bulk_update(session: Session, table: str, df: pl.DataFrame, keys: list[str]) -> int:
    """Update rows of ``table`` matched on ``keys`` with the frame's other columns."""
    if df.height == 0:
        return 0
    dialect = session.get_bind().dialect.name
    sets = [c for c in df.columns if c not in keys]
    if dialect == "sqlite":
        df = _sqlite_ready(df)
        sql = (f"UPDATE {table} SET " + ", ".join(f"{c} = ?" for c in sets)
               + " WHERE " + " AND ".join(f"{k} = ?" for k in keys))
        _raw(session).executemany(sql, df.select([*sets, *keys]).iter_rows())
        return df.height
    tmp = f"tmp_upd_{table}"
    with _raw(session).cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {tmp}")
        cur.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {', '.join(df.columns)} "
                    f"FROM {table} WITH NO DATA")
    bulk_insert(session, tmp, df)
    with _raw(session).cursor() as cur:
        cur.execute(f"UPDATE {table} AS t SET " + ", ".join(f"{c} = s.{c}" for c in sets)
                    + f" FROM {tmp} AS s WHERE " + " AND ".join(f"t.{k} = s.{k}" for k in keys))
    return df.height
