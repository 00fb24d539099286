"""Fixtures for the outbox: a small loan book with contact points, and REAL local servers for the
adapters (an aiosmtpd SMTP server and an HTTP SMS gateway that records, deduplicates nothing and can
be asked whether it got a message by idempotency key)."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest
from sqlalchemy.orm import sessionmaker

from fixtures.book import borrower, import_book, loan, write_book

# A Wednesday, 10:00 in Shanghai and 10:00 in New York: inside every pack's contact window.
NOON_CN = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
NOON_US = datetime(2026, 3, 18, 14, 0, tzinfo=UTC)


def book(url: str, tmp_path, *, us: bool = False) -> None:
    """Borrowers B1 (CN, Shanghai), B2 (US, New York, consented to texts), with loans L1, L2, mobile
    numbers and emails as contact points."""
    from accord.kit.db import session_scope
    from accord.loans.models import ContactPoint

    folder = write_book(tmp_path / "book",
                        borrowers=[borrower("B1", phone="+8613800000001", email="b1@example.com"),
                                   borrower("B2", name="Jane Roe", timezone="America/New_York", language="en",
                                            jurisdiction="US", phone="+12125550102", email="b2@example.com")],
                        loans=[loan("L1"), loan("L2", borrower_id="B2", currency="USD")])
    import_book(url, folder)
    consent = datetime(2026, 1, 1, tzinfo=UTC)
    wanted = {("B1", "mobile", "+8613800000001"): None, ("B1", "email", "b1@example.com"): None,
              ("B2", "mobile", "+12125550102"): consent, ("B2", "email", "b2@example.com"): consent}
    with session_scope(url) as s:
        # The import registers each borrower's phone and e-mail as (unverified) contact points: verify
        # those and record consent rather than adding a second point per address.
        from sqlalchemy import select

        for p in s.scalars(select(ContactPoint)):
            key = (p.borrower_id, p.kind, p.value)
            if key in wanted:
                p.verified, p.consent_at = True, wanted.pop(key)
        s.add_all([ContactPoint(borrower_id=b, kind=k, value=v, verified=True, consent_at=c)
                   for (b, k, v), c in wanted.items()])

@pytest.fixture
def url(db_url, tmp_path):
    book(db_url, tmp_path)
    return db_url


@pytest.fixture
def sessions(url):
    from accord.kit.db import engine_for, normalise_url

    return sessionmaker(bind=engine_for(normalise_url(url)), expire_on_commit=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- HTTP SMS gateway -----------------------------------------------------------------------------
class Gateway(ThreadingHTTPServer):
    """POST /send records the message (keyed by its Idempotency-Key header) and answers
    ``script`` statuses in turn (then 200); GET /messages/<key> answers 200 with the id when the
    gateway has it, 404 otherwise."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.received: list[dict] = []
        self.script: list[int] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def keys(self) -> list[str]:
        with self.lock:
            return [r["key"] for r in self.received]


class _GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body are two writes: no 40 ms delayed-ACK stall

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802
        srv: Gateway = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        key = self.headers.get("Idempotency-Key")
        with srv.lock:
            status = srv.script.pop(0) if srv.script else 200
            if status == 200:
                srv.received.append({"key": key, "body": body, "at": datetime.now(UTC)})
                n = len(srv.received)
        if status != 200:
            return self._answer(status, {"error": f"scripted {status}"})
        self._answer(200, {"id": f"gw-{n}", "status": "accepted"})

    def do_GET(self):  # noqa: N802
        srv: Gateway = self.server  # type: ignore[assignment]
        key = unquote(self.path.rsplit("/", 1)[-1])
        with srv.lock:
            hit = next((i for i, r in enumerate(srv.received, 1) if r["key"] == key), None)
        if hit is None:
            return self._answer(404, {"error": "unknown"})
        self._answer(200, {"id": f"gw-{hit}", "status": "accepted"})

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    srv = Gateway()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def sms_adapter(gateway, *, lookup: bool = False):
    """The real HTTP gateway adapter; with ``lookup`` it can also ask the gateway about a key."""
    from accord.channels.adapters.sms_http import HttpGatewaySmsAdapter

    if not lookup:
        return HttpGatewaySmsAdapter(f"{gateway.url}/send", timeout=5)

    class LookupSms(HttpGatewaySmsAdapter):
        def lookup(self, key: str):
            import urllib.error
            import urllib.request

            from accord.channels.adapters.base import receipt

            try:
                with urllib.request.urlopen(f"{gateway.url}/messages/{key}", timeout=5) as resp:
                    return receipt(json.loads(resp.read())["id"], "sent")
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                raise

    return LookupSms(f"{gateway.url}/send", timeout=5)


# -- SMTP -------------------------------------------------------------------------------------------
class Mailbox:
    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("hard"):
            return "550 5.1.1 No such user"
        if address.startswith("soft"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def keys(self) -> list[str]:
        with self.lock:
            return [m["X-Accord-Idempotency-Key"] for m in self.messages]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port())
    ctl.start()
    ctl.mailbox = box
    yield ctl
    ctl.stop()


def smtp_adapter(ctl):
    from accord.channels.adapters.email_smtp import SmtpEmailAdapter

    return SmtpEmailAdapter("127.0.0.1", ctl.port, mail_from="collections@lender.example", timeout=5)
