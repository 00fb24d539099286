"""Batch scoring of the book from the database (issue 5): point-in-time features + model prediction
(+ PSI monitoring and the bulk write of the scores), for N open accounts; and LightGBM training on
1,000,000 rows. Targets: scoring 1,000,000 accounts <= 20 s; training on 1,000,000 rows <= 3 min.

Sizes: ACCORD_BENCH_SCORING_N (default "100000"; ACCORD_BENCH_FULL=1 adds 1000000), e.g.
``ACCORD_BENCH_SCORING_N=100000,1000000 python -m bench scoring_book``. ACCORD_BENCH_SCORING_TRAIN_N
sets the training rows (default 1000000; 0 skips). Each step is timed 3 times (median).

Set-up (not timed): a demo book of N 12-month loans run once on the scoring day (ledger step only),
cached between runs in ACCORD_BENCH_CACHE (default /tmp/accord-bench-cache; 100k loans take ~3
minutes to build, 1M about half an hour); and a roll model trained on a small demo book's history
(or the model directory in ACCORD_BENCH_SCORING_MODEL).
Every size runs in its own child process, so "peak RSS" is that size's own peak.

PostgreSQL: ACCORD_BENCH_SCORING_PG=<url> (a server where databases can be created) also measures
the sizes in ACCORD_BENCH_SCORING_PG_N (default "100000") on a cached database
``accord_bench_scoring_<n>`` built the same way (load + one run; ~5 minutes for 100k loans the
first time; ACCORD_BENCH_REBUILD=1 builds it again).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 6, 30)
TERM = 12  # every loan 12 monthly installments: most of the book is still open on AS_OF
REPEAT = 3


def _sizes() -> list[int]:
    if os.environ.get("ACCORD_BENCH_SCORING_N"):
        return [int(x) for x in os.environ["ACCORD_BENCH_SCORING_N"].split(",")]
    return [100_000, 1_000_000] if os.environ.get("ACCORD_BENCH_FULL") == "1" else [100_000]


def _model(tmp: Path) -> Path:
    from accord.kit.db import session_scope
    from accord.kit.migrate import upgrade
    from accord.scoring.book import decision_days, demo_history, train_target

    url = f"sqlite:///{tmp / 'train.db'}"
    upgrade(url)
    demo_history(url, 2000, 1)
    out = tmp / "roll-model"
    with session_scope(url) as s:
        train_target(s, "roll", decision_days(date(2026, 2, 1), date(2026, 5, 31), every=2), out, kind="gbm")
    return out


def _book(n: int) -> str:
    """The cached book of ``n`` loans (built once; WAL checkpointed so reads see one file). With
    ACCORD_BENCH_SCORING_REPLICATE=1 a book above 100k loans is that many copies of the 100k book
    (keys shifted): the same loans and histories, the full row counts, minutes instead of the half
    hour a 1M demo book takes to build and catch up."""
    from accord.batch.service import run_day
    from accord.kit.db import session_scope
    from accord.kit.migrate import upgrade
    from accord.simulation.service import load_demo

    cache = Path(os.environ.get("ACCORD_BENCH_CACHE", "/tmp/accord-bench-cache"))
    cache.mkdir(parents=True, exist_ok=True)
    unit = 100_000
    copies = n // unit if os.environ.get("ACCORD_BENCH_SCORING_REPLICATE") == "1" and n > unit else 1
    path = cache / (f"scoring_book_{n}_t{TERM}_{AS_OF}" + (f"_x{copies}" if copies > 1 else "") + ".db")
    url = f"sqlite:///{path}"
    done = path.with_suffix(".done")
    if not done.exists() and copies > 1:
        _replicate(Path(_book(unit).removeprefix("sqlite:///")), path, copies)
        done.touch()
    if not done.exists():
        path.unlink(missing_ok=True)
        upgrade(url)
        with session_scope(url) as s:
            load_demo(s, n, 42, AS_OF, term_months=TERM)
        with session_scope(url) as s:
            run_day(s, AS_OF)
        done.touch()
    upgrade(url)  # the schema may have grown since the book was cached (scores, monitoring)
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return url


def _pg_book(base: str, n: int) -> str:
    """The cached PostgreSQL book of ``n`` loans (a database of its own, built once)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from accord.batch.service import run_day
    from accord.kit.db import session_scope
    from accord.kit.migrate import upgrade
    from accord.simulation.service import load_demo

    u = make_url(base)
    admin = u.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"accord_bench_scoring_{n}_t{TERM}"
    url = u.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        done = c.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                         (name,)).fetchone()
        if exists and done and done[0] == "built" and not os.environ.get("ACCORD_BENCH_REBUILD"):
            upgrade(url)
            return url
        if exists:
            c.execute(f'DROP DATABASE "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)
    with session_scope(url) as s:
        load_demo(s, n, 42, AS_OF, term_months=TERM)
    with session_scope(url) as s:
        run_day(s, AS_OF)
    with psycopg.connect(u.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
                         autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"COMMENT ON DATABASE \"{name}\" IS 'built'")
    return url


def _replicate(src: Path, dst: Path, copies: int) -> None:
    """``dst`` = ``copies`` copies of the book in ``src``, primary and business keys shifted per copy."""
    import shutil

    shutil.copy(src, dst)
    with sqlite3.connect(dst) as c:
        c.execute("PRAGMA journal_mode=DELETE")
        c.execute(f"ATTACH '{src}' AS s")
        top = c.execute("SELECT MAX(pk) FROM s.loans").fetchone()[0]
        for k in range(1, copies):
            shift = {
                "loans": {"pk": f"pk + {k * top}", "id": f"id || '-{k}'", "borrower_id": f"borrower_id || '-{k}'"},
                "borrowers": {"id": f"id || '-{k}'"},
                "installments": {"loan_pk": f"loan_pk + {k * top}"},
                "payments": {"id": f"id || '-{k}'", "loan_pk": f"loan_pk + {k * top}"},
                "delinquency_snapshots": {"loan_pk": f"loan_pk + {k * top}"},
            }
            for table, exprs in shift.items():
                cols = [r[1] for r in c.execute(f"PRAGMA s.table_info({table})")]
                c.execute(f"INSERT INTO main.{table} ({', '.join(cols)}) "
                          f"SELECT {', '.join(exprs.get(col, col) for col in cols)} FROM s.{table}")
            c.commit()


def _median(fn, repeat: int = REPEAT) -> float:  # noqa: ANN001
    return _timed(fn, repeat)[0]


def _timed(fn, repeat: int = REPEAT) -> tuple[float, float]:  # noqa: ANN001
    """Median wall time and the CPU time (all threads) of that same run: on a shared machine the
    CPU seconds say how much work there was, the wall time how long it took with what was free."""
    runs = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    return sorted(runs)[len(runs) // 2]


def _score_size(n: int, model_dir: str, pg: str | None, conn) -> None:  # noqa: ANN001
    """Child process: time the steps on the book of ``n`` loans (SQLite, or PostgreSQL at ``pg``)
    and send the row back."""
    from accord.kit.db import session_scope
    from accord.scoring.book import _replace_scores, _score_rows, resolve_model, score_book
    from accord.scoring.book_features import build_features
    from accord.scoring.model import score_frame

    url = _pg_book(pg, n) if pg else _book(n)
    model = resolve_model(model_dir)
    load = os.getloadavg()[0]
    with session_scope(url) as s:
        feats = build_features(s, AS_OF)
        t_feat, c_feat = _timed(lambda: build_features(s, AS_OF))
    scored = score_frame(model, feats)
    t_pred, c_pred = _timed(lambda: score_frame(model, feats))

    def write() -> None:
        with session_scope(url) as s:
            _replace_scores(s, _score_rows(feats, scored, AS_OF, model.target, model), AS_OF, model.target)

    t_write = _median(write)
    del feats, scored

    def full() -> None:
        with session_scope(url) as s:
            score_book(s, AS_OF, model_dir)

    t_all = _median(full)
    with session_scope(url) as s:
        from accord.scoring.book import read_scores

        accounts = read_scores(s, AS_OF, model.target).height
    conn.send(("postgresql" if pg else "sqlite", n, accounts, t_feat, t_pred, c_feat + c_pred, t_write, t_all, load,
               (load + os.getloadavg()[0]) / 2))


def _train(rows: int, conn) -> None:  # noqa: ANN001
    """Child process: LightGBM on ``rows`` synthetic rows (20 features, ~10 % bad), as in
    ``bench scoring``: fit with early stopping on a hold-out, then calibration."""
    from accord.scoring.features import select_features, target_vector
    from accord.scoring.training import TrainOptions, fit_estimator
    from bench.bench_scoring import synthetic

    frame = synthetic(rows, seed=2)
    y = target_vector(frame, "bad")
    specs, _ = select_features(frame, "bad", "id")
    t0 = time.perf_counter()
    est, _, _ = fit_estimator("gbm", frame, y, specs, TrainOptions())
    conn.send((rows, time.perf_counter() - t0, int(est.booster.current_iteration())))


def _in_child(target, *args):  # noqa: ANN001, ANN202
    """Run ``target(*args, conn)`` in a fresh process (spawned: forking a process that has run
    Polars' thread pool can deadlock); returns (what it sent, its peak RSS MiB)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, child))
    proc.start()
    child.close()
    result = parent.recv()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{target.__name__}{args} failed")
    return result, usage.ru_maxrss / 1024


def main() -> None:
    train_rows = int(os.environ.get("ACCORD_BENCH_SCORING_TRAIN_N", "1000000"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_scoring_book_") as d:
        t0 = time.perf_counter()
        model_dir = os.environ.get("ACCORD_BENCH_SCORING_MODEL") or str(_model(Path(d)))
        print(f"roll model ready in {time.perf_counter() - t0:.1f} s ({model_dir})", flush=True)
        for n in _sizes():
            t0 = time.perf_counter()
            _book(n)  # build (or find) the book outside the timed child
            print(f"book of {n:,} loans ready in {time.perf_counter() - t0:.1f} s", flush=True)
            result, rss = _in_child(_score_size, n, model_dir, None)
            rows.append((*result, rss))
            _print(rows)
        pg = os.environ.get("ACCORD_BENCH_SCORING_PG")
        for n in [int(x) for x in os.environ.get("ACCORD_BENCH_SCORING_PG_N", "100000").split(",")] if pg else []:
            t0 = time.perf_counter()
            _pg_book(pg, n)
            print(f"PostgreSQL book of {n:,} loans ready in {time.perf_counter() - t0:.1f} s", flush=True)
            result, rss = _in_child(_score_size, n, model_dir, pg)
            rows.append((*result, rss))
            _print(rows)
    if train_rows:
        (n, secs, trees), rss = _in_child(_train, train_rows)
        print(f"train LightGBM on {n:,} rows (20 features, early stopping + calibration): {secs:.1f} s, "
              f"{trees} trees, peak RSS {rss:,.0f} MiB (target <= 180 s)")
    print(f"(the whole benchmark process tree peaked at "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MiB)")


def _print(rows) -> None:  # noqa: ANN001
    head = ("db", "loans", "open accts", "features s", "predict s", "feat+pred s", "f+p CPU s", "write s",
            "score_book s", "accts/s", "peak RSS MiB", "load avg")
    print(" | ".join(f"{h:>12}" for h in head))
    for db, n, acc, tf, tp, cpu, tw, ta, load0, load, mem in rows:
        print(" | ".join(f"{v:>12}" for v in (
            db, f"{n:,}", f"{acc:,}", f"{tf:.2f}", f"{tp:.2f}", f"{tf + tp:.2f}", f"{cpu:.2f}", f"{tw:.2f}", f"{ta:.2f}",
            f"{acc / ta:,.0f}", f"{mem:,.0f}", f"{load:.1f}")))
    print("features = point-in-time features of every open loan read from the database; predict = p_bad, "
          "points and 3 reason codes (lookup-table path attributions); write = bulk replace of the day's "
          "scores; score_book = features + predict + PSI (stored) + write in one call, as the daily run "
          "does. Medians of 3; f+p CPU = CPU seconds (all threads) of the median features and predict runs. "
          "Target: features + predict <= 20 s for 1,000,000 accounts.", flush=True)
