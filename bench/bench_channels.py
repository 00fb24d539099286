"""Channel adapter throughput: messages per second through the SMTP adapter against a local aiosmtpd
server and through the HTTP SMS gateway adapter against a local HTTP server, with 1, 2 and 4 worker
threads (each keeps one connection, as outbox workers do). Servers run in child processes so they do
not share the client's interpreter lock.

    python -m bench channels            (ACCORD_BENCH_MESSAGES=2000 to change the count)
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from bench.common import peak_rss_mb

MESSAGES = int(os.environ.get("ACCORD_BENCH_MESSAGES", "2000"))
REPEATS = 3
WORKERS = (1, 2, 4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp_server(port: int, ready) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _http_server(port: int, ready) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms stall

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"id": "gw", "status": "accepted"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()


def _start(target) -> tuple[mp.Process, int]:
    port = _free_port()
    ready = mp.Event()
    proc = mp.Process(target=target, args=(port, ready), daemon=True)
    proc.start()
    if not ready.wait(20):
        raise RuntimeError(f"{target.__name__} did not start")
    time.sleep(0.2)
    return proc, port


def _messages(channel: str, n: int):
    from accord.channels.adapters.base import OutboundMessage
    from accord.channels.rendering import render
    from accord.channels.samples import sample_context

    msg = render("reminder_m1_soft", lang="zh", tone="neutral", channel=channel,
                 context=sample_context("zh", "CN"), policy="CN")
    to = "zhang@example.cn" if channel == "email" else "+8613800000000"
    return [OutboundMessage(f"bench-{channel}-{i}", channel, to, msg.text, msg.subject, msg.html, "zh")
            for i in range(n)]


def _run(adapter_factory, messages, workers: int) -> float:
    adapter = adapter_factory()
    chunks = [messages[i::workers] for i in range(workers)]

    def work(chunk):
        for m in chunk:
            adapter.send(m)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, chunks))
    elapsed = time.perf_counter() - t0
    adapter.close()
    return elapsed


def main() -> None:
    from accord.channels.adapters.email_smtp import SmtpEmailAdapter
    from accord.channels.adapters.sms_http import HttpGatewaySmsAdapter

    smtp_proc, smtp_port = _start(_smtp_server)
    http_proc, http_port = _start(_http_server)
    cases = [
        ("smtp (aiosmtpd)", "email",
         lambda: SmtpEmailAdapter("127.0.0.1", smtp_port, mail_from="bench@lender.test")),
        ("http gateway", "sms", lambda: HttpGatewaySmsAdapter(f"http://127.0.0.1:{http_port}/sms")),
    ]
    rows = []
    try:
        for name, channel, factory in cases:
            messages = _messages(channel, MESSAGES)
            _run(factory, messages[:100], 1)  # warm-up: imports, connections
            for workers in WORKERS:
                t = statistics.median(_run(factory, messages, workers) for _ in range(REPEATS))
                rows.append((name, workers, MESSAGES, t, MESSAGES / t))
    finally:
        smtp_proc.terminate()
        http_proc.terminate()
    print(f"{'adapter':<18}{'workers':>8}{'messages':>10}{'median s':>10}{'msg/s':>10}")
    for name, workers, n, t, rate in rows:
        print(f"{name:<18}{workers:>8}{n:>10}{t:>10.3f}{rate:>10.0f}")
    print(f"peak RSS {peak_rss_mb():.0f} MiB (this process and its server children)")


if __name__ == "__main__":
    main()
