"""SMS over SMPP 3.4 (smpplib) for operators that speak it: bind_transmitter, submit_sm with UCS2
for Chinese (70 characters per SMS, 67 per part of a long message with a UDH header), delivery
receipts requested. One bound session per worker thread.

SMPP has no idempotency header: the outbox's claim is what keeps a message from going twice; the
key travels in the log and the receipt's raw data only.
"""

from __future__ import annotations

import threading

from accord.channels.adapters.base import (
    ChannelAdapter, DeliveryReport, OutboundMessage, PermanentSendError, Receipt,
    TransientSendError, receipt,
)
from accord.channels.adapters.receipts import parse_smpp_receipt

# Command statuses worth a retry: throttled, queue full, system error, submit failed.
TRANSIENT_STATUSES = {0x58, 0x14, 0x08, 0x45}


def split_message(text: str) -> tuple[list[bytes], int, int]:
    """(encoded parts, data_coding, esm_class): GSM 7-bit when every character allows it, else UCS2;
    a long message is split into parts with a concatenation header (UDH)."""
    from smpplib import gsm

    return gsm.make_parts(text)


def _address_ton(addr: str) -> tuple[int, int]:
    from smpplib import consts

    digits = addr.lstrip("+")
    if digits.isdigit():
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN
    return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK


class SmppSmsAdapter(ChannelAdapter):
    channel = "sms"
    name = "smpp"

    def __init__(self, host: str, port: int = 2775, *, system_id: str, password: str,
                 system_type: str = "", source_addr: str = "Accord", timeout: float = 10.0):
        self.host, self.port = host, int(port)
        self.system_id, self.password, self.system_type = system_id, password, system_type
        self.source_addr = source_addr
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: list = []
        # Delivery receipts that arrived on the transmitter session (some SMSCs send them there).
        self.reports: list[DeliveryReport] = []

    @classmethod
    def from_settings(cls, settings) -> SmppSmsAdapter:
        return cls(settings.smpp_host, settings.smpp_port, system_id=settings.smpp_system_id,
                   password=settings.smpp_password, system_type=settings.smpp_system_type,
                   source_addr=settings.smpp_source_addr, timeout=settings.smpp_timeout)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is not None:
            return client
        import smpplib.client
        import smpplib.exceptions

        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout,
                                       allow_unknown_opt_params=True)
        try:
            client.connect()
            client.bind_transmitter(system_id=self.system_id, password=self.password,
                                    system_type=self.system_type)
        except smpplib.exceptions.PDUError as exc:
            client.disconnect()
            raise TransientSendError(f"the SMSC at {self.where} refused the bind for "
                                     f"{self.system_id!r}: {exc}") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            client.disconnect()
            raise TransientSendError(f"could not reach the SMSC at {self.where}") from exc
        self._local.client = client
        with self._lock:
            self._clients.append(client)
        return client

    def _drop(self) -> None:
        client = getattr(self._local, "client", None)
        self._local.client = None
        if client is not None:
            try:
                client.disconnect()
            except OSError:
                pass

    def _await_response(self, client, sequence: int):
        """Read PDUs until the submit_sm_resp for ``sequence``; answer keep-alives and receipts."""
        import smpplib.smpp

        while True:
            pdu = client.read_pdu()
            if pdu.command == "submit_sm_resp" and pdu.sequence == sequence:
                return pdu
            if pdu.command == "generic_nack":
                raise TransientSendError(f"the SMSC at {self.where} sent generic_nack "
                                         f"(status {pdu.status:#x})")
            if pdu.command in ("enquire_link", "deliver_sm"):
                # smpplib's response classes ignore sequence=; set it so the SMSC can match it.
                answer = smpplib.smpp.make_pdu(f"{pdu.command}_resp", client=client)
                answer.sequence = pdu.sequence
                client.send_pdu(answer)
            if pdu.command == "deliver_sm":
                try:
                    self.reports.append(parse_smpp_receipt(pdu.short_message or b""))
                except ValueError:
                    pass  # a mobile-originated message, not a receipt: the receiver bind reads it
            elif pdu.command == "unbind":
                raise TransientSendError(f"the SMSC at {self.where} closed the session")

    def send(self, message: OutboundMessage) -> Receipt:
        import smpplib.exceptions

        parts, data_coding, esm_class = split_message(message.text)
        src_ton, src_npi = _address_ton(self.source_addr)
        dst_ton, dst_npi = _address_ton(message.to)
        ids: list[str] = []
        for part in parts:
            client = self._client()
            try:
                pdu = client.send_message(
                    source_addr_ton=src_ton, source_addr_npi=src_npi, source_addr=self.source_addr,
                    dest_addr_ton=dst_ton, dest_addr_npi=dst_npi,
                    destination_addr=message.to.lstrip("+"), short_message=part,
                    data_coding=data_coding, esm_class=esm_class, registered_delivery=True)
                resp = self._await_response(client, pdu.sequence)
            except TransientSendError:
                self._drop()
                raise
            except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as exc:
                self._drop()
                raise TransientSendError(f"the SMPP session with {self.where} failed: {exc}") from exc
            if resp.is_error():
                reason = (f"the SMSC at {self.where} refused part {len(ids) + 1} of {len(parts)}: "
                          f"{resp.get_status_desc()} ({resp.status:#x})")
                raw = {"command_status": resp.status, "part_ids": ids}
                if resp.status in TRANSIENT_STATUSES:
                    raise TransientSendError(reason, raw=raw)
                raise PermanentSendError(reason, raw=raw)
            mid = resp.message_id
            ids.append(mid.decode("ascii", "replace") if isinstance(mid, bytes) else str(mid))
        return receipt(ids[0], "sent", {"part_ids": ids, "parts": len(parts),
                                        "data_coding": data_coding,
                                        "idempotency_key": message.idempotency_key})

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            try:
                client.unbind()
            except Exception:  # noqa: BLE001 - closing: the session may already be gone
                pass
            try:
                client.disconnect()
            except OSError:
                pass
        self._local = threading.local()
