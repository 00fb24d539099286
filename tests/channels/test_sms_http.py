"""HTTP SMS gateway adapter against a local HTTP server: exact payload and headers, error classes,
delivery-receipt parsing."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, strategies as st

from accord.channels.adapters.base import OutboundMessage, PermanentSendError, TransientSendError
from accord.channels.adapters.receipts import parse_delivery_receipt, parse_smpp_receipt
from accord.channels.adapters.sms_http import HttpGatewaySmsAdapter, fill_payload


def _sms(text="【安信借】张三您好，待还1,050.00元。退订回T", key="ob-7"):
    return OutboundMessage(idempotency_key=key, channel="sms", to="+8613800000000", text=text,
                           lang="zh", metadata={"loan_id": "L1"})


def test_posts_the_payload_template_with_auth_and_idempotency_headers(http_server):
    payload = json.dumps({"msg": {"dest": "$to", "body": "$text", "ref": "$idempotency_key",
                                  "loan": "$loan_id"}, "sender": "$sender", "dlr": True})
    adapter = HttpGatewaySmsAdapter(f"{http_server.url}/send", payload=payload,
                                    auth_header="Authorization: Bearer t0ken", sender="ANXIN")
    got = adapter.send(_sms())
    adapter.close()
    req = http_server.requests[0]
    assert req["path"] == "/send"
    assert req["headers"]["Authorization"] == "Bearer t0ken"
    assert req["headers"]["Idempotency-Key"] == "ob-7"
    assert req["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(req["body"]) == {
        "msg": {"dest": "+8613800000000", "body": "【安信借】张三您好，待还1,050.00元。退订回T",
                "ref": "ob-7", "loan": "L1"},
        "sender": "ANXIN", "dlr": True}
    assert got.provider_id == "gw-1" and got.status == "sent"


def test_basic_auth_and_default_payload(http_server):
    adapter = HttpGatewaySmsAdapter(http_server.url, user="acct", password="pw")
    adapter.send(_sms(text='He said "pay $5" \\ ok'))
    req = http_server.requests[0]
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(b"acct:pw").decode()
    body = json.loads(req["body"])
    # Quotes, dollars and backslashes in the text cannot break the JSON or the template.
    assert body == {"to": "+8613800000000", "from": "Accord", "text": 'He said "pay $5" \\ ok',
                    "reference": "ob-7"}


def test_500_is_transient_400_is_permanent_429_keeps_retry_after(http_server):
    adapter = HttpGatewaySmsAdapter(http_server.url)
    http_server.default = (500, {"error": "down"})
    with pytest.raises(TransientSendError) as e500:
        adapter.send(_sms())
    assert e500.value.raw["http_status"] == 500
    http_server.default = (400, {"error": "bad number"})
    with pytest.raises(PermanentSendError) as e400:
        adapter.send(_sms())
    assert e400.value.raw["body"] == {"error": "bad number"}
    http_server.default = (429, {"error": "slow down"})
    with pytest.raises(TransientSendError):
        adapter.send(_sms())
    http_server.default = (200, {"id": "gw-1"})
    assert adapter.send(_sms()).provider_id.startswith("gw-")
    assert len(http_server.requests) == 4


def test_unreachable_gateway_is_transient(unused_port):
    adapter = HttpGatewaySmsAdapter(f"http://127.0.0.1:{unused_port}/", timeout=2)
    with pytest.raises(TransientSendError, match="could not reach the SMS gateway"):
        adapter.send(_sms())


def test_delivery_receipt_webhook_payloads():
    r = parse_delivery_receipt(b'{"id": "gw-9", "status": "DELIVRD", "to": "+8613800000000"}')
    assert (r.provider_id, r.status, r.recipient) == ("gw-9", "delivered", "+8613800000000")
    r = parse_delivery_receipt("message_id=gw-3&status=failed&error=absent+subscriber")
    assert (r.provider_id, r.status, r.reason) == ("gw-3", "undelivered", "absent subscriber")
    r = parse_delivery_receipt({"data": {"sms": {"ref": "x1", "state": "queued"}}},
                               id_field="data.sms.ref", status_field="data.sms.state")
    assert (r.provider_id, r.status) == ("x1", "sent")
    with pytest.raises(ValueError, match="unknown status"):
        parse_delivery_receipt({"id": "a", "status": "weird"})
    with pytest.raises(ValueError, match="no message id"):
        parse_delivery_receipt({"status": "delivered"})


def test_smpp_receipt_text():
    r = parse_smpp_receipt(b"id:smsc-42 sub:001 dlvrd:001 submit date:2603201000 "
                           b"done date:2603201001 stat:DELIVRD err:000 text:hello")
    assert (r.provider_id, r.status) == ("smsc-42", "delivered")
    assert r.at is not None and r.at.minute == 1
    assert parse_smpp_receipt("id:7 stat:UNDELIV err:001").status == "undelivered"


@given(st.text(max_size=200))
def test_fill_payload_puts_any_text_verbatim(text):
    filled = fill_payload({"a": ["$text", {"b": "x-$text"}], "n": 3}, {"text": text})
    assert filled == {"a": [text, {"b": f"x-{text}"}], "n": 3}
    assert json.loads(json.dumps(filled))["a"][0] == text
