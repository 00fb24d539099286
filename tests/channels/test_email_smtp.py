"""SMTP adapter against a real aiosmtpd server: multipart, headers, STARTTLS + AUTH, errors, bounces."""

from __future__ import annotations

import ssl
from email import message_from_bytes, policy

import pytest

from accord.channels.adapters.base import OutboundMessage, PermanentSendError, TransientSendError
from accord.channels.adapters.bounces import parse_dsn
from accord.channels.adapters.email_smtp import IDEMPOTENCY_HEADER, SmtpEmailAdapter, message_id_for
from accord.channels.rendering import render
from accord.channels.samples import sample_context


def _msg(to="alex@example.com", key="outbox-1", **kw) -> OutboundMessage:
    rendered = render("reminder_m1_soft", lang="en", tone="neutral", channel="email",
                      context=sample_context("en", "US"), policy="US")
    return OutboundMessage(idempotency_key=key, channel="email", to=to, subject=rendered.subject,
                           text=rendered.text, html=rendered.html, lang="en", **kw)


def test_sends_multipart_text_and_html_with_idempotency_headers(smtp_server):
    adapter = SmtpEmailAdapter("127.0.0.1", smtp_server.port, mail_from="Collections <c@lender.test>")
    with adapter:
        got = adapter.send(_msg())
    env = smtp_server.recorder.envelopes[0]
    assert env.mail_from == "c@lender.test" and env.rcpt_tos == ["alex@example.com"]
    mail = message_from_bytes(env.content, policy=policy.default)
    assert mail["Message-ID"] == got.provider_id == message_id_for("outbox-1", "lender.test")
    assert mail[IDEMPOTENCY_HEADER] == "outbox-1"
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "$1,050.00" in plain and "Reply STOP" in plain and "debt collector" in plain
    assert "<p" in html and "$1,050.00" in html
    assert got.status == "sent"


def test_chinese_subject_and_body_survive_encoding(smtp_server):
    rendered = render("promise_confirmation", lang="zh", channel="email",
                      context=sample_context("zh", "CN"), policy="CN")
    msg = OutboundMessage("k-zh", "email", "zhang@example.cn", rendered.text, rendered.subject,
                          rendered.html, "zh")
    SmtpEmailAdapter("127.0.0.1", smtp_server.port).send(msg)
    mail = message_from_bytes(smtp_server.recorder.envelopes[0].content, policy=policy.default)
    assert mail["Subject"] == "安信借：已记录您的还款承诺"
    assert "500.00元" in mail.get_body(("plain",)).get_content()


def test_same_key_gives_same_message_id_and_connection_is_reused(smtp_server):
    adapter = SmtpEmailAdapter("127.0.0.1", smtp_server.port)
    a = adapter.send(_msg(key="k1"))
    b = adapter.send(_msg(key="k1"))
    c = adapter.send(_msg(key="k2"))
    adapter.close()
    assert a.provider_id == b.provider_id != c.provider_id
    assert len(smtp_server.recorder.envelopes) == 3


def test_starttls_and_auth(smtp_tls_server, tls_files):
    ctx = ssl.create_default_context(cafile=str(tls_files[0]))
    adapter = SmtpEmailAdapter("127.0.0.1", smtp_tls_server.port, starttls=True, user="accord",
                               password="s3cret", ssl_context=ctx)
    adapter.send(_msg())
    adapter.close()
    assert smtp_tls_server.recorder.envelopes[0].rcpt_tos == ["alex@example.com"]


def test_wrong_password_is_transient_and_names_the_user(smtp_tls_server, tls_files):
    ctx = ssl.create_default_context(cafile=str(tls_files[0]))
    adapter = SmtpEmailAdapter("127.0.0.1", smtp_tls_server.port, starttls=True, user="accord",
                               password="wrong", ssl_context=ctx)
    with pytest.raises(TransientSendError, match="rejected the login for user 'accord'"):
        adapter.send(_msg())
    assert smtp_tls_server.recorder.envelopes == []


def test_server_requiring_starttls_refuses_plain_client(smtp_tls_server):
    with pytest.raises((PermanentSendError, TransientSendError)):
        SmtpEmailAdapter("127.0.0.1", smtp_tls_server.port).send(_msg())


def test_4xx_is_transient_5xx_is_permanent(smtp_server):
    adapter = SmtpEmailAdapter("127.0.0.1", smtp_server.port)
    with pytest.raises(TransientSendError) as soft:
        adapter.send(_msg(to="soft@example.com"))
    assert soft.value.raw["smtp_code"] == 451
    with pytest.raises(PermanentSendError) as hard:
        adapter.send(_msg(to="hard@example.com"))
    assert hard.value.raw["smtp_code"] == 550
    # The adapter recovers after a refusal: the next message goes through.
    adapter.send(_msg(to="ok@example.com"))
    assert [e.rcpt_tos for e in smtp_server.recorder.envelopes] == [["ok@example.com"]]


def test_unreachable_server_is_transient(unused_port):
    with pytest.raises(TransientSendError, match="could not reach the SMTP server"):
        SmtpEmailAdapter("127.0.0.1", unused_port, timeout=2).send(_msg())


DSN = b"""From: MAILER-DAEMON@mx.example.com
To: c@lender.test
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; alex@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

Message-ID: <abc123@lender.test>
Subject: Your payment

--B--
"""


def test_bounce_dsn_parsed_into_message_id_and_status():
    reports = parse_dsn(DSN)
    assert len(reports) == 1
    r = reports[0]
    assert (r.provider_id, r.status, r.recipient) == ("<abc123@lender.test>", "undelivered",
                                                      "alex@example.com")
    assert "5.1.1" in r.reason


def test_delivered_and_delayed_dsn_actions():
    delivered = DSN.replace(b"Action: failed", b"Action: delivered")
    delayed = DSN.replace(b"Action: failed", b"Action: delayed")
    assert parse_dsn(delivered)[0].status == "delivered"
    assert parse_dsn(delayed)[0].status == "sent"
    assert parse_dsn(b"From: a@b\nSubject: hi\n\nnot a report") == []
