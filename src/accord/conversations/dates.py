"""Date mentions in a reply (明天, 下周五, 月底, 15号, 3月5日, "next Friday", "end of month", "on the 3rd")
resolved against ``today``.

Works on text already passed through :func:`accord.conversations.text.normalise` (simplified
Chinese, lower case, NFKC). Every rule is one regex and one resolver; overlapping matches keep the
earliest, then the longest (大后天 beats 后天, "day after tomorrow" beats "tomorrow").

Choices (documented because replies are ambiguous):

- A bare weekday (周五, "Friday") is the next one strictly after today (1..7 days); 这周五 / "this
  Friday" is the Friday of today's Monday–Sunday week; 下周五 / "next Friday" the Friday of next week;
  下下周五 a week after that.
- A bare day of month (15号, "on the 15th") is this month unless it has passed, then next month.
- 月底 / "end of (the) month" is the month's last day; 月初 / 下个月初 / "early next month" and 下个月 /
  "next month" on their own are the 1st of next month; 月中 is the 15th; 下周 / "next week" on its own
  is next Monday; "end of the week" is its Friday.
- N天后 / N天内 / "in N days" / "within N days" / "give me N days" are today + N (the latest day the
  borrower named).
- ``5/3`` is month/day (the US and Chinese order) unless the first number cannot be a month
  (``20/6`` is 20 June). A UK borrower writing 5/3 for 5 March is misread; the collector confirms.
- When the reply says a payment was already made (``past=True``), the ambiguous forms above (bare
  weekday, bare day of month, month and day without a year) point back instead: "paid on the 5th"
  said on 11 June is 5 June, "paid Monday" the most recent Monday. Explicit words keep their meaning
  either way (昨天, 上周五, "last Friday", 明天).
- Times of day (8点, 6pm) and vague spans (上个月, "last week", 年后) are not dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from accord.conversations import daymath as dm
from accord.conversations.numerals import parse_chinese_number

CN_NUM = "[零一二两三四五六七八九十]{1,3}"
NUM = rf"(?:\d{{1,2}}|{CN_NUM})"
COUNT = rf"(?:(?<!\d)\d{{1,3}}|{CN_NUM})"

_ZH_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_EN_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "couple of": 2, "a couple of": 2, "three": 3,
             "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14}

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_FULL_DAY_RE = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_ABBR_DAY_RE = "tues|tue|wed|thurs|thur|thu|fri|sat|sun|mon"
_EN_COUNT_RE = r"\d{1,3}|a couple of|couple of|an|a|one|two|three|four|five|six|seven|ten|fourteen"


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    value: date


def _num(token: str) -> int:
    token = token.strip()
    if token.isdigit():
        return int(token)
    if token in _EN_COUNT:
        return _EN_COUNT[token]
    return int(parse_chinese_number(token))


Resolver = Callable[[re.Match, date, bool], date | None]
_RULES: list[tuple[re.Pattern, Resolver]] = []


def rule(pattern: str) -> Callable[[Resolver], Resolver]:
    def wrap(fn: Resolver) -> Resolver:
        _RULES.append((re.compile(pattern), fn))
        return fn

    return wrap


def _offset(days: int) -> Resolver:
    return lambda m, today, past: today + timedelta(days=days)


# --- absolute dates ------------------------------------------------------------------------------

@rule(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)(?:\s*[日号])?")
def _iso(m, today, past):
    return dm.month_day(today, int(m[2]), int(m[3]), year=int(m[1]))


@rule(rf"(?<![\d.])({NUM})\s*月\s*({NUM})\s*[日号]?")
def _zh_month_day(m, today, past):
    return dm.month_day(today, _num(m[1]), _num(m[2]), past=past)


@rule(r"(?<![\d/.$¥£])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")
def _slash(m, today, past):
    a, b = int(m[1]), int(m[2])
    month, day = (a, b) if a <= 12 else (b, a)
    year = None
    if m[3]:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    return dm.month_day(today, month, day, past=past, year=year)


@rule(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
def _en_month_day(m, today, past):
    return dm.month_day(today, _MONTHS[m[1]], int(m[2]), past=past)


@rule(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b")
def _en_day_month(m, today, past):
    return dm.month_day(today, _MONTHS[m[2]], int(m[1]), past=past)


# --- days of the month -----------------------------------------------------------------------------

@rule(rf"(?<![\d.号])({NUM})\s*号|(?<![\d.])(\d{{1,2}})\s*日(?!子)")
def _zh_day(m, today, past):
    day = _num(m[1] or m[2])
    return dm.day_of_month_behind(today, day) if past else dm.day_of_month_ahead(today, day)


@rule(rf"(?:这个?月|本月)\s*({NUM})\s*[号日]")
def _zh_this_month_day(m, today, past):
    return dm.add_months(today, 0, _num(m[1]))


@rule(rf"(?:下个?月|下月)\s*({NUM})\s*[号日]?")
def _zh_next_month_day(m, today, past):
    return dm.add_months(today, 1, _num(m[1]))


@rule(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
def _en_ordinal(m, today, past):
    day = int(m[1])
    return dm.day_of_month_behind(today, day) if past else dm.day_of_month_ahead(today, day)


# --- month boundaries ------------------------------------------------------------------------------

@rule(r"(?:这个?月|本月)?(?:月底|月末)|\b(?:(?:the\s+)?end\s+of\s+(?:the|this)?\s*month|eom|month\s*end)\b")
def _month_end(m, today, past):
    return dm.month_end(today)


@rule(r"(?:下个?月|下月)(?:底|末)|\bend\s+of\s+next\s+month\b")
def _next_month_end(m, today, past):
    return dm.month_end(dm.add_months(today, 1, 1))


@rule(r"(?:下个?月|下月)(?:初)?|月初|\b(?:(?:early|beginning\s+of|start\s+of)\s+)?next\s+month\b")
def _next_month_start(m, today, past):
    return dm.add_months(today, 1, 1)


@rule(r"(?:这个?月|本月)?月中")
def _mid_month(m, today, past):
    return dm.day_of_month_ahead(today, 15)


@rule(r"(?:下个?月|下月)中")
def _next_mid_month(m, today, past):
    return dm.add_months(today, 1, 15)


# --- days relative to today ------------------------------------------------------------------------

for _pattern, _days in (
    (r"大后天", 3),
    (r"后天|houtian|\b(?:the\s+)?day\s+after\s+(?:tomorrow|tomorow|tmrw|tmr)\b", 2),
    (r"明天|明日|明儿|明早|明晚|明个|mingtian|\b(?:tomorrow|tomorow|tommorow|tommorrow|tomorro|tmrw|tmrow|tmr|tmw|2moro|2morrow)\b", 1),
    (r"今天|今日|今晚|今早|今儿|今夜|jintian|\b(?:today|tonight|tonite|this\s+(?:morning|afternoon|evening))\b", 0),
    (r"昨天|昨日|昨晚|昨儿|\b(?:yesterday|yday|ystd)\b", -1),
    (r"前天|\b(?:the\s+)?day\s+before\s+yesterday\b", -2),
    (r"大前天", -3),
):
    rule(_pattern)(_offset(_days))


@rule(rf"(?:过|再过|给我|再等|等)?\s*({COUNT}|几)\s*(?:个)?\s*(天|日|周|星期|礼拜)\s*(?:后|以后|之后|内|之内|以内|时间)")
def _zh_in_days(m, today, past):
    if m[1] == "几":
        return None
    n = _num(m[1])
    return today + timedelta(days=n * (1 if m[2] in "天日" else 7))


@rule(rf"(?:过|再过|给我|再等)\s*({COUNT})\s*天")
def _zh_give_days(m, today, past):
    return today + timedelta(days=_num(m[1]))


@rule(rf"({COUNT})\s*天\s*(?:前|之前|以前)")
def _zh_days_ago(m, today, past):
    return today - timedelta(days=_num(m[1]))


@rule(rf"\b(?:in|within|after|give\s+me|need)\s+({_EN_COUNT_RE})\s+(days?|weeks?)\b|\b({_EN_COUNT_RE})\s+(days?|weeks?)\s+(?:from\s+now|later)\b")
def _en_in_days(m, today, past):
    n = _num(m[1] or m[3])
    unit = m[2] or m[4]
    return today + timedelta(days=n * (7 if unit.startswith("week") else 1))


@rule(rf"\b({_EN_COUNT_RE})\s+days?\s+ago\b")
def _en_days_ago(m, today, past):
    return today - timedelta(days=_num(m[1]))


# --- weeks and weekdays ----------------------------------------------------------------------------

@rule(r"(下下个?|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜|週)\s*([一二三四五六日天1-7])")
def _zh_weekday(m, today, past):
    wd = _ZH_WEEKDAY[m[2]]
    prefix = (m[1] or "").rstrip("个")
    if prefix == "下下":
        return dm.weekday_next_week(today, wd) + timedelta(days=7)
    if prefix == "下":
        return dm.weekday_next_week(today, wd)
    if prefix in ("这", "本"):
        return dm.weekday_this_week(today, wd)
    if prefix == "上":
        return dm.weekday_last_week(today, wd)
    return dm.weekday_behind(today, wd) if past else dm.weekday_ahead(today, wd)


@rule(r"(?:这个?|本)?(?:周末|礼拜末)|\b(?:this\s+|the\s+)?weekend\b")
def _weekend(m, today, past):
    return dm.weekend(today)


@rule(r"(?:下个?(?:周|星期|礼拜))(?![一二三四五六日天末1-7])|\bnext\s+week\b")
def _next_week(m, today, past):
    return dm.weekday_next_week(today, 0)


@rule(r"\bend\s+of\s+(?:the\s+|this\s+)?week\b")
def _end_of_week(m, today, past):
    return dm.weekday_this_week(today, 4)


@rule(r"\bend\s+of\s+next\s+week\b")
def _end_of_next_week(m, today, past):
    return dm.weekday_next_week(today, 4)


def _en_weekday(m, today, past):
    prefix, wd = m[1], _EN_WEEKDAYS[m[2]]
    if prefix == "next":
        return dm.weekday_next_week(today, wd)
    if prefix == "this":
        return dm.weekday_this_week(today, wd)
    if prefix == "last":
        return dm.weekday_last_week(today, wd)
    return dm.weekday_behind(today, wd) if past else dm.weekday_ahead(today, wd)


# Full names need no prefix; abbreviations (sat, sun, wed, mon) are everyday words, so they need one.
rule(rf"\b(?:(next|this|last|coming|on|by|till|until|before|thru)\s+)?({_FULL_DAY_RE})\b")(_en_weekday)
rule(rf"\b(next|this|last|coming|on|by|till|until|before)\s+({_ABBR_DAY_RE})\b\.?")(_en_weekday)


def find_dates(text: str, today: date, *, past: bool = False) -> list[DateMention]:
    """All date mentions in ``text`` (normalised), in reading order, without overlaps."""
    found: list[tuple[int, int, Resolver, re.Match]] = []
    for pattern, resolve in _RULES:
        for m in pattern.finditer(text):
            if m.end() > m.start():
                found.append((m.start(), m.end(), resolve, m))
    found.sort(key=lambda t: (t[0], t[0] - t[1]))
    mentions: list[DateMention] = []
    taken_until = -1
    for start, end, resolve, m in found:
        if start < taken_until:
            continue
        value = resolve(m, today, past)
        if value is None:
            continue
        mentions.append(DateMention(start, end, value))
        taken_until = end
    return mentions
