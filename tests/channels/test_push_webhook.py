"""Push webhook adapter: FCM-style payload, signature, errors — against a local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from accord.channels.adapters.base import OutboundMessage, PermanentSendError, TransientSendError
from accord.channels.adapters.push_webhook import SIGNATURE_HEADER, WebhookPushAdapter


def _push():
    return OutboundMessage(idempotency_key="ob-push-1", channel="push", to="device-token-abc",
                           subject="还款提醒", text="张三您好，您本期应还1,050.00元。", lang="zh",
                           metadata={"loan_id": "L1", "deeplink": "app://loan/L1"})


def test_fcm_payload_headers_and_signature(http_server):
    http_server.default = (200, {"name": "projects/p/messages/0:1"})
    adapter = WebhookPushAdapter(f"{http_server.url}/push", auth_header="Authorization: key=abc",
                                 signing_secret="s3")
    got = adapter.send(_push())
    req = http_server.requests[0]
    body = json.loads(req["body"])
    assert body == {"message": {
        "token": "device-token-abc",
        "notification": {"title": "还款提醒", "body": "张三您好，您本期应还1,050.00元。"},
        "data": {"loan_id": "L1", "deeplink": "app://loan/L1", "idempotency_key": "ob-push-1",
                 "lang": "zh"},
        "android": {"priority": "normal", "collapse_key": "L1"},
        "apns": {"headers": {"apns-collapse-id": "ob-push-1"}}}}
    assert req["headers"]["Authorization"] == "key=abc"
    assert req["headers"]["Idempotency-Key"] == "ob-push-1"
    expected = "sha256=" + hmac.new(b"s3", req["body"], hashlib.sha256).hexdigest()
    assert req["headers"][SIGNATURE_HEADER] == expected
    assert got.provider_id == "projects/p/messages/0:1"


def test_plain_format_and_errors(http_server):
    adapter = WebhookPushAdapter(http_server.url, payload_format="plain")
    adapter.send(_push())
    assert json.loads(http_server.requests[0]["body"])["title"] == "还款提醒"
    http_server.default = (503, {})
    with pytest.raises(TransientSendError):
        adapter.send(_push())
    http_server.default = (404, {"error": "unregistered token"})
    with pytest.raises(PermanentSendError, match="HTTP 404"):
        adapter.send(_push())
