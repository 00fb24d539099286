"""Reply-understanding benchmark (issue 4): quality on the labelled replies of
``tests/conversations/data`` (per-intent precision / recall / F1, macro-F1, date and amount accuracy,
for each development file, the held-out file and all together; see data/README.md) and classification throughput (replies / s,
median of repeats over the labelled texts cycled to ``ACCORD_BENCH_INTENT_N`` replies, default 20 000),
plus peak memory. Target: macro-F1 ≥ 0.90, date accuracy ≥ 0.95, ≥ 2 000 replies / s.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.common import median_time, peak_rss_mb

DATA = Path(__file__).resolve().parent.parent / "tests" / "conversations" / "data"
FILES = {"dev": "replies.jsonl", "dev round 2": "dev_round2.jsonl", "held-out": "heldout.jsonl"}


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from accord.conversations import understand
    from accord.conversations.evaluation import load_labelled, score
    from accord.conversations.lexicon import INTENTS, default_lexicon

    console = Console()
    t0 = time.perf_counter()
    default_lexicon()
    understand("warm up", today=__import__("datetime").date(2026, 6, 11))
    load_s = time.perf_counter() - t0

    sets = {name: load_labelled(DATA / f) for name, f in FILES.items()}
    sets["all"] = [row for rows in list(sets.values()) for row in rows]
    scores = {name: score(rows) for name, rows in sets.items()}

    table = Table(title="Intent quality per intent (all labelled replies)")
    for col in ("intent", "support", "precision", "recall", "F1", "held-out F1"):
        table.add_column(col, justify="right" if col != "intent" else "left")
    for intent in INTENTS:
        a, h = scores["all"].per_intent[intent], scores["held-out"].per_intent[intent]
        table.add_row(intent, str(a["support"]), f"{a['precision']:.3f}", f"{a['recall']:.3f}", f"{a['f1']:.3f}",
                      f"{h['f1']:.3f}" if h["support"] else "-")
    console.print(table)

    summary = Table(title="Intent quality per file")
    for col in ("set", "replies", "macro-F1", "accuracy", "date acc. (n)", "amount acc. (n)"):
        summary.add_column(col, justify="right" if col != "set" else "left")
    for name, s in scores.items():
        summary.add_row(name, str(s.n), f"{s.macro_f1:.3f}", f"{s.accuracy:.3f}",
                        f"{s.date_accuracy:.3f} ({s.date_n})", f"{s.amount_accuracy:.3f} ({s.amount_n})")
    console.print(summary)

    n = int(os.environ.get("ACCORD_BENCH_INTENT_N", "20000"))
    rows = sets["all"]
    work = [(rows[i % len(rows)].text, rows[i % len(rows)].today) for i in range(n)]

    def run() -> None:
        for text, today in work:
            understand(text, today=today)

    seconds = median_time(run, repeat=5)
    speed = Table(title="Intent throughput (single process)")
    for col in ("replies", "median s", "replies / s", "µs / reply", "lexicon load s", "peak RSS MiB"):
        speed.add_column(col, justify="right")
    speed.add_row(str(n), f"{seconds:.3f}", f"{n / seconds:,.0f}", f"{seconds / n * 1e6:.0f}", f"{load_s:.2f}",
                  f"{peak_rss_mb():.0f}")
    console.print(speed)


if __name__ == "__main__":
    main()
