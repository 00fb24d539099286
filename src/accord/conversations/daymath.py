"""Calendar arithmetic for relative dates (pure ``datetime.date`` maths, no time zones, no DST).

Weeks run Monday to Sunday (the Chinese 周一…周日 week, also ISO 8601). The choices below are the
ones a collector would make when writing down a promise; each is tested.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def month_end(d: date) -> date:
    """Last day of d's month (月底 / end of the month)."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int, day: int | None = None) -> date:
    """Same (or given) day ``months`` later, clamped to the last day of the target month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day if day is not None else d.day, last))


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekday_this_week(today: date, weekday: int) -> date:
    """这周五 / this Friday: that weekday in today's Monday–Sunday week (may be earlier than today)."""
    return week_start(today) + timedelta(days=weekday)


def weekday_next_week(today: date, weekday: int) -> date:
    """下周五 / next Friday: that weekday in the following Monday–Sunday week (1..13 days ahead).

    English "next Friday" is ambiguous (the coming one, or the one after). We read it like 下周五,
    the Friday of next week, so that both languages agree; from a Sunday that is 5 days ahead.
    """
    return week_start(today) + timedelta(days=7 + weekday)


def weekday_last_week(today: date, weekday: int) -> date:
    """上周五 / last Friday: that weekday in the previous Monday–Sunday week."""
    return week_start(today) + timedelta(days=weekday - 7)


def weekday_ahead(today: date, weekday: int) -> date:
    """周五 / Friday said on its own: the next one strictly after today (1..7 days ahead)."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def weekday_behind(today: date, weekday: int) -> date:
    """"paid on Friday": the most recent such day, today included (0..6 days back)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def weekend(today: date) -> date:
    """周末 / this weekend: the Saturday of this week, or today when today is already Saturday or Sunday."""
    if today.weekday() >= 5:
        return today
    return weekday_this_week(today, 5)


def day_of_month_ahead(today: date, day: int) -> date | None:
    """15号 / "on the 15th": this month when the day has not passed yet (today counts), else next month.

    A day the month does not have (31号 in June) is read as that month's last day.
    """
    if not 1 <= day <= 31:
        return None
    this = add_months(today, 0, day)
    if this >= today:
        return this
    return add_months(today, 1, day)


def day_of_month_behind(today: date, day: int) -> date | None:
    """"paid on the 5th": this month when that day is today or earlier, else last month."""
    if not 1 <= day <= 31:
        return None
    this = add_months(today, 0, day)
    if this <= today:
        return this
    return add_months(today, -1, day)


def month_day(today: date, month: int, day: int, *, past: bool = False, year: int | None = None) -> date | None:
    """3月5日 / March 5 without a year: the next such date (today counts), or the last one when ``past``."""
    if year is not None:
        return _safe(year, month, day)
    this = _safe(today.year, month, day)
    if this is None:
        # 2月29日 outside a leap year and the like: try the neighbouring year before giving up.
        other = _safe(today.year + (-1 if past else 1), month, day)
        return other
    if past:
        return this if this <= today else _safe(today.year - 1, month, day)
    return this if this >= today else _safe(today.year + 1, month, day)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
