"""Daily-run benchmark (issues 2 and 6).

A book of N open loans with 12 monthly installments each and a year of realistic payments is
generated and caught up to three days before the end (``--ledger-only``); three one-day ledger runs
are timed (median) as separate processes. That caught-up book is cached (SQLite: a file under
ACCORD_BENCH_CACHE_DIR, default /tmp/accord-daily-cache; PostgreSQL: a dedicated database used as a
template), because generating a 1M-loan book takes many minutes. Each measurement copies the cache
and times the whole daily pipeline (``accord run --as-of D``: ledger, promises, cases, scores,
plan + gate, actions, outbox) on two days — the first day (every delinquent loan opens its case)
and the next (a steady day) — with the wall time and peak RSS of every step.

Knobs (environment):
  ACCORD_BENCH_SIZES        loan counts, default "10000,100000" (the issue's table adds 1000000)
  ACCORD_BENCH_LATE_FACTOR  odds multiplier of late / defaulted installments in the generated book;
                            default 5.5 ≈ 10 % of open loans delinquent (the calibrated demo is 1 ≈ 3 %
                            with 12-month loans)
  ACCORD_BENCH_PG_URL       also PostgreSQL (or ACCORD_TEST_DATABASE_URL)
  ACCORD_BENCH_DBS          "sqlite,postgresql" to choose (default: sqlite, plus postgresql with a URL)
  ACCORD_BENCH_REPEAT       pipeline measurements per size and database (default 1; medians reported)
  ACCORD_BENCH_STRATEGY     "ladder" (default: the shipped escalation ladder) or "dense": one SMS a day
                            for every delinquent account (M1–M7) and the pre-due reminders — about one
                            planned action per delinquent account, the issue's ~100,000 on a 1M book
  ACCORD_BENCH_DAYS         pipeline days measured: 2 (default) or 1 (the first day only)
  ACCORD_BENCH_REBUILD=1    ignore the cache
  ACCORD_BENCH_BUILD_ONLY=1 only build the caches
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCORD = str(Path(sys.executable).with_name("accord"))
CATCH_UP_TO = "2026-06-26"
LEDGER_DAYS = ("2026-06-27", "2026-06-28", "2026-06-29")  # issue 2: the ledger and delinquency run
FULL_DAYS = ("2026-06-30", "2026-07-01")  # issue 6: the whole pipeline, first day then a steady day
GENERATED_TO = "2026-06-30"
STEPS = ("ledger", "arrangements", "promises", "scores", "cases", "hours", "plan", "outbox")


_CPU: list[float] = []  # CPU seconds (user + system) of each accord process, in order


def _run(args: list[str], url: str, capture: bool = False) -> tuple[float, float, str]:
    """Run the accord CLI; returns (wall seconds, peak RSS MiB of that process, stdout). Its CPU time
    goes to ``_CPU``: on a shared machine wall time includes waiting for the disk and the other core."""
    env = {**os.environ, "ACCORD_DATABASE_URL": url}
    t = time.perf_counter()
    proc = subprocess.Popen([ACCORD, *args], env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    out = proc.stdout.read().decode() if capture else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    _CPU.append(usage.ru_utime + usage.ru_stime)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"accord {' '.join(args)} failed: {proc.stderr.read().decode()[-800:]}")
    return wall, usage.ru_maxrss / 1024, out


def _late_factor() -> float:
    return float(os.environ.get("ACCORD_BENCH_LATE_FACTOR", "5.5"))


def _cache_dir() -> Path:
    d = Path(os.environ.get("ACCORD_BENCH_CACHE_DIR", "/tmp/accord-daily-cache"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _build(url: str, n: int) -> dict:
    """Generate the book and catch it up to the day before the first pipeline day."""
    _run(["init"], url)
    gen_wall, _, _ = _run(["demo-data", "--loans", str(n), "--seed", "7", "--term", "12", "--as-of", GENERATED_TO,
                           "--late-factor", str(_late_factor())], url)
    # Migrate again before each run: a long build may outlive a schema change in the code it runs.
    _run(["init"], url)
    open_wall, _, _ = _run(["run", "--as-of", CATCH_UP_TO, "--ledger-only"], url)
    walls, rss = [], []
    for day in LEDGER_DAYS:
        _run(["init"], url)
        w, r, _ = _run(["run", "--as-of", day, "--ledger-only"], url)
        walls.append(w)
        rss.append(r)
    return {"generate_s": gen_wall, "catch_up_s": open_wall, "ledger_runs_s": walls, "ledger_rss_mb": max(rss)}


# -- SQLite: a cached file, copied per measurement ----------------------------------------------------

def _sqlite_cache(n: int) -> tuple[Path, dict]:
    base = _cache_dir() / f"daily_{n}_lf{_late_factor():g}".replace(".", "_")
    db, meta = base.with_suffix(".db"), base.with_suffix(".json")
    if db.exists() and meta.exists() and not os.environ.get("ACCORD_BENCH_REBUILD"):
        return db, {**json.loads(meta.read_text()), "cached": True}
    tmp = base.with_suffix(".building.db")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    info = _build(f"sqlite:///{tmp}", n)
    tmp.rename(db)
    meta.write_text(json.dumps(info))
    return db, {**info, "cached": False}


def _sqlite_copy(db: Path) -> tuple[str, callable]:
    tmp = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    shutil.copyfile(db, tmp / "bench.db")
    os.sync()  # the copy's gigabytes written back now, not during the measurement
    return f"sqlite:///{tmp / 'bench.db'}", lambda: shutil.rmtree(tmp, ignore_errors=True)


# -- PostgreSQL: a cached database, cloned per measurement (CREATE DATABASE ... TEMPLATE) -----------

def _pg(base: str):  # noqa: ANN202
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(base)
    admin = u.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg, u, admin


def _pg_cache(base: str, n: int) -> tuple[str, dict]:
    psycopg, u, admin = _pg(base)
    name = f"accord_bench_daily_{n}_lf{str(_late_factor()).replace('.', '_')}"
    with psycopg.connect(admin, autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        meta = c.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                         (name,)).fetchone()
        if exists and meta and meta[0] and not os.environ.get("ACCORD_BENCH_REBUILD"):
            return name, {**json.loads(meta[0]), "cached": True}
        if exists:
            c.execute(f'DROP DATABASE "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    url = u.set(database=name).render_as_string(hide_password=False)
    info = _build(url, n)
    # As autovacuum leaves a production database: statistics current, visibility map set (so the
    # run's index-only scans stay index-only). Not timed.
    with psycopg.connect(u.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
                         autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(info)}'")
    return name, {**info, "cached": False}


def _pg_copy(base: str, template: str) -> tuple[str, callable]:
    psycopg, u, admin = _pg(base)
    name = f"{template}_run"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    os.sync()

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return u.set(database=name).render_as_string(hide_password=False), drop


# -- the measurement ----------------------------------------------------------------------------------

def _dense_strategy() -> Path:
    """A strategy planning one SMS per delinquent account per day (days 1–40 of every bucket)."""
    steps = "\n".join(f"    - {{day: {d}, channel: sms, template: reminder_m1_soft, tone: neutral}}"
                      for d in range(1, 41))
    text = f"""name: bench-dense
