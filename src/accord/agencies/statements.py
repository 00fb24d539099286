"""Collections attributed to agencies and their commission (佣金结算), and the placement section of a
case file. Attribution: a payment on a placed loan belongs to the agency when it was made while the
case was handed over (handed_over_at <= paid_at < ended_at). Commission per placement line =
rate fixed at placement × collected in the period, rounded half-up to the minor unit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from accord.agencies import repository as repo
from accord.agencies import rules
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import zone


def _bound(day: date) -> datetime:
    from accord.config import get_settings

    return datetime.combine(day, time(0, 0), tzinfo=zone(get_settings().business_timezone)).astimezone(UTC)


def statement(session: Session, agency_id: str, date_from: date, date_to: date) -> dict:
    """The agency's commission statement for payments dated ``date_from``..``date_to`` (inclusive)."""
    if date_to < date_from:
        raise InputError(f"--to {date_to} is before --from {date_from}")
    agency = repo.get_agency(session, agency_id)
    if agency is None:
        raise ProblemError(f"no agency {agency_id!r}")
    placements = repo.placements_overlapping(session, agency_id, _bound(date_from) - timedelta(days=1),
                                             _bound(date_to + timedelta(days=2)))
    pays = repo.attributed_payments(session, agency_id=agency_id, paid_from=date_from, paid_to=date_to)
    by_placement: dict[int, list] = {}
    for pid, _pay_id, _at, _on, amount in pays:
        by_placement.setdefault(pid, []).append(amount)
    known = {p.id for p in placements}
    extra = [repo.get_placement(session, pid) for pid in by_placement if pid not in known]
    currencies = repo.loan_currencies(session, [p.loan_id for p in placements + extra])
    lines, totals = [], {}
    for p in sorted(placements + extra, key=lambda x: x.id):
        collected = sum(by_placement.get(p.id, []))
        commission = rules.commission_minor(p.commission_rate, collected)
        cur = currencies.get(p.loan_id, "CNY")
        t = totals.setdefault(cur, [0, 0, 0])
        t[0], t[1], t[2] = t[0] + collected, t[1] + commission, t[2] + len(by_placement.get(p.id, []))
        lines.append({"placement_id": p.id, "case_id": p.case_id, "loan_id": p.loan_id, "currency": cur,
                      "commission_rate": str(p.commission_rate), "status": p.status,
                      "handed_over_at": p.handed_over_at.isoformat(),
                      "ended_at": p.ended_at.isoformat() if p.ended_at else None,
                      "payments": len(by_placement.get(p.id, [])), "collected": fmt_minor(collected),
                      "commission": fmt_minor(commission)})
    return {"agency_id": agency_id, "agency_name": agency.name, "from": date_from.isoformat(),
            "to": date_to.isoformat(), "lines": lines,
            "totals": [{"currency": c, "payments": v[2], "collected": fmt_minor(v[0]), "commission": fmt_minor(v[1])}
                       for c, v in sorted(totals.items())]}


def case_file_section(session: Session, loan_id: str) -> list[dict]:
    """Every placement of the loan (oldest first) for a case file: the agency and its contract, dates,
    the status history with journal sequence numbers (for receipts), and the collections attributed
    to the agency with the commission."""
    from accord.agencies.service import placement_dict

    placements = repo.list_placements(session, loan_id=loan_id, limit=100000)
    if not placements:
        return []
    events = repo.events_for(session, [p.id for p in placements])
    pays: dict[int, list] = {}
    for pid, pay_id, at, on, amount in repo.attributed_payments(session, loan_id=loan_id):
        pays.setdefault(pid, []).append({"payment_id": pay_id, "paid_at": at.isoformat() if at else None,
                                         "paid_on": on.isoformat() if isinstance(on, date) else on,
                                         "amount": fmt_minor(amount), "_minor": amount})
    currency = repo.loan_currency(session, loan_id)
    out = []
    for p in placements:
        a = repo.get_agency(session, p.agency_id)
        items = pays.get(p.id, [])
        collected = sum(i.pop("_minor") for i in items)
        out.append({**placement_dict(p, events.get(p.id, [])),
                    "agency": {"agency_id": a.id, "name": a.name, "phone": a.phone, "contract_ref": a.contract_ref,
                               "dpa_ref": a.dpa_ref,
                               "last_evaluated_on": a.last_evaluated_on.isoformat() if a.last_evaluated_on else None},
                    "currency": currency, "collections": items, "collected": fmt_minor(collected),
                    "commission": fmt_minor(rules.commission_minor(p.commission_rate, collected))})
    return out
