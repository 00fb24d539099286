"""Batch scoring of the book from the database: point-in-time features + model prediction + bulk
write of the scores, for N open accounts (default 100k; ACCORD_BENCH_FULL=1 for 1M; or
ACCORD_BENCH_SCORING_N=...). Target: <= 20 s for 1M accounts (issue 5). SQLite, one machine.

Set-up (not timed): a demo book of N loans run once on the scoring day (cached between runs in
ACCORD_BENCH_CACHE, default /tmp/accord-bench-cache: 12-month loans, ledger step only; building 100k
loans takes ~2.5 minutes, 1M about half an hour), and a
roll model trained on the history of a small demo book.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import median_time, peak_rss_mb

AS_OF = date(2026, 6, 30)
TERM = 12  # every loan 12 monthly installments: most of the book is still open on AS_OF


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
    from accord.batch.service import run_day
    from accord.kit.db import session_scope
    from accord.kit.migrate import upgrade
    from accord.simulation.service import load_demo

    cache = Path(os.environ.get("ACCORD_BENCH_CACHE", "/tmp/accord-bench-cache"))
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"scoring_book_{n}_t{TERM}_{AS_OF}.db"
    url = f"sqlite:///{path}"
    done = path.with_suffix(".done")
    if done.exists():
        upgrade(url)
        return url
    path.unlink(missing_ok=True)
    upgrade(url)
    with session_scope(url) as s:
        load_demo(s, n, 42, AS_OF, term_months=TERM)
    with session_scope(url) as s:
        run_day(s, AS_OF)
    done.touch()
    return url


def main() -> None:
    from accord.kit.db import session_scope
    from accord.scoring.book import _replace_scores, _score_rows, resolve_model, score_book
    from accord.scoring.book_features import build_features
    from accord.scoring.model import score_frame

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_scoring_book_") as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        model_dir = _model(tmp)
        model = resolve_model(model_dir)
        print(f"model trained in {time.perf_counter() - t0:.1f} s ({model.version})", flush=True)
        for n in _sizes():
            t0 = time.perf_counter()
            url = _book(n)
            print(f"book of {n:,} loans ready in {time.perf_counter() - t0:.1f} s", flush=True)
            repeat = 2 if n <= 200_000 else 1
            with session_scope(url) as s:
                feats = build_features(s, AS_OF)
                t_feat = median_time(lambda s=s: build_features(s, AS_OF), repeat)
            scored = score_frame(model, feats)
            t_pred = median_time(lambda: score_frame(model, feats), repeat)

            def write(url=url, feats=feats, scored=scored) -> None:
                with session_scope(url) as s:
                    _replace_scores(s, _score_rows(feats, scored, AS_OF, model.target, model), AS_OF, model.target)

            t_write = median_time(write, repeat)

            def full(url=url) -> None:
                with session_scope(url) as s:
                    score_book(s, AS_OF, model_dir)

            t_all = median_time(full, repeat)
            rows.append((n, feats.height, t_feat, t_pred, t_write, t_all, feats.height / t_all, peak_rss_mb()))
            print(f"{n:,} done", flush=True)
    _print(rows)


def _print(rows) -> None:  # noqa: ANN001
    head = ("loans", "open accts", "features s", "predict s", "write s", "end-to-end s", "accts/s", "peak MB")
    print(" | ".join(f"{h:>12}" for h in head))
    for n, acc, tf, tp, tw, ta, thr, mem in rows:
        print(" | ".join(f"{v:>12}" for v in (f"{n:,}", f"{acc:,}", f"{tf:.2f}", f"{tp:.2f}", f"{tw:.2f}",
                                              f"{ta:.2f}", f"{thr:,.0f}", f"{mem:,.0f}")))
    print("predict = p_bad, points and 3 reason codes (lookup-table path attributions); write = bulk "
          "replace of the day's scores; end-to-end = features + predict + PSI + write in one "
          "score_book call (median of repeats); peak MB = peak RSS of the process so far. "
          "Target <= 20 s for 1,000,000 accounts.")
