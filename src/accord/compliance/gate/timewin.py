"""Time windows: convenient in every possible zone of the borrower, DST-correct (zoneinfo), with the
borrower's own inconvenient times (binding) and agreed hours (which lift the pack's default window)."""

from __future__ import annotations

from accord.compliance.decision import Violation
from accord.compliance.gate.facts import Facts


def clock_seconds(hhmm: str | object) -> int:
    if hasattr(hhmm, "hour"):
        return hhmm.hour * 3600 + hhmm.minute * 60
    hh, mm = str(hhmm).split(":")[:2]
    return int(hh) * 3600 + int(mm) * 60


def in_span(sec: int, start: int, end: int) -> bool:
    """[start, end) on a 24-hour clock; end <= start wraps past midnight; start == end is all day."""
    if start == end:
        return True
    if start < end:
        return start <= sec < end
    return sec >= start or sec < end


def fmt(sec: int) -> str:
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}"


def check_time(f: Facts) -> list[Violation]:
    rule = f.policy.rule_for("time_window")
    if rule is None or f.planned.channel not in f.policy.param("time_window", "channels", ()):
        return []
    start = clock_seconds(f.policy.param("time_window", "allowed_start"))
    end = clock_seconds(f.policy.param("time_window", "allowed_end"))
    b = f.ctx.borrower
    agreed = [(clock_seconds(s.start), clock_seconds(s.end)) for s in b.agreed_hours]
    inconvenient = [(clock_seconds(s.start), clock_seconds(s.end)) for s in b.inconvenient_times]
    out = []
    for name, tz in zip(f.zone_names, f.zones):
        local = f.planned.at.astimezone(tz)
        sec = local.hour * 3600 + local.minute * 60 + local.second
        when = f"{local:%H:%M} on {local:%Y-%m-%d} in {name}"
        bad = next(((s, e) for s, e in inconvenient if in_span(sec, s, e)), None)
        if bad:
            out.append(Violation(rule, f"{when} falls in the borrower's inconvenient time "
                                       f"{fmt(bad[0])}-{fmt(bad[1])}"))
        elif not in_span(sec, start, end) and not any(in_span(sec, s, e) for s, e in agreed):
            out.append(Violation(rule, f"{when} is outside the allowed hours {fmt(start)}-{fmt(end)}"))
    return out
