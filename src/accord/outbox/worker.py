"""Outbox workers: claim due messages, re-run the gate, send through the adapter, record the outcome.

Never sending a message twice, even when a worker dies mid-send
----------------------------------------------------------------
A worker cannot make "call the provider" and "write down that we called it" one atomic step, so it
orders them to keep the uncertain window small and visible:

1. **Claim** (one committed transaction): ``queued`` -> ``claimed`` with a lease (``lease_until``).
   PostgreSQL uses ``FOR UPDATE SKIP LOCKED``; SQLite a single conditional UPDATE, so two workers
   never own the same row. A claim whose worker vanished is taken over once its lease expires: the
   adapter was never called for it, so that is safe.
2. **Gate** at claim time; a blocked message becomes ``blocked`` (rule ids kept, ``message.blocked``
   journalled) and is never handed to an adapter.
3. **Mark sending** (committed *before* the adapter is called): ``claimed`` -> ``sending`` and
   ``attempts + 1``. From here on a crash leaves evidence that the provider *may* have the message.
4. **Send** with the message's idempotency key (HTTP ``Idempotency-Key`` header, SMTP Message-ID
   derived from it), so a provider that deduplicates recognises any resend.
5. **Record** (one transaction): ``sent`` + provider id + contact event + ``message.sent`` journal
   entry; or ``failed`` (retry at ``next_attempt_at``, exponential backoff with jitter) for a
   transient error; or ``parked`` for a permanent error or when attempts are used up. Each update is
   fenced on ``status = 'sending' AND attempts = <this attempt>``, so a worker that lost its row to
   a reconciler cannot overwrite the reconciler's decision with a second, stale one.

A message found in ``sending`` after its lease expired is **in doubt**: it is never blindly resent.
The reconciler asks the adapter when it can (``adapter.lookup(idempotency_key) -> Receipt | None``:
found -> ``sent``; not found -> requeued, which is then the first real send); otherwise it applies
the configured in-doubt policy: ``park`` (default: ``parked`` with ``in_doubt`` set, for a person to
check with the provider; ``retry-parked`` leaves these alone unless told), ``resend`` (only for
providers known to deduplicate on the idempotency key) or ``assume_sent``. The lease must therefore
be longer than a batch of sends takes (adapter timeouts are 10-30 s; the default lease is 120 s).
At most ``batch`` messages per dead worker can be in doubt.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from accord.journal.service import Event, append_many
from accord.kit.crypto import sha256_hex
from accord.kit.timeutil import utcnow
from accord.outbox import repository as repo
from accord.outbox.gate import GATE_UNAVAILABLE, GateBatchCheck, GateCheck, GateResult, default_gate
from accord.outbox.models import BLOCKED, PARKED, SENT, Message
from accord.outbox.ratelimit import RateLimits
from accord.outbox.states import RetryPolicy, after_transient, resolve_in_doubt

log = logging.getLogger("accord.outbox")


@dataclass(frozen=True)
class WorkerConfig:
    batch: int = 20                   # messages claimed (and at most in doubt) per round
    lease_seconds: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    in_doubt_policy: str = "park"
    rates: Mapping[str, float] = field(default_factory=dict)   # channel -> messages / second
    actor: str = "system"


@dataclass
class Tally:
    """What a worker did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    parked: int = 0
    blocked: int = 0
    reconciled: int = 0
    in_doubt: int = 0
    lost: int = 0        # rows another worker took over before this one could record them

    def add(self, other: Tally) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class _Outcome:
    message: Message
    attempt: int
    receipt: object = None
    error: Exception | None = None


def outbound(message: Message):  # noqa: ANN201
    """The adapter's view of an outbox row."""
    from accord.channels.adapters.base import OutboundMessage

    return OutboundMessage(idempotency_key=message.idempotency_key, channel=message.channel, to=message.target,
                           text=message.body, subject=message.subject or "", html=message.html,
                           lang=message.lang, metadata={k: v for k, v in (("loan_id", message.loan_id),
                                                                          ("template", message.template),
                                                                          ("message_id", str(message.id))) if v})


