"""The gate: ``evaluate(policy, context, planned) -> Decision``, pure (no I/O, no clock).

Every check reports violations under the rule id its pack assigns; a contact is allowed only when no
check reports anything. All time checks use the planned ``at``; only past contacts at or before it count.
"""

from __future__ import annotations

from accord.compliance.content import check_text
from accord.compliance.decision import Decision, Violation
from accord.compliance.gate.facts import Facts
from accord.compliance.gate.frequency import check_cn_voice, check_message_caps, check_robot, check_us_calls
from accord.compliance.gate.holds import check_holds
from accord.compliance.gate.parties import check_channel, check_third_party
from accord.compliance.gate.timewin import check_time
from accord.compliance.policy import Policy, load_policy
from accord.compliance.schema import Context, Planned

CHECKS = (check_time, check_holds, check_third_party, check_channel, check_us_calls, check_cn_voice,
          check_robot, check_message_caps)


def content_violations(f: Facts) -> list[Violation]:
    pl, ctx = f.planned, f.ctx
    if not pl.text:
        return []
    to_borrower = f.target[0] == "borrower"
    hits = check_text(pl.text, policy=f.policy, lang=pl.lang, channel=pl.channel,
                      collector_is_law_firm=ctx.collector.is_law_firm,
                      statute_barred="statute_barred" in f.flags,
                      first_communication=pl.first_communication, required_wording=to_borrower)
    out = []
    for h in hits:
        if h.category == "required_wording_missing":
            out.append(Violation(h.rule, h.message))
        else:
            out.append(Violation(h.rule, f"{h.category.replace('_', ' ')}: {h.matched!r}"))
    return out


def evaluate(policy: Policy | str, context: Context, planned: Planned) -> Decision:
    """Allow or block one planned contact, with every violated rule and a human message."""
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    f = Facts(pol, context, planned)
    violations: list[Violation] = []
    for check in CHECKS:
        violations.extend(check(f))
    violations.extend(content_violations(f))
    return Decision(pol.name, pol.version, violations)
