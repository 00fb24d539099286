"""A small keep-alive HTTP client for JSON webhooks (one connection per thread per host).

Stdlib only (``http.client``) so adapters need no extra package; keep-alive matters: a new TCP
connection per SMS would cap a worker at a few hundred messages per second.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from accord.channels.adapters.base import PermanentSendError, TransientSendError


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"text": self.body.decode("utf-8", "replace")[:500]}


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class JsonPoster:
    """POST JSON to one URL; classify failures the way every webhook adapter does:
    network errors, timeouts, 408, 429 and 5xx are transient; other 4xx permanent."""

    def __init__(self, url: str, *, timeout: float = 10.0, what: str = "gateway",
                 ssl_context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self.what = what
        self.ssl_context = ssl_context
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[http.client.HTTPConnection] = []

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.scheme == "https":
                conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                   context=self.ssl_context)
            else:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def post(self, payload: object, headers: dict[str, str]) -> HttpAnswer:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        all_headers = {"Content-Type": "application/json; charset=utf-8",
                       "Accept": "application/json", **headers}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=body, headers=all_headers)
                resp = conn.getresponse()
                data = resp.read()
                answer = HttpAnswer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
                if resp.will_close:
                    self._drop()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # A kept-alive connection the server had closed: one fresh try. (A request that
                # reached the server and lost its answer is deduplicated by the idempotency key.)
                self._drop()
                if attempt == 2:
                    raise TransientSendError(f"the {self.what} at {self.url} dropped the connection",
                                             raw={"error": str(exc)}) from exc
            except (socket.timeout, TimeoutError) as exc:
                self._drop()
                raise TransientSendError(f"the {self.what} at {self.url} did not answer within "
                                         f"{self.timeout:g} s") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise TransientSendError(f"could not reach the {self.what} at {self.url}: {exc}",
                                         raw={"error": str(exc)}) from exc
        return self._classify(answer)

    def _classify(self, answer: HttpAnswer) -> HttpAnswer:
        if 200 <= answer.status < 300:
            return answer
        raw = {"http_status": answer.status, "body": answer.json()}
        reason = f"the {self.what} at {self.url} answered HTTP {answer.status}"
        if answer.status in (408, 429) or answer.status >= 500:
            raise TransientSendError(reason, raw=raw,
                                     retry_after=_retry_after(answer.headers.get("retry-after")))
        raise PermanentSendError(reason, raw=raw)

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


def header_pair(spec: str | None) -> dict[str, str]:
    """"Authorization: Bearer abc" -> {"Authorization": "Bearer abc"}; None -> {}."""
    if not spec:
        return {}
    name, sep, value = spec.partition(":")
    if not sep or not name.strip():
        raise ValueError(f"an auth header must look like 'Name: value', got {spec!r}")
    return {name.strip(): value.strip()}