class Worker:
    """One sending loop. Several may run at once, in threads or processes, on one database."""

    def __init__(self, sessions: sessionmaker, worker_id: str, adapters: Mapping[str, object], *,
                 gate: GateCheck = default_gate, config: WorkerConfig | None = None,
                 limits: RateLimits | None = None, clock: Callable[[], datetime] = utcnow,
                 rng: random.Random | None = None, batch_gate: GateBatchCheck | None = None):
        self.sessions = sessions
        self.worker_id = worker_id
        self.adapters = dict(adapters)
        self.gate = gate
        # The batch port: given, or carried by the single gate (``default_gate.batch``); without one
        # the worker gates message by message.
        self.batch_gate = batch_gate or getattr(gate, "batch", None)
        self.config = config or WorkerConfig()
        self.limits = limits or RateLimits(dict(self.config.rates))
        self.clock = clock
        self.rng = rng or random.Random()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.lease_seconds)

    def channels(self, channel: str | None) -> list[str]:
        """Channels this worker can send: it never claims a message it has no adapter for."""
        have = [c for c in self.adapters if c in ("sms", "email", "push", "letter", "ai_call")]
        return [channel] if channel else have

    def adapter_for(self, message: Message):  # noqa: ANN201
        return self.adapters.get(message.adapter or "") or self.adapters.get(message.channel)

    # -- one round -----------------------------------------------------------------------------
    def run_once(self, channel: str | None = None) -> Tally:
        """Reconcile in-doubt messages, then claim, gate, send and record one batch."""
        tally = Tally()
        channels = self.channels(channel)
        if not channels:
            return tally
        self.reconcile(channels, tally)
        now = self.clock()
        with self.sessions() as s, s.begin():
            ids = repo.claim(s, self.worker_id, now, self.lease, self.config.batch, channels)
            msgs = repo.load(s, ids)
        tally.claimed = len(msgs)
        if not msgs:
            return tally
        attempts = self._gate_and_mark(msgs, now, tally)
        outcomes = []
        for m in msgs:
            if m.id in attempts:
                outcomes.append(self._send(m, attempts[m.id]))
        self._record(outcomes, tally)
        return tally

    def _gate_and_mark(self, msgs: list[Message], now: datetime, tally: Tally) -> dict[int, int]:
        """Gate the batch and mark the allowed messages ``sending``, in one transaction.

        With a batch gate the whole batch is decided first (reads only; the gate counts a message it
        allowed earlier in the batch in the history of the next, for daily caps), then marked with one
        UPDATE, so the write lock is held only for the writes."""
        if self.batch_gate is None:
            return self._gate_and_mark_each(msgs, now, tally)
        with self.sessions() as s, s.begin():
            results = self.batch_gate(s, msgs, now)
            missing = GateResult(False, [GATE_UNAVAILABLE], ["the batch gate returned no decision"])
            lease_until = self.clock() + self.lease
            allowed = [m.id for m in msgs if results.get(m.id, missing).allowed]
            attempts = repo.mark_sending(s, self.worker_id, allowed, lease_until)
            events = [e for m in msgs if not results.get(m.id, missing).allowed
                      for e in self._block(s, m, results.get(m.id, missing), tally)]
            append_many(s, events, at=now)
            return attempts

    def _block(self, s: Session, m: Message, result: GateResult, tally: Tally) -> list[Event]:
        """Record a blocked message; the journal event to append (none if the row was lost)."""
        reason = "; ".join(result.messages)[:2000] or "blocked by the compliance gate"
        if not repo.set_blocked(s, self.worker_id, m.id, result.rules, reason):
            return []
        tally.blocked += 1
        return [Event("message.blocked", actor=self.config.actor, loan_id=m.loan_id,
                      borrower_id=m.borrower_id, subject=f"message:{m.id}",
                      payload={"message_id": m.id, "rules": result.rules, "channel": m.channel,
                               "action_id": m.action_id, "body_sha256": sha256_hex(m.body)})]

    def _gate_and_mark_each(self, msgs: list[Message], now: datetime, tally: Tally) -> dict[int, int]:
        """Single-gate path: gate each message and mark it ``sending`` at once, so a message allowed
        earlier in the round is in the history the next one is checked against (daily caps)."""
        with self.sessions() as s, s.begin():
            attempts: dict[int, int] = {}
            events = []
            lease_until = self.clock() + self.lease
            for m in msgs:
                result = self.gate(s, m, now)
                if result.allowed:
                    attempts.update(repo.mark_sending(s, self.worker_id, [m.id], lease_until))
                    continue
                events.extend(self._block(s, m, result, tally))
            append_many(s, events, at=now)
            return attempts

    def _send(self, message: Message, attempt: int) -> _Outcome:
        from accord.channels.adapters.base import SendError

        adapter = self.adapter_for(message)
        self.limits.acquire(message.channel)
        try:
            return _Outcome(message, attempt, receipt=adapter.send(outbound(message)))
        except SendError as exc:
            return _Outcome(message, attempt, error=exc)
        except Exception as exc:  # noqa: BLE001 - unknown failure: the provider may have the message
            log.exception("adapter %s raised while sending message %s", type(adapter).__name__, message.id)
            return _Outcome(message, attempt, error=exc)

    def _record(self, outcomes: list[_Outcome], tally: Tally) -> None:
        from accord.channels.adapters.base import PermanentSendError, SendError, TransientSendError

        if not outcomes:
            return
        now = self.clock()
        with self.sessions() as s, s.begin():
            sent, journal, events = [], [], []
            for o in outcomes:
                m = o.message
                if o.error is None:
                    if self._mark_sent(s, m, o.attempt, o.receipt, now, "", journal, events):
                        sent.append(m)
                        tally.sent += 1
                    else:
                        tally.lost += 1
                    continue
                reason = getattr(o.error, "reason", None) or f"{type(o.error).__name__}: {o.error}"
                if isinstance(o.error, TransientSendError):
                    nxt = after_transient(o.attempt, now, self.config.retry, o.error.retry_after, self.rng)
                    values = {"status": nxt.status, "next_attempt_at": nxt.next_attempt_at, "last_error": reason}
                elif isinstance(o.error, (PermanentSendError, SendError)):
                    values = {"status": PARKED, "last_error": reason}
                else:   # an adapter bug: it may or may not have reached the provider
                    values = {"status": PARKED, "in_doubt": True, "last_error": f"in doubt: {reason}"}
                if not repo.finish(s, m.id, o.attempt, values):
                    tally.lost += 1
                elif values["status"] == PARKED:
                    tally.parked += 1
                    journal.append(Event("message.parked", actor=self.config.actor, loan_id=m.loan_id,
                                         borrower_id=m.borrower_id, subject=f"message:{m.id}",
                                         payload={"message_id": m.id, "attempts": o.attempt,
                                                  "in_doubt": bool(values.get("in_doubt")),
                                                  "reason": reason[:300]}))
                else:
                    tally.retried += 1
            repo.insert_events(s, events)
            append_many(s, journal, at=now)

    def _mark_sent(self, s: Session, m: Message, attempt: int, receipt, now: datetime, note: str,  # noqa: ANN001
                   journal: list[Event], events: list[dict]) -> bool:
        status = receipt.status if receipt.status in ("sent", "delivered") else SENT
        sent_at = now   # the worker's clock, like every other timestamp it writes (receipt.at is the provider's)
        values = {"status": status, "provider_id": receipt.provider_id, "sent_at": sent_at,
                  "in_doubt": False, "last_error": note or None}
        if status == "delivered":
            values["delivered_at"] = sent_at
        if not repo.finish(s, m.id, attempt, values, late_ok=True):
            return False
        events.append({
            "at": sent_at, "channel": m.channel, "direction": "outbound", "target": m.target,
            "actor": self.config.actor, "borrower_id": m.borrower_id,
            "loan_ids": [m.loan_id] if m.loan_id else [], "debt_ids": [m.loan_id] if m.loan_id else [],
            "outcome": status, "talk_seconds": None, "message_id": m.id})
        journal.append(Event("message.sent", actor=self.config.actor, loan_id=m.loan_id, borrower_id=m.borrower_id,
                             subject=f"message:{m.id}",
                             payload={"message_id": m.id, "idempotency_key": m.idempotency_key,
                                      "channel": m.channel, "template": m.template, "action_id": m.action_id,
                                      "provider_id": receipt.provider_id, "attempt": attempt,
                                      "body_sha256": sha256_hex(m.body), "target_sha256": sha256_hex(m.target),
                                      **({"reconciled": note} if note else {})}))
        return True

    # -- in-doubt messages ---------------------------------------------------------------------
    def reconcile(self, channels: Sequence[str], tally: Tally) -> None:
        """Settle messages left in ``sending`` by a dead worker (see the module docstring)."""
        now = self.clock()
        with self.sessions() as s, s.begin():
            taken = repo.take_in_doubt(s, self.worker_id, now, self.lease, self.config.batch, channels)
            msgs = repo.load(s, taken)
        if not msgs:
            return
        answers = {m.id: self._ask_provider(m) for m in msgs}
        with self.sessions() as s, s.begin():
            journal: list[Event] = []
            events: list[dict] = []
            for m in msgs:
                receipt, known = answers[m.id]
                decision = resolve_in_doubt(self.config.in_doubt_policy, known)
                attempt = taken[m.id]
                if decision == "sent":
                    from accord.channels.adapters.base import receipt as make_receipt

                    receipt = receipt or make_receipt(f"assumed:{m.idempotency_key}", "sent")
                    note = "reconciled: provider has it" if known else "in doubt: assumed sent by policy"
                    ok = self._mark_sent(s, m, attempt, receipt, now, note, journal, events)
                elif decision == "requeue":
                    why = "provider never received it" if known is False else "resend with the same key"
                    ok = repo.requeue(s, m.id, attempt, f"reconciled after a worker died: {why}")
                else:
                    ok = repo.finish(s, m.id, attempt, {
                        "status": PARKED, "in_doubt": True,
                        "last_error": "in doubt: a worker died while sending; check with the provider "
                                      "before retrying"})
                    if ok:
                        tally.in_doubt += 1
                        journal.append(Event("message.parked", actor=self.config.actor, loan_id=m.loan_id,
                                             borrower_id=m.borrower_id, subject=f"message:{m.id}",
                                             payload={"message_id": m.id, "attempts": attempt, "in_doubt": True,
                                                      "reason": "worker died mid-send"}))
                tally.reconciled += int(ok)
            repo.insert_events(s, events)
            append_many(s, journal, at=now)

    def _ask_provider(self, m: Message) -> tuple[object, bool | None]:
        adapter = self.adapter_for(m)
        lookup = getattr(adapter, "lookup", None)
        if not callable(lookup):
            return None, None
        try:
            found = lookup(m.idempotency_key)
        except Exception as exc:  # noqa: BLE001 - cannot ask now: treat as unknown
            log.warning("lookup of message %s failed: %s", m.id, exc)
            return None, None
        return found, found is not None


