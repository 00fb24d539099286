"""SMPP adapter against a minimal local SMPP server (smpplib PDUs): bind, UCS2 for Chinese, long
messages split with UDH, command-status classes."""

from __future__ import annotations

import pytest

from accord.channels.adapters.base import OutboundMessage, PermanentSendError, TransientSendError
from accord.channels.adapters.sms_smpp import SmppSmsAdapter, split_message


def _adapter(srv, password="pw"):
    return SmppSmsAdapter("127.0.0.1", srv.port, system_id="accord", password=password,
                          source_addr="ANXIN", timeout=5)


def _sms(text, to="+8613800000000", key="k1"):
    return OutboundMessage(idempotency_key=key, channel="sms", to=to, text=text, lang="zh")


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode()


def test_chinese_sms_goes_as_ucs2(smpp_server):
    text = "【安信借】张三您好，您本期应还1,050.00元。退订回T"
    with _adapter(smpp_server) as adapter:
        got = adapter.send(_sms(text))
    pdu = smpp_server.submits[0]
    assert smpp_server.binds == [b"accord"] or smpp_server.binds == ["accord"]
    assert pdu.data_coding == 0x08
    assert _bytes(pdu.short_message).decode("utf-16-be") == text
    assert _bytes(pdu.destination_addr) == b"8613800000000"
    assert got.provider_id == "smsc-1" and got.raw["parts"] == 1


def test_long_chinese_message_is_split_and_reassembles(smpp_server):
    text = "您好，" + "这是一条较长的还款提醒短信内容。" * 12
    adapter = _adapter(smpp_server)
    got = adapter.send(_sms(text))
    adapter.close()
    parts = [_bytes(p.short_message) for p in smpp_server.submits]
    assert len(parts) == got.raw["parts"] > 1
    assert all(p.esm_class == 0x40 for p in smpp_server.submits)
    # UDH: 05 00 03 ref total seq — then up to 134 bytes (67 UCS2 characters).
    assert [p[5] for p in parts] == list(range(1, len(parts) + 1))
    assert all(p[4] == len(parts) and len(p) <= 140 for p in parts)
    assert b"".join(p[6:] for p in parts).decode("utf-16-be") == text
    assert got.raw["part_ids"] == [f"smsc-{i}" for i in range(1, len(parts) + 1)]


def test_plain_english_uses_gsm_default_alphabet():
    parts, coding, _ = split_message("Reply STOP to opt out.")
    assert coding == 0 and parts == [b"Reply STOP to opt out."]


def test_status_classes(smpp_server):
    adapter = _adapter(smpp_server)
    with pytest.raises(PermanentSendError, match="Invalid Destination"):
        adapter.send(_sms("hi", to="+99912345"))
    with pytest.raises(TransientSendError, match="Throttling"):
        adapter.send(_sms("hi", to="+88812345"))
    adapter.send(_sms("hi"))
    adapter.close()
    assert len(smpp_server.submits) == 1


def test_bad_password_and_unreachable_are_transient(smpp_server, unused_port):
    with pytest.raises(TransientSendError, match="refused the bind"):
        _adapter(smpp_server, password="nope").send(_sms("hi"))
    bad = SmppSmsAdapter("127.0.0.1", unused_port, system_id="a", password="b", timeout=2)
    with pytest.raises(TransientSendError, match="could not reach the SMSC"):
        bad.send(_sms("hi"))
