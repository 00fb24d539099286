"""Queries on stored gate decisions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.compliance.models import GateDecisionRecord


def add(session: Session, record: GateDecisionRecord) -> GateDecisionRecord:
    session.add(record)
    session.flush()
    return record


def decisions_between(session: Session, start: datetime, end: datetime,
                      decision: str | None = None) -> list[GateDecisionRecord]:
    """Decisions made in [start, end), oldest first."""
    q = select(GateDecisionRecord).where(GateDecisionRecord.at >= start, GateDecisionRecord.at < end)
    if decision:
        q = q.where(GateDecisionRecord.decision == decision)
    return list(session.scalars(q.order_by(GateDecisionRecord.at, GateDecisionRecord.id)))


def blocks_by_rule(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many contacts the gate stopped in [start, end), per rule id (a block may count under several)."""
    counts: Counter[str] = Counter()
    for rec in decisions_between(session, start, end, decision="block"):
        counts.update(set(rec.rules or []))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def decisions_for_contact(session: Session, borrower_id: str, planned_at: datetime,
                          tolerance: timedelta = timedelta(minutes=1)) -> list[GateDecisionRecord]:
    """Why was borrower X contacted (or not) at time T: the decisions for contacts planned within
    ``tolerance`` of T, newest decision first."""
    q = (select(GateDecisionRecord)
         .where(GateDecisionRecord.borrower_id == borrower_id,
                GateDecisionRecord.planned_at >= planned_at - tolerance,
                GateDecisionRecord.planned_at <= planned_at + tolerance)
         .order_by(GateDecisionRecord.at.desc(), GateDecisionRecord.id.desc()))
    return list(session.scalars(q))


def decisions_for_action(session: Session, action_id: str) -> list[GateDecisionRecord]:
    q = select(GateDecisionRecord).where(GateDecisionRecord.action_id == action_id).order_by(GateDecisionRecord.id)
    return list(session.scalars(q))
