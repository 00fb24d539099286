"""Outbox throughput against real local servers, and a worker SIGKILLed mid-batch.

Runs (SQLite file database; PostgreSQL when ACCORD_BENCH_DATABASE_URL is set):

- SMTP adapter -> a local aiosmtpd server (separate process), several worker processes;
- HTTP SMS gateway adapter -> a local HTTP server (separate process), several worker processes;
- the same SMS run with the compliance gate re-run at claim time (the default) and without it;
- a kill run: one worker process is SIGKILLed mid-batch; the others go on, a rescuer settles what the
  dead worker left in ``sending``. The servers count every idempotency key they receive: duplicates
  must be 0.

``python -m bench outbox`` (env: BENCH_OUTBOX_MESSAGES, default 3000; BENCH_OUTBOX_WORKERS, default 3;
BENCH_OUTBOX_REPEATS, default 3: each throughput row is the run of median msg/s).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.common import peak_rss_mb

N = int(os.environ.get("BENCH_OUTBOX_MESSAGES", "3000"))
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_OUTBOX_THREADS", "2"))
REPEATS = int(os.environ.get("BENCH_OUTBOX_REPEATS", "3"))   # throughput runs: the median of these
BORROWERS = max(1, N // 2)   # at most 2 texts per borrower a day: the CN cap (3) is never the limit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- servers (own processes, so they do not share the workers' GIL) -----------------------------------
def _smtp_server(port: int, log: str, ready) -> None:  # noqa: ANN001
    from aiosmtpd.controller import Controller

    fh = open(log, "a", buffering=1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
            key = b""
            for line in envelope.original_content.split(b"\r\n"):
                if line.lower().startswith(b"x-accord-idempotency-key:"):
                    key = line.split(b":", 1)[1].strip()
                    break
                if not line:
                    break
            fh.write(key.decode() + "\n")
            return "250 OK"

    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})


def _http_server(port: int, log: str, ready) -> None:  # noqa: ANN001
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    fh = open(log, "a", buffering=1)
    counter = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True   # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fh.write(self.headers.get("Idempotency-Key", "") + "\n")
            counter[0] += 1
            body = b'{"id": "gw-%d", "status": "accepted"}' % counter[0]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # noqa: ANN002
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    ready.set()
    srv.serve_forever()


def start_server(kind: str, log: str) -> tuple[mp.Process, int]:
    port = _free_port()
    ready = mp.Event()
    p = mp.Process(target=_smtp_server if kind == "smtp" else _http_server, args=(port, log, ready), daemon=True)
    p.start()
    ready.wait(20)
    return p, port


ZONES = ("Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "Europe/Moscow", "Europe/London", "America/Sao_Paulo",
         "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Auckland")


def daytime_zone() -> str:
    """A zone where it is now mid-afternoon, so the gate's night window never decides the benchmark."""
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    return min(ZONES, key=lambda z: abs(now.astimezone(ZoneInfo(z)).hour - 14))


def received(log: str) -> Counter:
    return Counter(k for k in Path(log).read_text().splitlines() if k)


# -- database ---------------------------------------------------------------------------------------
def prepare(url: str, run: str, channel: str) -> None:
    """Borrowers of this run (each run has its own, so daily caps never carry over) and N queued messages."""
    import polars as pl
    from sqlalchemy import select

    from accord.kit.db import session_scope
    from accord.kit.frames import bulk_insert
    from accord.loans.models import Borrower
    from accord.outbox.service import OutboxItem, enqueue

    with session_scope(url) as s:
        ids = [f"{run}-B{i:06d}" for i in range(BORROWERS)]
        if s.scalar(select(Borrower.id).where(Borrower.id == ids[0])) is None:
            bulk_insert(s, "borrowers", pl.DataFrame({
                "id": ids, "name": ["bench"] * len(ids), "timezone": [daytime_zone()] * len(ids),
                "language": ["en"] * len(ids), "jurisdiction": ["CN"] * len(ids), "status": ["reachable"] * len(ids),
                "civil_capacity": ["full"] * len(ids), "flags": ["[]"] * len(ids), "content_hash": ["x"] * len(ids)}))
        target = (lambda i: f"b{i}@example.com") if channel == "email" else (lambda i: f"+86138{i:08d}")
        enqueue(s, [OutboxItem(f"{run}-{i}", ids[i % BORROWERS], channel, target(i % BORROWERS),
                               "您好，您的账单已到期，请及时还款。", subject="还款提醒" if channel == "email" else None)
                    for i in range(N)])


def _worker(url: str, wid: str, channel: str, port: int, gated: bool, lease: float) -> None:
    from accord.kit.db import engine_for
    from accord.outbox.gate import allow_all, default_gate

    engine_for.cache_clear()   # a forked child must not reuse the parent's pooled connections
    from accord.outbox.worker import WorkerConfig, run_worker

    if channel == "email":
        from accord.channels.adapters.email_smtp import SmtpEmailAdapter

        adapter = SmtpEmailAdapter("127.0.0.1", port, mail_from="bench@lender.example", timeout=30)
    else:
        from accord.channels.adapters.sms_http import HttpGatewaySmsAdapter

        adapter = HttpGatewaySmsAdapter(f"http://127.0.0.1:{port}/send", timeout=30)
    run_worker(url, wid, {channel: adapter}, threads=THREADS, until_idle=True, gate=default_gate if gated else allow_all,
               config=WorkerConfig(batch=50, lease_seconds=lease))


