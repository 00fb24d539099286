"""Recording gate decisions: the row and its journal entry in the caller's transaction (never commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.compliance import repository
from accord.compliance.decision import Decision
from accord.compliance.models import GateDecisionRecord
from accord.kit.timeutil import utcnow


def record_decision(session: Session, decision: Decision, *, borrower_id: str | None, channel: str,
                    planned_at: datetime, action_id: str | None = None,
                    at: datetime | None = None) -> GateDecisionRecord:
    """Store one decision (allow or block) and journal it as ``gate.decision``."""
    if planned_at.tzinfo is None:
        raise ValueError("planned_at must be timezone-aware")
    rec = repository.add(session, GateDecisionRecord(
        at=at or utcnow(), policy=decision.policy, policy_version=decision.policy_version,
        decision=decision.decision, rules=decision.rules,
        messages=[v.as_dict() for v in decision.violations], action_id=action_id,
        borrower_id=borrower_id, channel=channel, planned_at=planned_at))
    from accord.journal.service import append

    append(session, kind="gate.decision", actor="gate", borrower_id=borrower_id,
           subject=action_id or f"gate_decision:{rec.id}",
           payload={"gate_decision_id": rec.id, "decision": decision.decision, "rules": decision.rules,
                    "policy": decision.policy, "policy_version": decision.policy_version, "channel": channel,
                    "planned_at": planned_at.isoformat(), "action_id": action_id})
    return rec
