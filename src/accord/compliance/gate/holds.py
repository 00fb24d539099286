"""Holds: cease requests, disputes, opt-outs, attorney representation, bankruptcy, mental capacity,
vulnerability. A hold stops the contacts its pack forbids; ``allowed_purposes`` lists what may still go
(after a US written cease only a notice that collection is ending or of a specific remedy)."""

from __future__ import annotations

from accord.compliance.decision import Violation
from accord.compliance.gate.facts import Facts, same_address


def _blocked_purpose(f: Facts, check: str) -> bool:
    return f.planned.purpose not in (f.policy.param(check, "allowed_purposes") or ())


def check_holds(f: Facts) -> list[Violation]:
    p, pl, b = f.policy, f.planned, f.ctx.borrower
    out = []
    rule = p.rule_for("cease")
    if rule and _blocked_purpose(f, "cease"):
        forms = p.param("cease", "forms", ("written",))
        hit = next((c for c in b.cease_requests if c.form in forms and c.received_at <= pl.at), None)
        if hit:
            out.append(Violation(rule, f"a {hit.form} cease request was received on "
                                       f"{hit.received_at.isoformat()}; only a termination notice may follow"))
    rule = p.rule_for("dispute")
    if rule and _blocked_purpose(f, "dispute"):
        forms = p.param("dispute", "forms", ("written",))
        within_only = p.param("dispute", "within_validation_period_only", False)
        for d in b.disputes:
            if (d.form in forms and (d.within_validation_period or not within_only)
                    and d.received_at <= pl.at and (d.resolved_at is None or d.resolved_at > pl.at)):
                out.append(Violation(rule, f"a {d.form} dispute received on {d.received_at.isoformat()} "
                                           f"is unresolved; collection is suspended"))
                break
    rule = p.rule_for("opt_out")
    if rule:
        for o in b.opt_outs:
            if o.channel == pl.channel and o.at <= pl.at and same_address(o.target, pl.target):
                where = f" at {o.target}" if o.target else ""
                out.append(Violation(rule, f"the borrower opted out of {o.channel}{where} on {o.at.isoformat()}"))
                break
    rule = p.rule_for("attorney")
    if rule and "attorney_represented" in f.flags and pl.target != "attorney":
        out.append(Violation(rule, "the borrower is represented by an attorney: contact only the attorney"))
    for check, flag, what in (("bankruptcy", "bankruptcy", "the borrower is in bankruptcy"),
                              ("mental_capacity", "mental_capacity_concern",
                               "the borrower may lack mental capacity: recovery is suspended")):
        rule = p.rule_for(check)
        if rule and flag in f.flags and _blocked_purpose(f, check):
            out.append(Violation(rule, what))
    rule = p.rule_for("vulnerable")
    if rule and "vulnerable" in f.flags and pl.channel in (p.param("vulnerable", "channels") or ()):
        out.append(Violation(rule, f"no {pl.channel} to a borrower known or suspected to be vulnerable"))
    return out