segments:
  - {{id: pre_due, when: {{bucket: [M0], stage: [pre_due], pre_due_days: {{min: 1, max: 3}}}}, ladder: pre_due}}
  - {{id: delinquent, when: {{bucket: [M1, M2, M3, M4, M5, M6, M7]}}, ladder: daily}}
ladders:
  pre_due:
    - {{day: -3, channel: sms, template: pre_due_reminder, tone: gentle}}
    - {{day: -1, channel: push, template: pre_due_reminder, tone: gentle}}
  daily:
{steps}
"""
    path = _cache_dir() / "bench-dense.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _strategy_args() -> list[str]:
    kind = os.environ.get("ACCORD_BENCH_STRATEGY", "ladder")
    if kind == "dense":
        return ["--strategy", str(_dense_strategy())]
    if kind != "ladder":
        raise SystemExit(f"ACCORD_BENCH_STRATEGY must be ladder or dense, not {kind!r}")
    return []


def _days() -> tuple[str, ...]:
    return FULL_DAYS[:int(os.environ.get("ACCORD_BENCH_DAYS", "2"))]


def _pipeline(url: str) -> dict:
    """Migrate the copy (new revisions since the cache was built), then the pipeline on both days."""
    _run(["init"], url)
    out = {}
    for day in _days():
        wall, rss, stdout = _run(["run", "--as-of", day, "--format", "json", *_strategy_args()], url, capture=True)
        rep = json.loads(stdout)
        timings = rep.get("timings", {})
        led = sum(timings.get(k, 0) for k in ("read", "compute", "write"))
        step_s = {s: timings.get(s) for s in STEPS}
        step_s["ledger"] = timings.get("ledger", led)
        out[day] = {"wall_s": wall, "cpu_s": _CPU[-1], "rss_mb": rss, "step_s": step_s, "step_mb": rep.get("peak_rss_mib", {}),
                    "planned": (rep["steps"].get("plan") or {}).get("planned", 0),
                    "blocked": (rep["steps"].get("plan") or {}).get("blocked", 0),
                    "queued": (rep["steps"].get("outbox") or {}).get("queued", 0),
                    "opened": (rep["steps"].get("cases") or {}).get("opened", 0),
                    "accounts": (rep["steps"].get("plan") or {}).get("accounts", 0)}
    return out


def _delinquent_share(url: str, day: str) -> float | None:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    try:
        with eng.connect() as c:
            tot, bad = c.execute(text("SELECT COUNT(*), SUM(CASE WHEN dpd >= 1 THEN 1 ELSE 0 END) FROM "
                                      "delinquency_snapshots WHERE as_of = :d AND closed = :f"),
                                 {"d": day, "f": False}).one()
        return (bad or 0) / tot if tot else None
    finally:
        eng.dispose()


def bench_one(n: int, backend: str, pg_base: str | None = None) -> dict:
    repeat = int(os.environ.get("ACCORD_BENCH_REPEAT", "1"))
    if backend == "sqlite":
        db, info = _sqlite_cache(n)
        copy = lambda: _sqlite_copy(db)  # noqa: E731
    else:
        name, info = _pg_cache(pg_base, n)
        copy = lambda: _pg_copy(pg_base, name)  # noqa: E731
    runs = []
    share = None
    if os.environ.get("ACCORD_BENCH_BUILD_ONLY"):
        print(f"{backend} {n:,}: cache ready {info}")
        return None
    for _ in range(repeat):
        url, drop = copy()
        try:
            runs.append(_pipeline(url))
            if share is None:
                share = _delinquent_share(url, FULL_DAYS[0])
        finally:
            drop()
    med = statistics.median(info["ledger_runs_s"])
    row = {"db": backend, "loans": n, "installments": n * 12, "generate_s": info["generate_s"],
           "catch_up_s": info["catch_up_s"], "run_s": med, "loans_per_s": n / med, "peak_rss_mb": info["ledger_rss_mb"],
           "cached": info["cached"], "delinquent": share, "repeat": repeat,
           "strategy": os.environ.get("ACCORD_BENCH_STRATEGY", "ladder")}
    for i, day in enumerate(_days()):
        rs = [r[day] for r in runs]
        row[f"day{i}"] = {
            "wall_s": statistics.median(r["wall_s"] for r in rs), "rss_mb": max(r["rss_mb"] for r in rs),
            "cpu_s": statistics.median(r["cpu_s"] for r in rs), "load": os.getloadavg()[0],
            "step_s": {s: statistics.median((r["step_s"].get(s) or 0) for r in rs) for s in STEPS},
            "step_mb": {s: max((r["step_mb"].get(s) or 0) for r in rs) for s in STEPS},
            **{k: rs[0][k] for k in ("planned", "blocked", "queued", "opened", "accounts")},
            "walls": [round(r["wall_s"], 1) for r in rs]}
    return row


def _dbs(pg: str | None) -> list[str]:
    env = os.environ.get("ACCORD_BENCH_DBS")
    if env:
        return [d.strip() for d in env.split(",") if d.strip()]
    return ["sqlite", "postgresql"] if pg else ["sqlite"]


def main() -> None:
    sizes = [int(s) for s in os.environ.get("ACCORD_BENCH_SIZES", "10000,100000").split(",")]
    pg = os.environ.get("ACCORD_BENCH_PG_URL") or os.environ.get("ACCORD_TEST_DATABASE_URL")
    rows = []
    for n in sizes:
        for backend in _dbs(pg):
            if backend == "postgresql" and not pg:
                continue
            row = bench_one(n, backend, pg)
            if row is not None:
                rows.append(row)
                print_table(rows)
    print(json.dumps(rows, default=str))
    _linearity(rows)


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    c = Console(width=200)
    t = Table(title="Book build (cached) and ledger + delinquency run (median of 3 days)")
    for col in ("db", "loans", "delinquent", "generate s", "catch-up s", "ledger run s", "loans/s", "peak RSS MiB",
                "cache"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(r["db"], f"{r['loans']:,}", f"{r['delinquent']:.1%}" if r["delinquent"] is not None else "-",
                  f"{r['generate_s']:.1f}", f"{r['catch_up_s']:.1f}", f"{r['run_s']:.2f}", f"{r['loans_per_s']:,.0f}",
                  f"{r['peak_rss_mb']:,.0f}", "reused" if r["cached"] else "built")
    c.print(t)
    t = Table(title="Whole daily pipeline per step: seconds / peak RSS MiB (median of ACCORD_BENCH_REPEAT runs; "
                    "day 1 opens every delinquent loan's case, day 2 is a steady day)")
    for col in ("db", "loans", "strategy", "day", *STEPS, "total s", "CPU s", "RSS MiB", "cases opened", "planned",
                "blocked", "queued", "load"):
        t.add_column(col, justify="right")
    for r in rows:
        for i, day in enumerate(_days()):
            d = r[f"day{i}"]
            t.add_row(r["db"], f"{r['loans']:,}", r["strategy"], day,
                      *[f"{d['step_s'][s]:.1f} / {d['step_mb'][s]:,.0f}" for s in STEPS],
                      f"{d['wall_s']:.1f}", f"{d['cpu_s']:.1f}", f"{d['rss_mb']:,.0f}", f"{d['opened']:,}",
                      f"{d['planned']:,}", f"{d['blocked']:,}", f"{d['queued']:,}", f"{d['load']:.1f}")
    c.print(t)


def _linearity(rows: list[dict]) -> None:
    for db in {r["db"] for r in rows}:
        rs = sorted((r for r in rows if r["db"] == db), key=lambda r: r["loans"])
        for a, b in zip(rs, rs[1:], strict=False):
            print(f"{db}: {b['loans'] // a['loans']}x loans -> ledger {b['run_s'] / a['run_s']:.1f}x time, "
                  f"pipeline {b['day0']['wall_s'] / a['day0']['wall_s']:.1f}x time")
