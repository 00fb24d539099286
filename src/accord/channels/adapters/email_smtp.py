"""Email over SMTP (smtplib): STARTTLS or implicit TLS, AUTH, multipart text + HTML.

The Message-ID is derived from the idempotency key, so a retry of the same outbox row carries the same
Message-ID (receivers and our bounce matching see one message, not two), and the key itself travels
in an ``X-Accord-Idempotency-Key`` header. SMTP 4xx replies are transient, 5xx permanent.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import threading
from email import policy as email_policy
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from accord.channels.adapters.base import (
    ChannelAdapter, OutboundMessage, PermanentSendError, Receipt, TransientSendError, receipt,
)

IDEMPOTENCY_HEADER = "X-Accord-Idempotency-Key"
_WIRE = email_policy.compat32.clone(linesep="\r\n")


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable Message-ID for one outbox row: same key, same id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _header(value: str) -> str:
    """RFC 2047-encode a header value that is not plain ASCII (a Chinese subject)."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _classify(code: int, text: bytes | str, where: str) -> Exception:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reason = f"the SMTP server {where} refused the message: {code} {detail}".strip()
    raw = {"smtp_code": code, "smtp_error": detail}
    if 400 <= code < 500:
        return TransientSendError(reason, raw=raw)
    return PermanentSendError(reason, raw=raw)


class SmtpEmailAdapter(ChannelAdapter):
    """Sends through one SMTP server, keeping one open connection per worker thread."""

    channel = "email"
    name = "smtp"

    def __init__(self, host: str = "localhost", port: int = 25, *, mail_from: str = "accord@localhost",
                 user: str | None = None, password: str | None = None, starttls: bool = False,
                 use_ssl: bool = False, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None, reuse_connection: bool = True):
        self.host, self.port = host, int(port)
        self.mail_from = mail_from
        self.user, self.password = user, password
        self.starttls, self.use_ssl = starttls, use_ssl
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.reuse_connection = reuse_connection
        self.domain = (parseaddr(mail_from)[1].rpartition("@")[2] or "localhost").lower()
        self._local = threading.local()
        self._all: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> SmtpEmailAdapter:
        ctx = None
        ca_file = getattr(settings, "smtp_ca_file", None)
        if ca_file:
            ctx = ssl.create_default_context(cafile=str(ca_file))
        return cls(settings.smtp_host, settings.smtp_port, mail_from=settings.mail_from,
                   user=settings.smtp_user, password=settings.smtp_password,
                   starttls=settings.smtp_starttls, use_ssl=settings.smtp_ssl,
                   timeout=settings.smtp_timeout, ssl_context=ctx)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # -- building -------------------------------------------------------------------------------
    def build(self, message: OutboundMessage) -> Message:
        """The MIME message: text/plain, plus text/html as an alternative when given.

        Built with the classic ``email.mime`` classes: about ten times faster than
        ``EmailMessage``, which matters at hundreds of messages per second."""
        text_part = MIMEText(message.text, "plain", "utf-8")
        if message.html:
            msg: Message = MIMEMultipart("alternative")
            msg.attach(text_part)
            msg.attach(MIMEText(message.html, "html", "utf-8"))
        else:
            msg = text_part
        from_name = message.metadata.get("from_name")
        msg["From"] = formataddr((from_name, self.mail_from), "utf-8") if from_name else self.mail_from
        msg["To"] = message.to
        msg["Subject"] = _header(message.subject)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = message_id_for(message.idempotency_key, self.domain)
        msg[IDEMPOTENCY_HEADER] = message.idempotency_key
        if message.lang:
            msg["Content-Language"] = "zh-CN" if message.lang == "zh" else message.lang
        if message.metadata.get("unsubscribe"):
            msg["List-Unsubscribe"] = f"<{message.metadata['unsubscribe']}>"
        return msg

    # -- connections ----------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        ctx = self.ssl_context or ssl.create_default_context()
        try:
            if self.use_ssl:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=ctx)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=ctx)
                conn.ehlo()
            if self.user:
                conn.login(self.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            # The message is fine; the credentials are not. Retrying after a fix will work.
            raise TransientSendError(
                f"the SMTP server {self.where} rejected the login for user {self.user!r}: "
                f"{exc.smtp_code} {exc.smtp_error.decode('utf-8', 'replace')}",
                raw={"smtp_code": exc.smtp_code}) from exc
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, self.where) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(
                f"could not reach the SMTP server at {self.where}: {exc or type(exc).__name__}") from exc
        with self._lock:
            self._all.append(conn)
        return conn

    def _connection(self) -> smtplib.SMTP:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            try:
                conn.close()
            except OSError:
                pass

    # -- sending --------------------------------------------------------------------------------
    def send(self, message: OutboundMessage) -> Receipt:
        msg = self.build(message)
        wire = msg.as_bytes(policy=_WIRE)  # CRLF line ends, as SMTP wants
        envelope_from = parseaddr(self.mail_from)[1] or self.mail_from
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.sendmail(envelope_from, [message.to], wire)
                break
            except smtplib.SMTPServerDisconnected as exc:
                # A kept-alive connection the server closed: reconnect once, then give up.
                self._drop()
                if attempt == 2:
                    raise TransientSendError(
                        f"the SMTP server at {self.where} closed the connection") from exc
            except smtplib.SMTPRecipientsRefused as exc:
                self._drop()
                code, text = next(iter(exc.recipients.values()))
                raise _classify(code, text, self.where) from exc
            except smtplib.SMTPResponseException as exc:
                self._drop()
                raise _classify(exc.smtp_code, exc.smtp_error, self.where) from exc
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise TransientSendError(
                    f"sending to the SMTP server at {self.where} failed: {exc}") from exc
        if not self.reuse_connection:
            self._quit()
        return receipt(msg["Message-ID"], "sent", {"server": self.where})

    def _quit(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self._drop()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    conn.close()
                except OSError:
                    pass
        self._local = threading.local()