def counts(url: str, run: str) -> dict:
    from sqlalchemy import func, select

    from accord.kit.db import session_scope
    from accord.outbox.models import Message

    with session_scope(url) as s:
        rows = s.execute(select(Message.status, Message.in_doubt, func.count())
                         .where(Message.idempotency_key.like(f"{run}-%")).group_by(Message.status, Message.in_doubt))
        out: dict = {}
        for st, doubt, n in rows:
            out[st + ("/in_doubt" if doubt else "")] = n
        return out


def throughput_run(url: str, run: str, channel: str, gated: bool, folder: Path) -> dict:
    log = str(folder / f"{run}.log")
    server, port = start_server("smtp" if channel == "email" else "http", log)
    prepare(url, run, channel)
    t0 = time.perf_counter()
    procs = [mp.Process(target=_worker, args=(url, f"{run}-w{i}", channel, port, gated, 120.0)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    time.sleep(0.2)
    got = received(log)
    server.terminate()
    c = counts(url, run)
    return {"run": run, "adapter": "smtp" if channel == "email" else "http_gateway", "gate": gated,
            "messages": N, "seconds": wall, "per_s": c.get("sent", 0) / wall, "sent": c.get("sent", 0),
            "at_server": len(got), "duplicates": sum(n - 1 for n in got.values() if n > 1), "in_doubt": 0}


def median_run(url: str, run: str, channel: str, gated: bool, folder: Path) -> dict:
    """REPEATS runs (each with its own borrowers and keys); the one of median throughput, duplicates summed."""
    runs = sorted((throughput_run(url, f"{run}{r}", channel, gated, folder) for r in range(REPEATS)),
                  key=lambda x: x["per_s"])
    mid = dict(runs[len(runs) // 2])
    mid["run"] = f"{run} (median of {REPEATS})"
    mid["duplicates"] = sum(x["duplicates"] for x in runs)
    return mid


def kill_run(url: str, folder: Path) -> dict:
    run, lease = "kill", 3.0
    log = str(folder / f"{run}.log")
    server, port = start_server("http", log)
    prepare(url, run, "sms")
    t0 = time.perf_counter()
    procs = [mp.Process(target=_worker, args=(url, f"{run}-w{i}", "sms", port, True, lease)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    while counts(url, run).get("sent", 0) < N // 3 and all(p.is_alive() for p in procs):  # mid-batch
        time.sleep(0.02)
    os.kill(procs[0].pid, signal.SIGKILL)
    for p in procs:
        p.join()
    time.sleep(lease + 0.5)                              # the dead worker's leases expire
    _worker(url, f"{run}-rescuer", "sms", port, True, lease)
    wall = time.perf_counter() - t0
    time.sleep(0.2)
    got = received(log)
    server.terminate()
    c = counts(url, run)
    waiting = sum(n for k, n in c.items() if k.split("/")[0] in ("queued", "claimed", "sending", "failed"))
    return {"run": run + " (SIGKILL 1 worker)", "adapter": "http_gateway", "gate": True, "messages": N,
            "seconds": wall, "per_s": c.get("sent", 0) / wall, "sent": c.get("sent", 0), "at_server": len(got),
            "duplicates": sum(n - 1 for n in got.values() if n > 1), "in_doubt": c.get("parked/in_doubt", 0),
            "unsettled": waiting}


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from accord.kit.migrate import upgrade

    mp.set_start_method("fork", force=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("ACCORD_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        rows = [median_run(url, "smtp", "email", True, folder),
                median_run(url, "sms", "sms", True, folder),
                median_run(url, "sms-nogate", "sms", False, folder),
                kill_run(url, folder)]
    table = Table(title=f"outbox: {N} messages per run, {WORKERS} worker processes x {THREADS} threads, "
                        f"{'PostgreSQL' if os.environ.get('ACCORD_BENCH_DATABASE_URL') else 'SQLite'} "
                        f"({datetime.now(UTC):%Y-%m-%d})")
    for col in ("run", "adapter", "gate", "messages", "sent", "seconds", "msg/s", "at server", "duplicates",
                "in doubt (parked)"):
        table.add_column(col, justify="left" if col in ("run", "adapter") else "right")
    for r in rows:
        table.add_row(r["run"], r["adapter"], "yes" if r["gate"] else "no", str(r["messages"]), str(r["sent"]),
                      f"{r['seconds']:.2f}", f"{r['per_s']:.0f}", str(r["at_server"]), str(r["duplicates"]),
                      str(r["in_doubt"]))
    Console(width=160).print(table)
    k = rows[-1]
    print(f"kill run: {k['sent']} sent + {k['in_doubt']} parked in doubt of {N}; {k['unsettled']} unsettled; "
          f"server received {k['at_server']} distinct keys, duplicates {k['duplicates']} (must be 0)")
    print(f"peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
