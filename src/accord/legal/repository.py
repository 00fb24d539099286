"""Queries of the legal track (all of them live here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.legal.models import LegalMatter, LegalStep


def get_matter(session: Session, matter_id: int) -> LegalMatter | None:
    return session.get(LegalMatter, matter_id)


def open_matters_for_case(session: Session, case_id: int) -> list[LegalMatter]:
    return list(session.scalars(select(LegalMatter).where(LegalMatter.case_id == case_id,
                                                          LegalMatter.status == "open").order_by(LegalMatter.id)))


def steps(session: Session, matter_id: int) -> list[LegalStep]:
    return list(session.scalars(select(LegalStep).where(LegalStep.matter_id == matter_id).order_by(LegalStep.seq)))


def steps_for(session: Session, matter_ids: list[int]) -> dict[int, list[LegalStep]]:
    out: dict[int, list[LegalStep]] = {i: [] for i in matter_ids}
    for i in range(0, len(matter_ids), 5000):
        for s in session.scalars(select(LegalStep).where(LegalStep.matter_id.in_(matter_ids[i:i + 5000]))
                                 .order_by(LegalStep.matter_id, LegalStep.seq)):
            out[s.matter_id].append(s)
    return out


def last_step(session: Session, matter_id: int) -> LegalStep | None:
    return session.scalar(select(LegalStep).where(LegalStep.matter_id == matter_id)
                          .order_by(LegalStep.seq.desc()).limit(1))


def step_count(session: Session, matter_id: int) -> int:
    return session.scalar(select(func.count()).select_from(LegalStep).where(LegalStep.matter_id == matter_id)) or 0


def list_matters(session: Session, *, status: str | None, track: str | None, case_id: int | None,
                 loan_id: str | None, borrower_id: str | None, limit: int, offset: int) -> list[LegalMatter]:
    stmt = select(LegalMatter)
    for col, value in ((LegalMatter.status, status), (LegalMatter.track, track), (LegalMatter.case_id, case_id),
                       (LegalMatter.loan_id, loan_id), (LegalMatter.borrower_id, borrower_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    return list(session.scalars(stmt.order_by(LegalMatter.id).limit(limit).offset(offset)))
