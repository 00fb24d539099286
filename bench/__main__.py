"""Run benchmarks: ``python -m bench`` (all) or ``python -m bench compliance intent`` (some)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                   if m.name.startswith("bench_"))
    wanted = [a for a in argv if not a.startswith("-")] or names
    failed = []
    for name in wanted:
        if name not in names:
            print(f"unknown benchmark {name!r}; have: {', '.join(names)}", file=sys.stderr)
            return 2
        print(f"\n=== bench {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"bench.bench_{name}").main()
        except Exception as exc:  # noqa: BLE001 - one failing benchmark should not hide the others
            failed.append(name)
            print(f"bench {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"(bench {name}: {time.perf_counter() - t0:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
