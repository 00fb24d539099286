"""The durable outbox, the contact history and inbound replies (issue 4, items 2, 4 and 5).

Public API (imports are lazy so ``accord --help`` stays fast)::

    enqueue(session, items: list[OutboxItem | dict], now=None) -> list[Message]     # idempotent by key
    cancel(session, message_ids, reason=...) -> list[int]
    status_counts(session) -> dict;  retry_parked(session, include_in_doubt=False) -> list[int]
    Worker(sessions, worker_id, adapters, gate=default_gate, config=WorkerConfig(...),
           batch_gate=None).run_once(channel)          # batch_gate None: gate.batch when it has one
    run_worker(url, worker_id, adapters, channel=None, threads=1, once=False, until_idle=False,
               stop_after=None, config=None, gate=default_gate, batch_gate=None) -> Tally
    GateCheck = Callable[[Session, Message, datetime], GateResult];  default_gate, make_default_gate
    GateBatchCheck = Callable[[Session, list[Message], datetime], dict[int, GateResult]]
        default_batch_gate (= default_gate.batch), make_default_batch_gate(collector=None)
    record_delivery(session, provider_id, status, at=None, reason="") -> dict
    receive_reply(session, channel=, text=, sender=None, borrower_id=None, at=None) -> Inbound
    receive_transcript(session, borrower_id=, target=, outcome=, lines=[...]) -> Inbound
    timeline(session, borrower_id) -> list[dict]

How "never send twice" is achieved is explained in ``accord.outbox.worker``.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "OutboxItem": "accord.outbox.service", "enqueue": "accord.outbox.service", "cancel": "accord.outbox.service",
    "status_counts": "accord.outbox.service", "retry_parked": "accord.outbox.service",
    "Worker": "accord.outbox.worker", "WorkerConfig": "accord.outbox.worker", "Tally": "accord.outbox.worker",
    "run_worker": "accord.outbox.worker",
    "GateCheck": "accord.outbox.gate", "GateResult": "accord.outbox.gate", "default_gate": "accord.outbox.gate",
    "make_default_gate": "accord.outbox.gate", "GateBatchCheck": "accord.outbox.gate",
    "default_batch_gate": "accord.outbox.gate", "make_default_batch_gate": "accord.outbox.gate",
    "RetryPolicy": "accord.outbox.states",
    "record_delivery": "accord.outbox.inbound", "record_delivery_payload": "accord.outbox.inbound",
    "receive_reply": "accord.outbox.inbound", "receive_transcript": "accord.outbox.inbound",
    "timeline": "accord.outbox.timeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.outbox' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = sorted(_LAZY)