# -- the loop ----------------------------------------------------------------------------------------
def run_worker(url: str, worker_id: str, adapters: Mapping[str, object], *, channel: str | None = None,
               threads: int = 1, once: bool = False, until_idle: bool = False, stop_after: float | None = None,
               poll_seconds: float = 1.0, gate: GateCheck = default_gate, config: WorkerConfig | None = None,
               stop: threading.Event | None = None, batch_gate: GateBatchCheck | None = None) -> Tally:
    """Run ``threads`` workers (ids ``worker_id/N``) sharing adapters and rate limits.

    ``once``: one round each. ``until_idle``: stop when a round finds nothing to do.
    ``stop_after``: stop after that many seconds. ``stop``: an event that ends the loop."""
    from accord.kit.db import engine_for, normalise_url

    config = config or WorkerConfig()
    sessions = sessionmaker(bind=engine_for(normalise_url(url)), expire_on_commit=False)
    limits = RateLimits(dict(config.rates))
    stop = stop or threading.Event()
    deadline = time.monotonic() + stop_after if stop_after else None
    total, lock = Tally(), threading.Lock()

    def loop(i: int) -> None:
        w = Worker(sessions, worker_id if threads == 1 else f"{worker_id}/{i}", adapters, gate=gate,
                   config=config, limits=limits, batch_gate=batch_gate)
        while not stop.is_set():
            t = w.run_once(channel)
            with lock:
                total.add(t)
            busy = t.claimed or t.reconciled
            if once or (until_idle and not busy) or (deadline and time.monotonic() >= deadline):
                return
            if not busy:
                stop.wait(poll_seconds)

    if threads == 1:
        loop(0)
    else:
        pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    return total
