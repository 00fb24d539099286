"""The borrower's timeline: contact events, replies (with their text) and journal events, merged in
time order. The timeline shows borrower data (reply texts) to people entitled to see the account; the
journal entries in it keep only references and hashes."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.journal.models import JournalEntry
from accord.kit.money import from_minor
from accord.outbox import repository as repo

_ORDER = {"contact": 0, "reply": 1, "journal": 2}


def timeline(session: Session, borrower_id: str) -> list[dict]:
    """Every contact, reply and journal event of one borrower, oldest first (ISO timestamps)."""
    items: list[dict] = []
    for e in repo.events_for(session, borrower_id):
        items.append({"at": e.at, "type": "contact", "id": e.id, "channel": e.channel, "direction": e.direction,
                      "target": e.target, "actor": e.actor, "outcome": e.outcome, "loan_ids": e.loan_ids,
                      "talk_seconds": e.talk_seconds, "message_id": e.message_id})
    for r in repo.replies_for(session, borrower_id):
        items.append({"at": r.at, "type": "reply", "id": r.id, "contact_event_id": r.contact_event_id,
                      "channel": r.channel, "text": r.text, "intent": r.intent, "intents": r.intents,
                      "amount": f"{from_minor(r.amount_minor):.2f}" if r.amount_minor is not None else None,
                      "date": r.date.isoformat() if r.date else None, "lang": r.lang})
    for j in session.scalars(select(JournalEntry).where(JournalEntry.borrower_id == borrower_id)
                             .order_by(JournalEntry.seq)):
        items.append({"at": j.at, "type": "journal", "id": j.seq, "kind": j.kind, "actor": j.actor,
                      "loan_id": j.loan_id, "subject": j.subject, "payload": json.loads(j.payload)})
    items.sort(key=lambda i: (i["at"], _ORDER[i["type"]], i["id"]))
    for i in items:
        i["at"] = i["at"].isoformat()
    return items
