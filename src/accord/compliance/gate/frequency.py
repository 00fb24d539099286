"""Frequency: US 7-in-7 and the 7 days after a conversation (per debt, with the counting rules of
§1006.14(b)(3)-(4)), CN 3 effective conversations a day and 6 attempts per number a day, carrier
throttles for robot calls, and per-channel caps for texts, pushes and emails."""

from __future__ import annotations

from datetime import datetime, timedelta

from accord.compliance.decision import Violation
from accord.compliance.gate.facts import Facts, debts_overlap, local_day

CN_VOICE = ("call", "ai_call")


def consent_windows(f: Facts) -> list[tuple[datetime, datetime]]:
    """[start, end) of each direct call consent: at most ``consent_max_days`` and ended by the first
    conversation after it was given (US-FREQ-EXCL-01)."""
    p = f.policy
    max_days = p.param("call_count_exclusions", "consent_max_days", 7)
    voice = p.param("call_count_exclusions", "call_channels", ())
    convs = [h.at for h, kind in f.history
             if h.channel in voice and h.outcome == "conversation" and kind == "borrower"]
    out = []
    for c in f.ctx.borrower.call_consents:
        end = c.given_at + timedelta(days=max_days)
        if c.until is not None:
            end = min(end, c.until)
        later = [t for t in convs if t > c.given_at]
        if later:
            end = min(end, min(later))
        out.append((c.given_at, end))
    return out


def _in_consent(at: datetime, windows: list[tuple[datetime, datetime]]) -> bool:
    return any(s <= at < e for s, e in windows)


def check_us_calls(f: Facts) -> list[Violation]:
    p, pl = f.policy, f.planned
    voice = p.param("call_count_exclusions", "call_channels", ("call", "ai_call", "ringless_voicemail"))
    if pl.channel not in voice or f.target[0] != "borrower":
        return []
    r1, r2 = p.rule_for("calls_per_debt"), p.rule_for("call_after_conversation")
    if r1 is None and r2 is None:
        return []
    windows = consent_windows(f)
    if _in_consent(pl.at, windows):
        return []  # calls with direct consent are outside both presumptions
    uncounted = set(p.param("call_count_exclusions", "uncounted_outcomes", ()))
    tz = f.zones[0]
    day = local_day(pl.at, tz)
    debts = pl.debt_ids or [None]
    out = []
    if r1:
        limit = p.param("calls_per_debt", "max_calls", 7)
        span = p.param("calls_per_debt", "window_days", 7)
        first = day - timedelta(days=span - 1)
        counted = [h for h, kind in f.history
                   if h.direction == "outbound" and h.channel in voice and kind == "borrower"
                   and h.outcome not in uncounted and not _in_consent(h.at, windows)
                   and first <= local_day(h.at, tz) <= day]
        for debt in debts:
            n = sum(1 for h in counted if debts_overlap(h.debt_ids, [debt] if debt else []))
            if n + 1 > limit:
                about = f"debt {debt}" if debt else "the debt"
                out.append(Violation(r1, f"call {n + 1} about {about} in {span} days "
                                         f"({first.isoformat()}..{day.isoformat()}); the cap is {limit}"))
    if r2:
        days = p.param("call_after_conversation", "days", 7)
        for debt in debts:
            convs = [local_day(h.at, tz) for h, kind in f.history
                     if h.channel in voice and h.outcome == "conversation" and kind == "borrower"
                     and debts_overlap(h.debt_ids, [debt] if debt else [])
                     and 0 <= (day - local_day(h.at, tz)).days <= days - 1]
            if convs:
                last = max(convs)
                about = f"debt {debt}" if debt else "the debt"
                out.append(Violation(r2, f"call about {about} within {days} days of the conversation on "
                                         f"{last.isoformat()} (calls allowed from "
                                         f"{(last + timedelta(days=days)).isoformat()})"))
    return out


def check_cn_voice(f: Facts) -> list[Violation]:
    p, pl = f.policy, f.planned
    if pl.channel not in CN_VOICE:
        return []
    out = []
    rule = p.rule_for("conversations_per_day")
    if rule and f.target[0] == "borrower":
        tz = f.day_zone("conversations_per_day")
        day = local_day(pl.at, tz)
        limit = p.param("conversations_per_day", "max_conversations", 3)
        n = sum(1 for h, kind in f.history
                if h.direction == "outbound" and h.channel in CN_VOICE and h.outcome == "conversation"
                and kind == "borrower" and local_day(h.at, tz) == day)
        if n >= limit:
            out.append(Violation(rule, f"already {n} effective conversations with the borrower on "
                                       f"{day.isoformat()} (lender, agencies and AI together); the cap is {limit}"))
    rule = p.rule_for("attempts_per_number")
    if rule:
        tz = f.day_zone("attempts_per_number")
        day = local_day(pl.at, tz)
        limit = p.param("attempts_per_number", "max_attempts", 6)
        n = sum(1 for h, _ in f.history
                if h.direction == "outbound" and h.channel in CN_VOICE and h.target == pl.target
                and local_day(h.at, tz) == day)
        if n >= limit:
            out.append(Violation(rule, f"already {n} call attempts to {pl.target} on {day.isoformat()}; "
                                       f"the cap is {limit} per number per day"))
    return out


def is_robot(channel: str, actor: str) -> bool:
    return channel == "ai_call" or (actor == "robot" and channel in CN_VOICE)


def check_robot(f: Facts) -> list[Violation]:
    rule = f.policy.rule_for("robot_throttle")
    pl = f.planned
    if rule is None or pl.channel != "ai_call":
        return []
    times = [h.at for h, _ in f.history
             if h.direction == "outbound" and is_robot(h.channel, h.actor) and h.target == pl.target]
    out = []
    for name, seconds, label in (("per_minute", 60, "minute"), ("per_hour", 3600, "hour"),
                                 ("per_24h", 86400, "24 hours")):
        limit = f.policy.param("robot_throttle", name)
        if limit is None:
            continue
        n = sum(1 for t in times if pl.at - timedelta(seconds=seconds) < t)
        if n >= limit:
            out.append(Violation(rule, f"{n} robot call(s) to {pl.target} in the last {label}; "
                                       f"carriers allow {limit}"))
    return out


def check_message_caps(f: Facts) -> list[Violation]:
    rule = f.policy.rule_for("message_caps")
    pl = f.planned
    if rule is None or f.target[0] != "borrower":
        return []
    limit = (f.policy.param("message_caps", "message_caps") or {}).get(pl.channel)
    if limit is None:
        return []
    tz = f.day_zone("message_caps")
    day = local_day(pl.at, tz)
    n = sum(1 for h, kind in f.history
            if h.direction == "outbound" and h.channel == pl.channel and kind == "borrower"
            and h.outcome != "undelivered" and local_day(h.at, tz) == day)
    if n >= limit:
        return [Violation(rule, f"already {n} {pl.channel} message(s) to the borrower on {day.isoformat()}; "
                                f"the cap is {limit} a day")]
    return []
