"""Real local servers for the channel adapters: SMTP (aiosmtpd, with STARTTLS and AUTH), an HTTP
server that records requests (SMS gateway, push webhook) and a minimal SMPP server built from
smpplib's PDU classes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- TLS ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 / localhost: (cert_path, key_path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


# -- SMTP -----------------------------------------------------------------------------------------
class RecordingHandler:
    """Keeps every accepted envelope; addresses starting with "soft" get 451, "hard" get 550."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("soft"):
            return "451 4.3.0 Mailbox temporarily unavailable"
        if address.startswith("hard"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)


def _start_smtp(**kwargs):
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    controller.recorder = handler
    return controller


@pytest.fixture
def smtp_server():
    controller = _start_smtp()
    yield controller
    controller.stop()


@pytest.fixture
def smtp_tls_server(tls_files):
    """STARTTLS required, AUTH LOGIN/PLAIN required (user "accord", password "s3cret")."""
    cert, key = tls_files
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    controller = _start_smtp(tls_context=ctx, require_starttls=True, auth_required=True,
                             authenticator=Authenticator("accord", "s3cret"))
    yield controller
    controller.stop()


# -- HTTP -----------------------------------------------------------------------------------------
class RecordingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.responses: dict[str, tuple[int, dict]] = {}   # path -> (status, json body)
        self.default = (200, {"id": "gw-1", "status": "accepted"})
        self.lock = threading.Lock()
        self.counter = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms stall

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        srv: RecordingHTTPServer = self.server  # type: ignore[assignment]
        with srv.lock:
            srv.counter += 1
            n = srv.counter
            srv.requests.append({"path": self.path, "headers": dict(self.headers.items()),
                                 "body": body})
        status, payload = srv.responses.get(self.path, srv.default)
        if isinstance(payload, dict) and payload.get("id") == "gw-1":
            payload = {**payload, "id": f"gw-{n}"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def http_server():
    srv = RecordingHTTPServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


# -- SMPP -----------------------------------------------------------------------------------------
class SmppServer(socketserver.ThreadingTCPServer):
    """Answers bind_transmitter (password "pw"), submit_sm (records it; destination "999..." gets
    ESME_RINVDSTADR, "888..." gets ESME_RTHROTTLED), enquire_link and unbind."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmppHandler)
        self.submits: list = []
        self.binds: list[str] = []
        self.lock = threading.Lock()
        self.next_id = 0

    @property
    def port(self) -> int:
        return self.server_address[1]


class _ServerSide:
    """What smpplib's PDU classes expect of their "client": a sequence source."""

    sequence = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence


class _SmppHandler(socketserver.BaseRequestHandler):
    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def handle(self):
        import struct

        from smpplib import consts, smpp

        srv: SmppServer = self.server  # type: ignore[assignment]
        me = _ServerSide()
        try:
            while True:
                head = self._read(4)
                (length,) = struct.unpack(">L", head)
                pdu = smpp.parse_pdu(head + self._read(length - 4), client=me,
                                     allow_unknown_opt_params=True)
                if pdu.command == "bind_transmitter":
                    ok = pdu.password in (b"pw", "pw")
                    srv.binds.append(pdu.system_id)
                    resp = smpp.make_pdu("bind_transmitter_resp", client=me, sequence=pdu.sequence,
                                         status=consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD,
                                         system_id="test-smsc")
                elif pdu.command == "submit_sm":
                    dest = pdu.destination_addr.decode() if isinstance(pdu.destination_addr, bytes) \
                        else str(pdu.destination_addr)
                    status = consts.SMPP_ESME_ROK
                    if dest.startswith("999"):
                        status = consts.SMPP_ESME_RINVDSTADR
                    elif dest.startswith("888"):
                        status = consts.SMPP_ESME_RTHROTTLED
                    with srv.lock:
                        srv.next_id += 1
                        mid = f"smsc-{srv.next_id}"
                        if status == consts.SMPP_ESME_ROK:
                            srv.submits.append(pdu)
                    resp = smpp.make_pdu("submit_sm_resp", client=me, sequence=pdu.sequence, status=status,
                                         message_id=mid if status == 0 else "")
                elif pdu.command == "enquire_link":
                    resp = smpp.make_pdu("enquire_link_resp", client=me, sequence=pdu.sequence)
                elif pdu.command == "unbind":
                    bye = smpp.make_pdu("unbind_resp", client=me)
                    bye.sequence = pdu.sequence
                    self.request.sendall(bye.generate())
                    return
                else:
                    resp = smpp.make_pdu("generic_nack", client=me, sequence=pdu.sequence,
                                         status=consts.SMPP_ESME_RINVCMDID)
                # smpplib's response classes ignore a sequence= argument: answer on the request's.
                resp.sequence = pdu.sequence
                self.request.sendall(resp.generate())
        except (ConnectionError, OSError):
            return


@pytest.fixture
def smpp_server():
    srv = SmppServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def unused_port() -> int:
    return free_port()
