"""`accord channels ...` from the outside (the installed command), against a real aiosmtpd server."""

from __future__ import annotations

import json
from email import message_from_bytes, policy


def _env(port: int, **extra) -> dict:
    return {"ACCORD_SMTP_HOST": "127.0.0.1", "ACCORD_SMTP_PORT": str(port),
            "ACCORD_MAIL_FROM": "ops@lender.test", "ACCORD_SMTP_STARTTLS": "false", **extra}


def test_send_test_email_prints_the_message_id(accord, smtp_server):
    res = accord("channels", "send-test", "--channel", "email", "--to", "me@example.com",
                 env=_env(smtp_server.port))
    assert res.code == 0, res
    message_id = res.stdout.strip()
    env = smtp_server.recorder.envelopes[0]
    mail = message_from_bytes(env.content, policy=policy.default)
    assert mail["Message-ID"] == message_id and message_id.endswith("@lender.test>")
    assert env.rcpt_tos == ["me@example.com"] and env.mail_from == "ops@lender.test"


def test_send_test_json(accord, smtp_server):
    res = accord("channels", "send-test", "--channel", "email", "--to", "me@example.com",
                 "--format", "json", env=_env(smtp_server.port))
    assert res.code == 0, res
    out = res.json()
    assert out["status"] == "sent" and out["provider_id"].startswith("<")


def test_send_test_with_starttls_and_auth(accord, smtp_tls_server, tls_files):
    res = accord("channels", "send-test", "--channel", "email", "--to", "me@example.com",
                 env=_env(smtp_tls_server.port, ACCORD_SMTP_STARTTLS="true",
                          ACCORD_SMTP_USER="accord", ACCORD_SMTP_PASSWORD="s3cret",
                          ACCORD_SMTP_CA_FILE=str(tls_files[0])))
    assert res.code == 0, res
    assert len(smtp_tls_server.recorder.envelopes) == 1


def test_refused_and_unreachable_exit_1_with_one_sentence(accord, smtp_server, unused_port):
    res = accord("channels", "send-test", "--channel", "email", "--to", "hard@example.com",
                 env=_env(smtp_server.port))
    assert res.code == 1 and res.stdout == ""
    assert "550" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = accord("channels", "send-test", "--channel", "email", "--to", "me@example.com",
                 env=_env(unused_port))
    assert res.code == 1 and "could not reach the SMTP server" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_address_is_exit_2(accord, smtp_server):
    res = accord("channels", "send-test", "--channel", "email", "--to", "not-an-address",
                 env=_env(smtp_server.port))
    assert res.code == 2 and "not an email address" in res.stderr


def test_send_test_sms_through_the_http_gateway(accord, http_server):
    res = accord("channels", "send-test", "--channel", "sms", "--to", "+8613800000000",
                 "--lang", "zh", env={"ACCORD_SMS_ADAPTER": "http_gateway",
                                      "ACCORD_SMS_GATEWAY_URL": f"{http_server.url}/sms"})
    assert res.code == 0, res
    assert res.stdout.strip() == "gw-1"
    body = json.loads(http_server.requests[0]["body"])
    assert body["to"] == "+8613800000000" and "测试" in body["text"]


def test_send_test_push_without_url_is_a_clear_problem(accord):
    res = accord("channels", "send-test", "--channel", "push", "--to", "tok",
                 env={"ACCORD_PUSH_WEBHOOK_URL": ""})
    assert res.code == 1 and "ACCORD_PUSH_WEBHOOK_URL" in res.stderr


def test_templates_and_render(accord):
    res = accord("channels", "templates", "--format", "json")
    assert res.code == 0
    ids = {t["id"] for t in res.json()}
    assert {"reminder_m1_soft", "validation_notice", "plan_offer"} <= ids
    res = accord("channels", "render", "reminder_m1_soft", "--lang", "zh", "--tone", "neutral",
                 "--policy", "CN")
    assert res.code == 0, res
    assert "【安信借】" in res.stdout and "1,050.00元" in res.stdout and "退订回T" in res.stdout
    res = accord("channels", "render", "plan_offer", "--lang", "en", "--policy", "US",
                 "--channel", "email", "--format", "json")
    out = res.json()
    assert res.code == 0 and "$350.00" in out["text"] and out["issues"] == []
    res = accord("channels", "render", "nope")
    assert res.code == 2 and "unknown template" in res.stderr


def test_lint_a_template_file_before_saving(accord, tmp_path):
    good = tmp_path / "friendly_nudge.yaml"
    good.write_text("id: friendly_nudge\npurpose: reminder\nchannels: [sms]\n"
                    "subject: {en: 'Hi', zh: '你好'}\n"
                    "short: {en: 'Hi {{ borrower_name }}, {{ amount_due | money }} is due.',"
                    " zh: '{{ borrower_name }}您好，应还{{ amount_due | money }}。'}\n",
                    encoding="utf-8")
    res = accord("channels", "lint", str(good))
    assert res.code == 0, res
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: broken\npurpose: reminder\nchannels: [sms]\nsubject: {en: 'Hi'}\n"
                   "short: {en: 'Hi {{ nickname }}'}\n", encoding="utf-8")
    res = accord("channels", "lint", str(bad))
    assert res.code == 1 and "nickname" in res.stdout


def test_call_sim_reads_transcripts_from_stdin(accord):
    res = accord("channels", "call-sim", "--lang", "zh", "--today", "2026-03-20", "--format",
                 "json", input="是我\n明天还500元\n对\n")
    assert res.code == 0, res
    out = res.json()
    assert out["outcome"] == "conversation" and out["promise"] == {"amount": "500.00",
                                                                   "date": "2026-03-21"}
