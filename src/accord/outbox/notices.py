"""Borrower notices: the case workflow's messages (promise confirmations and reminders, dispute
letters, arrangement confirmations, agency hand-over notices ...) rendered and put in the outbox.

Services of the case workflow return plain ``Outbound`` values and stay free of delivery; the command
or pipeline step that committed to them calls ``send_notices``. Each notice is rendered in the
borrower's language for their jurisdiction, addressed to their own number, address or mailbox, and
queued with a key derived from its content, so repeating the call sends nothing twice. The compliance
gate runs when the worker claims the message, like every other send.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.kit.crypto import canonical_json, sha256_hex
from accord.kit.timeutil import utcnow, zone

# Notices leave inside the daily contact window of the borrower's zone (the planning window of the
# strategy's scheduler, inside every pack's allowed hours); outside it they wait for the next start.
WINDOW_START = time(8, 30)
WINDOW_END = time(20, 0)
# A channel the notice cannot use (no address, or the template lacks it) falls back in this order.
FALLBACK = ("sms", "email", "letter")
# Gate purposes (contracts.md): a reminder template keeps its purpose, anything else is judged as
# collection, the strictest reading.
_GATE_PURPOSES = ("reminder", "termination_notice")


def next_send_time(now: datetime, tz_name: str) -> datetime:
    """``now`` when it falls in the borrower's window, else the next window start (aware UTC)."""
    local = now.astimezone(zone(tz_name))
    if WINDOW_START <= local.time() < WINDOW_END:
        return now
    day = local.date() if local.time() < WINDOW_START else local.date() + timedelta(days=1)
    return datetime.combine(day, WINDOW_START, tzinfo=local.tzinfo).astimezone(now.tzinfo)


def local_morning(day: date, tz_name: str) -> datetime:
    """10:00 on ``day`` in the borrower's zone (when the daily run's notices go out)."""
    return datetime.combine(day, time(10, 0), tzinfo=zone(tz_name))


def _target(channel: str, b) -> str | None:  # noqa: ANN001
    if channel in ("sms", "push", "ai_call"):
        return b.phone
    if channel == "email":
        return b.email
    if channel == "letter":
        return b.address
    return None


def _choose(channel: str, offered: tuple[str, ...], b) -> tuple[str, str] | None:  # noqa: ANN001
    for ch in (channel, *FALLBACK):
        if ch in offered and _target(ch, b):
            return ch, _target(ch, b)
    return None


def notice_key(n) -> str:  # noqa: ANN001
    """The outbox idempotency key of a notice: its template, subject and content."""
    digest = sha256_hex(canonical_json({"context": n.context, "loan": n.loan_id, "purpose": n.purpose}))[:16]
    return f"notice:{n.template}:{n.ref or n.borrower_id}:{digest}"


def send_notices(session: Session, notices: list, *, actor: str, now: datetime | None = None,
                 send_on: date | None = None) -> list[dict]:
    """Queue each ``accord.cases.views.Outbound`` in the outbox: at once (inside the borrower's
    window), or at 10:00 of ``send_on`` in the borrower's zone (the daily run). Returns per notice ``{"ref",
    "template", "channel", "message_id", "skipped"}`` (``message_id`` None and ``skipped`` the reason
    when it cannot be sent: unknown template, no address for any of its channels, render error)."""
    from accord.channels.catalog import get_template
    from accord.channels.rendering import render
    from accord.channels.profile import base_context
    from accord.loans.models import Borrower, Loan
    from accord.outbox.service import enqueue

    if not notices:
        return []
    now = now or utcnow()
    ids = {n.borrower_id for n in notices}
    borrowers = {b.id: b for b in session.scalars(select(Borrower).where(Borrower.id.in_(ids)))}
    loan_ids = {n.loan_id for n in notices if n.loan_id}
    currency = dict(session.execute(select(Loan.id, Loan.currency).where(Loan.id.in_(loan_ids))).all()) if loan_ids else {}
    results, items = [], []
    for n in notices:
        out = {"ref": n.ref, "template": n.template, "channel": n.channel, "message_id": None, "skipped": None}
        results.append(out)
        b = borrowers.get(n.borrower_id)
        try:
            tpl = get_template(n.template)
        except Exception as exc:  # noqa: BLE001 - reported per notice, the others still go
            out["skipped"] = f"template: {exc}"
            continue
        if b is None:
            out["skipped"] = f"no borrower {n.borrower_id}"
            continue
        chosen = _choose(n.channel, tuple(tpl.channels), b)
        if chosen is None:
            out["skipped"] = f"no address for {n.channel} or {', '.join(FALLBACK)}"
            continue
        channel, target = chosen
        lang = b.language if b.language in ("zh", "en") else "en"
        ctx = {**base_context(lang, b.jurisdiction), "borrower_name": b.name,
               **({"loan_ref": n.loan_id, "currency": currency.get(n.loan_id)} if n.loan_id else {}), **n.context}
        try:
            tone = "neutral" if "neutral" in tpl.tones else tpl.tones[0]
            msg = render(n.template, lang=lang, tone=tone, channel=channel, context=ctx, policy=b.jurisdiction)
        except Exception as exc:  # noqa: BLE001
            out["skipped"] = f"render: {exc}"
            continue
        out["channel"] = channel
        items.append((out, {
            "idempotency_key": notice_key(n), "borrower_id": b.id, "loan_id": n.loan_id,
            "case_id": str(n.case_id) if n.case_id is not None else None, "channel": channel, "target": target,
            "body": msg.text, "subject": msg.subject, "html": msg.html, "template": n.template, "lang": lang,
            "purpose": n.purpose if n.purpose in _GATE_PURPOSES else "collection",
            "not_before": local_morning(send_on, b.timezone) if send_on else next_send_time(now, b.timezone)}))
    if items:
        messages = enqueue(session, [i for _, i in items], now=now, actor=actor)
        for (out, _), m in zip(items, messages, strict=True):
            out["message_id"] = m.id
    return results
