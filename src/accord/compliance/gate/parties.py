"""Who may be contacted and how: contact persons (CN conditions, refusals, phone-book numbers), employers
and other third parties (US location contacts, UK tracing), never disclosing the debt to them; field
visits with enough staff; consent for texts; no employer-provided email; limited-content voicemails."""

from __future__ import annotations

from datetime import timedelta

from accord.compliance.content import disclosure_spans
from accord.compliance.decision import Violation
from accord.compliance.gate.facts import Facts, same_address


def check_third_party(f: Facts) -> list[Violation]:
    p, pl, b = f.policy, f.planned, f.ctx.borrower
    kind, contact = f.target
    if kind not in ("contact", "employer"):
        return []
    who = f"contact {contact.id}" if contact else pl.target
    out = []
    if contact is not None and contact.source == "phonebook" and p.rule_for("phonebook"):
        out.append(Violation(p.rule_for("phonebook"), f"{who} comes from the borrower's phone book and is never contacted"))
    if contact is not None and contact.refused and p.rule_for("contact_refused"):
        out.append(Violation(p.rule_for("contact_refused"), f"{who} refused further contact"))
    rule = p.rule_for("third_party")
    if p.rule_for("contact_person_conditions"):
        # CN: a registered contact person only when the debtor cannot be reached, has died or lacks
        # full civil capacity; an employer or any other third party never.
        if kind == "employer":
            out.append(Violation(rule, "an employer is an unrelated third party and is never contacted"))
        elif not (b.status in ("unreachable", "deceased") or b.civil_capacity != "full"):
            out.append(Violation(p.rule_for("contact_person_conditions"),
                                 f"{who} may be contacted only when the borrower is unreachable, deceased "
                                 f"or lacks full civil capacity"))
    elif rule and b.status != "unreachable":
        out.append(Violation(rule, f"{who} is a third party: contact only to find an unreachable borrower"))
    rule = p.rule_for("third_party_disclosure")
    if rule and pl.text:
        spans = disclosure_spans(pl.text)
        if spans:
            s, e, m = spans[0]
            out.append(Violation(rule, f"the message to {who} discloses the debt ({m!r})"))
    return out


def check_channel(f: Facts) -> list[Violation]:
    p, pl, b = f.policy, f.planned, f.ctx.borrower
    out = []
    if pl.target in b.work_addresses:
        rule = p.rule_for("employer_forbids")
        if rule and b.employer_forbids_contact:
            out.append(Violation(rule, f"{pl.target} is a work address and the employer forbids contact there"))
        rule = p.rule_for("work_email")
        if rule and pl.channel == "email":
            used = any(h.direction == "inbound" and h.channel == "email" and h.target == pl.target
                       for h, _ in f.history)
            if not used:
                out.append(Violation(rule, f"{pl.target} is an employer-provided email address the "
                                           f"borrower has not used to write to us"))
    rule = p.rule_for("text_consent")
    if rule and pl.channel in (p.param("text_consent", "channels") or ()) and f.target[0] == "borrower":
        consent = any(c.channel == pl.channel and c.given_at <= pl.at and same_address(c.target, pl.target)
                      for c in b.consents)
        days = p.param("text_consent", "recent_text_days", 60)
        recent = any(h.direction == "inbound" and h.channel == pl.channel and kind == "borrower"
                     and same_address(h.target, pl.target) and pl.at - h.at <= timedelta(days=days)
                     for h, kind in f.history)
        if not (consent or recent):
            out.append(Violation(rule, f"no consent to {pl.channel} {pl.target} and no text from the borrower "
                                       f"in the last {days} days"))
    rule = p.rule_for("visit_staff")
    if rule and pl.channel == "visit":
        need = p.param("visit_staff", "min_staff", 2)
        if pl.visitors is None or pl.visitors < need:
            out.append(Violation(rule, f"a field visit needs at least {need} staff "
                                       f"(planned: {pl.visitors if pl.visitors is not None else 'not given'})"))
    rule = p.rule_for("limited_content")
    if rule and pl.channel in (p.param("limited_content", "channels") or ()) and pl.text:
        spans = disclosure_spans(pl.text)
        if spans:
            out.append(Violation(rule, f"a voicemail that mentions the debt ({spans[0][2]!r}) is not a "
                                       f"limited-content message"))
    return out
