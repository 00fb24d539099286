"""Workers against real local servers: concurrency, crash mid-send, retries, parking, gate, rate limit,
not-before. Tests of the sending machinery use ``allow_all``; the gate tests use the default gate."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from outbox_helpers import NOON_CN, sms_adapter, smtp_adapter
from accord.journal.models import JournalEntry
from accord.kit.db import session_scope
from accord.outbox import repository as repo
from accord.outbox.gate import allow_all
from accord.outbox.models import ContactEvent, Message
from accord.outbox.service import OutboxItem, enqueue, retry_parked
from accord.outbox.states import RetryPolicy
from accord.outbox.worker import Worker, WorkerConfig

BODY = "【安信借】您好，您的账单已到期，请及时还款。退订回T"


def items(n: int, prefix: str = "m", **kw) -> list[OutboxItem]:
    base = dict(borrower_id="B1", loan_id="L1", channel="sms", target="+8613800000001", body=BODY)
    return [OutboxItem(idempotency_key=f"{prefix}{i}", **{**base, **kw}) for i in range(n)]


def put(url, its, now=NOON_CN):
    with session_scope(url) as s:
        return [m.id for m in enqueue(s, its, now=now)]


def messages(url) -> dict[int, Message]:
    with session_scope(url) as s:
        return {m.id: m for m in s.scalars(select(Message))}


def kinds(url) -> list[str]:
    with session_scope(url) as s:
        return list(s.scalars(select(JournalEntry.kind).order_by(JournalEntry.seq)))


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def test_two_workers_claiming_concurrently_never_share_a_row(url, sessions):
    ids = put(url, items(120))
    got: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claimer(name):
        start.wait()
        while True:
            with sessions() as s, s.begin():
                mine = repo.claim(s, name, NOON_CN, timedelta(minutes=5), 7)
            if not mine:
                return
            got[name].extend(mine)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == sorted(ids)
    assert {m.claimed_by for m in messages(url).values()} <= {"a", "b"}


def test_workers_in_threads_send_each_message_exactly_once(url, sessions, gateway):
    put(url, items(60))
    adapter = sms_adapter(gateway)
    workers = [Worker(sessions, f"w{i}", {"sms": adapter}, gate=allow_all, clock=Clock(NOON_CN),
                      config=WorkerConfig(batch=5)) for i in range(3)]

    def loop(w):
        while w.run_once().claimed:
            pass

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = gateway.keys()
    assert len(keys) == 60 and len(set(keys)) == 60
    ms = messages(url).values()
    assert {m.status for m in ms} == {"sent"} and all(m.provider_id.startswith("gw-") for m in ms)
    with session_scope(url) as s:
        events = list(s.scalars(select(ContactEvent)))
    assert len(events) == 60 and {(e.direction, e.outcome, e.actor) for e in events} == {("outbound", "sent", "system")}
    assert kinds(url).count("message.sent") == 60


class Killed(BaseException):
    """The worker process dies: nothing after this line of the worker runs."""


class DiesAfterSending:
    """Hands the message to the real adapter, then the worker 'dies' before recording the receipt."""

    def __init__(self, inner, before=False):
        self.inner, self.before = inner, before

    def send(self, message):
        if not self.before:
            self.inner.send(message)
        raise Killed()


def _crash(url, sessions, adapter, before=False):
    put(url, items(1, "crash"))
    w = Worker(sessions, "doomed", {"sms": DiesAfterSending(adapter, before)}, gate=allow_all,
               clock=Clock(NOON_CN), config=WorkerConfig(lease_seconds=60))
    try:
        w.run_once()
    except Killed:
        pass
    (m,) = messages(url).values()
    assert (m.status, m.attempts) == ("sending", 1)     # the evidence a crash leaves behind


def test_worker_killed_mid_send_is_never_sent_twice(url, sessions, gateway):
    adapter = sms_adapter(gateway)
    _crash(url, sessions, adapter)
    later = Clock(NOON_CN + timedelta(seconds=30))
    rescuer = Worker(sessions, "rescuer", {"sms": adapter}, gate=allow_all, clock=later)
    assert rescuer.run_once().claimed == 0                 # lease not expired: hands off
    later.t = NOON_CN + timedelta(seconds=61)
    tally = rescuer.run_once()
    assert (tally.in_doubt, tally.sent, tally.claimed) == (1, 0, 0)
    (m,) = messages(url).values()
    assert m.status == "parked" and m.in_doubt and m.last_error.startswith("in doubt")
    with session_scope(url) as s:                          # retry-parked leaves in-doubt messages alone
        assert retry_parked(s) == []
    later.t += timedelta(hours=1)
    assert rescuer.run_once().claimed == 0
    assert gateway.keys() == ["crash0"]                    # exactly one send reached the provider


def test_killed_mid_send_is_reconciled_by_asking_the_provider(url, sessions, gateway):
    adapter = sms_adapter(gateway, lookup=True)
    _crash(url, sessions, adapter)
    rescuer = Worker(sessions, "rescuer", {"sms": adapter}, gate=allow_all, clock=Clock(NOON_CN + timedelta(minutes=2)))
    tally = rescuer.run_once()
    assert (tally.reconciled, tally.sent) == (1, 0)
    (m,) = messages(url).values()
    assert (m.status, m.provider_id, m.in_doubt) == ("sent", "gw-1", False)
    assert gateway.keys() == ["crash0"] and kinds(url).count("message.sent") == 1


def test_killed_before_the_provider_got_it_is_sent_once_after_reconciling(url, sessions, gateway):
    adapter = sms_adapter(gateway, lookup=True)
    _crash(url, sessions, adapter, before=True)
    assert gateway.keys() == []
    rescuer = Worker(sessions, "rescuer", {"sms": adapter}, gate=allow_all, clock=Clock(NOON_CN + timedelta(minutes=2)))
    first = rescuer.run_once()     # reconciled back to the queue, then claimed and sent in the same round
    assert first.reconciled == 1 and first.sent == 1
    assert gateway.keys() == ["crash0"]
    (m,) = messages(url).values()
    assert (m.status, m.attempts) == ("sent", 2)


def test_transient_failures_back_off_then_send(url, sessions, gateway):
    put(url, items(1, "flaky"))
    gateway.script = [503, 503]
    clock = Clock(NOON_CN)
    w = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=clock,
               config=WorkerConfig(retry=RetryPolicy(max_attempts=5, base_seconds=10, cap_seconds=600)))
    assert w.run_once().retried == 1
    (m,) = messages(url).values()
    first_wait = (m.next_attempt_at - NOON_CN).total_seconds()
    assert m.status == "failed" and 5 <= first_wait <= 10 and "503" in m.last_error
    clock.t = m.next_attempt_at - timedelta(seconds=1)
    assert w.run_once().claimed == 0                       # not before its backoff
    clock.t = m.next_attempt_at
    assert w.run_once().retried == 1
    (m,) = messages(url).values()
    second_wait = (m.next_attempt_at - clock.t).total_seconds()
    assert m.attempts == 2 and 10 <= second_wait <= 20     # exponential
    clock.t = m.next_attempt_at
    assert w.run_once().sent == 1
    (m,) = messages(url).values()
    assert (m.status, m.attempts) == ("sent", 3) and gateway.keys() == ["flaky0"]


def test_permanent_failure_and_exhausted_retries_park(url, sessions, smtp):
    put(url, items(1, "hard", channel="email", target="hard@example.com")
        + items(1, "soft", channel="email", target="soft@example.com"))
    clock = Clock(NOON_CN)
    w = Worker(sessions, "w", {"email": smtp_adapter(smtp)}, gate=allow_all, clock=clock,
               config=WorkerConfig(retry=RetryPolicy(max_attempts=2, base_seconds=1, cap_seconds=5)))
    t = w.run_once()
    assert (t.parked, t.retried) == (1, 1)
    clock.t += timedelta(seconds=10)
    assert w.run_once().parked == 1
    ms = {m.idempotency_key: m for m in messages(url).values()}
    assert ms["hard0"].status == "parked" and "550" in ms["hard0"].last_error and ms["hard0"].attempts == 1
    assert ms["soft0"].status == "parked" and "451" in ms["soft0"].last_error and ms["soft0"].attempts == 2
    assert not ms["hard0"].in_doubt and smtp.mailbox.keys() == []
    assert kinds(url).count("message.parked") == 2
    with session_scope(url) as s:
        assert sorted(retry_parked(s, now=clock.t)) == sorted(m.id for m in ms.values())


def test_email_is_sent_over_smtp_with_the_idempotency_key(url, sessions, smtp):
    put(url, items(2, "mail", channel="email", target="b1@example.com", subject="还款提醒"))
    w = Worker(sessions, "w", {"email": smtp_adapter(smtp)}, gate=allow_all, clock=Clock(NOON_CN))
    assert w.run_once().sent == 2
    assert sorted(smtp.mailbox.keys()) == ["mail0", "mail1"]
    ms = messages(url).values()
    assert {m.provider_id for m in ms} == {smtp.mailbox.messages[0]["Message-ID"], smtp.mailbox.messages[1]["Message-ID"]}


class Recording:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        raise AssertionError("a blocked message reached the adapter")


US_BODY = "This is a communication from a debt collector. Jane, a payment of $350.00 on your loan is past due. Pay at https://pay.example. Reply STOP to opt out."


def test_gate_at_claim_time_blocks_after_a_dispute(url, sessions, gateway):
    from outbox_helpers import NOON_US
    from accord.outbox.inbound import receive_reply

    us = dict(borrower_id="B2", loan_id="L2", target="+12125550102", body=US_BODY, lang="en")
    put(url, items(1, "ok", **us), now=NOON_US)
    assert Worker(sessions, "w", {"sms": sms_adapter(gateway)}, clock=Clock(NOON_US)).run_once().sent == 1
    put(url, items(1, "before-dispute", **us), now=NOON_US)
    with session_scope(url) as s:    # the borrower disputes in writing after the message was planned
        receive_reply(s, channel="sms", sender="+12125550102", text="I dispute this debt, it is not mine",
                      at=NOON_US + timedelta(minutes=5))
    adapter = Recording()
    t = Worker(sessions, "w", {"sms": adapter}, clock=Clock(NOON_US + timedelta(minutes=10))).run_once()
    assert t.blocked == 1 and adapter.sent == []
    m = next(m for m in messages(url).values() if m.idempotency_key == "before-dispute0")
    assert m.status == "blocked" and m.gate_rules == ["US-DISP-01"] and "dispute" in m.last_error
    with session_scope(url) as s:
        blocked = s.scalars(select(JournalEntry).where(JournalEntry.kind == "message.blocked")).one()
    assert blocked.subject == f"message:{m.id}" and "US-DISP-01" in blocked.payload


def test_gate_blocks_a_night_time_send_and_daily_caps(url, sessions, gateway):
    night = NOON_CN.replace(hour=15)                       # 23:00 in Shanghai
    put(url, items(1, "night", not_before=night), now=night)
    adapter = Recording()
    assert Worker(sessions, "w", {"sms": adapter}, clock=Clock(night)).run_once().blocked == 1
    (m,) = messages(url).values()
    assert m.status == "blocked" and m.gate_rules == ["CN-TIME-01"] and "23:00" in m.last_error
    # Five texts due at once: the pack allows 3 a day, counting those sent earlier in the same round.
    put(url, items(5, "cap"))
    t = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, clock=Clock(NOON_CN)).run_once()
    assert (t.sent, t.blocked) == (3, 2) and len(gateway.keys()) == 3


def test_rate_limit_is_respected(url, sessions, gateway):
    put(url, items(12, "rl"))
    w = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=Clock(NOON_CN),
               config=WorkerConfig(rates={"sms": 20.0}))
    w.limits.buckets["sms"].burst = w.limits.buckets["sms"].tokens = 2
    t0 = time.monotonic()
    assert w.run_once().sent == 12
    elapsed = time.monotonic() - t0
    assert elapsed >= (12 - 2) / 20 * 0.95
    stamps = sorted(r["at"] for r in gateway.received)
    # No one-second window (here: half a second) holds more than burst + rate * window messages.
    for i, s in enumerate(stamps):
        assert sum(1 for x in stamps[i:] if (x - s).total_seconds() < 0.5) <= 2 + 20 * 0.5 + 1


def test_not_before_is_respected(url, sessions, gateway):
    put(url, items(1, "later", not_before=NOON_CN + timedelta(hours=2)) + items(1, "now"))
    clock = Clock(NOON_CN)
    w = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=clock)
    assert w.run_once().sent == 1 and gateway.keys() == ["now0"]
    clock.t = NOON_CN + timedelta(hours=1, minutes=59)
    assert w.run_once().claimed == 0
    clock.t = NOON_CN + timedelta(hours=2)
    assert w.run_once().sent == 1 and gateway.keys() == ["now0", "later0"]


def test_a_worker_only_claims_channels_it_can_send(url, sessions, gateway):
    put(url, items(1, "mail", channel="email", target="b1@example.com") + items(1, "text"))
    w = Worker(sessions, "w", {"sms": sms_adapter(gateway)}, gate=allow_all, clock=Clock(NOON_CN))
    assert w.run_once().sent == 1
    assert {m.idempotency_key: m.status for m in messages(url).values()} == {"mail0": "queued", "text0": "sent"}
