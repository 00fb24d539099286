"""Daily-run benchmark (issue 2): generate a book of N open loans with 12 installments each and a
year of realistic payments, catch up to three days before the end, then time three one-day runs of
`accord run --as-of D` as separate processes and report the median wall time and peak RSS.

Sizes: ACCORD_BENCH_SIZES (default "10000,100000"; the issue's full table adds 1000000).
Databases: SQLite always; PostgreSQL too when ACCORD_BENCH_PG_URL (or ACCORD_TEST_DATABASE_URL) is set.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ACCORD = str(Path(sys.executable).with_name("accord"))
CATCH_UP_TO = "2026-06-26"
LEDGER_DAYS = ("2026-06-27", "2026-06-28", "2026-06-29")  # issue 2: the ledger and delinquency run
FULL_DAY = "2026-06-30"  # issue 6: the whole pipeline (cases, plan, gate, actions, outbox)


def _run(args: list[str], url: str) -> tuple[float, float]:
    """Run the accord CLI; returns (wall seconds, peak RSS MiB of that process)."""
    env = {**os.environ, "ACCORD_DATABASE_URL": url}
    t = time.perf_counter()
    proc = subprocess.Popen([ACCORD, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"accord {' '.join(args)} failed: {proc.stderr.read().decode()[-500:]}")
    return wall, usage.ru_maxrss / 1024


def _pg_schema_url(base: str) -> tuple[str, callable]:
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    u = make_url(base)
    plain = u.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False), drop


def bench_one(n: int, backend: str, url: str) -> dict:
    _run(["init"], url)
    gen_wall, gen_rss = _run(["demo-data", "--loans", str(n), "--seed", "7", "--term", "12", "--as-of", FULL_DAY], url)
    open_wall, open_rss = _run(["run", "--as-of", CATCH_UP_TO, "--ledger-only"], url)
    walls, rss = [], []
    for day in LEDGER_DAYS:
        w, r = _run(["run", "--as-of", day, "--ledger-only"], url)
        walls.append(w)
        rss.append(r)
    med = statistics.median(walls)
    full_wall, full_rss = _run(["run", "--as-of", FULL_DAY], url)
    return {"db": backend, "loans": n, "installments": n * 12, "generate_s": gen_wall, "catch_up_s": open_wall,
            "run_s": med, "loans_per_s": n / med, "peak_rss_mb": max(rss), "full_s": full_wall,
            "full_rss_mb": full_rss}


def main() -> None:
    sizes = [int(s) for s in os.environ.get("ACCORD_BENCH_SIZES", "10000,100000").split(",")]
    pg = os.environ.get("ACCORD_BENCH_PG_URL") or os.environ.get("ACCORD_TEST_DATABASE_URL")
    rows = []
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="accord-bench-"))
        try:
            rows.append(bench_one(n, "sqlite", f"sqlite:///{tmp / 'bench.db'}"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print_table(rows)
        if pg:
            url, drop = _pg_schema_url(pg)
            try:
                rows.append(bench_one(n, "postgresql", url))
            finally:
                drop()
            print_table(rows)
    _linearity(rows)


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="accord run --as-of D on a caught-up book: ledger + delinquency (median of 3 days), "
                    "then the whole daily pipeline for one day")
    for c in ("db", "loans", "installments", "generate s", "catch-up s", "ledger run s", "loans/s", "peak RSS MiB",
              "full pipeline s", "full RSS MiB"):
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(r["db"], f"{r['loans']:,}", f"{r['installments']:,}", f"{r['generate_s']:.1f}",
                  f"{r['catch_up_s']:.1f}", f"{r['run_s']:.2f}", f"{r['loans_per_s']:,.0f}", f"{r['peak_rss_mb']:,.0f}",
                  f"{r['full_s']:.1f}", f"{r['full_rss_mb']:,.0f}")
    Console(width=170).print(t)


def _linearity(rows: list[dict]) -> None:
    for db in {r["db"] for r in rows}:
        rs = sorted((r for r in rows if r["db"] == db), key=lambda r: r["loans"])
        for a, b in zip(rs, rs[1:], strict=False):
            print(f"{db}: {b['loans'] // a['loans']}x loans -> {b['run_s'] / a['run_s']:.1f}x time")
