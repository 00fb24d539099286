"""Date resolution against ``today`` (pure dates: no time zones, no DST)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.conversations import understand
from accord.conversations.dates import find_dates
from accord.conversations.text import normalise

THU = date(2026, 6, 11)  # a Thursday


def resolve(text: str, today: date = THU, past: bool = False) -> date | None:
    found = find_dates(normalise(text), today, past=past)
    return found[0].value if found else None


@pytest.mark.parametrize(("text", "expected"), [
    ("今天", "2026-06-11"), ("明天", "2026-06-12"), ("后天", "2026-06-13"), ("大后天", "2026-06-14"),
    ("昨天", "2026-06-10"), ("前天", "2026-06-09"),
    ("下周五", "2026-06-19"), ("这周五", "2026-06-12"), ("本周五", "2026-06-12"), ("周五", "2026-06-12"),
    ("周四", "2026-06-18"), ("下星期三", "2026-06-17"), ("礼拜天", "2026-06-14"), ("上周五", "2026-06-05"),
    ("週五", "2026-06-12"), ("周末", "2026-06-13"),
    ("月底", "2026-06-30"), ("这个月底", "2026-06-30"), ("下个月初", "2026-07-01"), ("下个月", "2026-07-01"),
    ("月中", "2026-06-15"), ("15号", "2026-06-15"), ("11号", "2026-06-11"), ("3号", "2026-07-03"),
    ("十五号", "2026-06-15"), ("3月5日", "2027-03-05"), ("7月1号", "2026-07-01"), ("下个月15号", "2026-07-15"),
    ("3天后", "2026-06-14"), ("两天内", "2026-06-13"), ("一周内", "2026-06-18"), ("两周后", "2026-06-25"),
    ("给我两天时间", "2026-06-13"), ("下周", "2026-06-15"), ("2026-06-25", "2026-06-25"),
    ("2026年7月3日", "2026-07-03"), ("１５号", "2026-06-15"), ("下週五", "2026-06-19"),
    ("tomorrow", "2026-06-12"), ("tmrw", "2026-06-12"), ("the day after tomorrow", "2026-06-13"),
    ("today", "2026-06-11"), ("tonight", "2026-06-11"), ("yesterday", "2026-06-10"),
    ("next Friday", "2026-06-19"), ("Friday", "2026-06-12"), ("this Friday", "2026-06-12"),
    ("on Fri", "2026-06-12"), ("next wed", "2026-06-17"), ("last friday", "2026-06-05"),
    ("end of the month", "2026-06-30"), ("end of month", "2026-06-30"), ("by the end of next month", "2026-07-31"),
    ("on the 3rd", "2026-07-03"), ("by the 15th", "2026-06-15"), ("in 3 days", "2026-06-14"),
    ("in a week", "2026-06-18"), ("next week", "2026-06-15"), ("next month", "2026-07-01"),
    ("end of the week", "2026-06-12"), ("March 5", "2027-03-05"), ("5 March", "2027-03-05"),
    ("June 19th", "2026-06-19"), ("3rd of July", "2026-07-03"), ("5/3", "2027-05-03"),
    ("20/6", "2026-06-20"), ("6/20/2026", "2026-06-20"), ("2 days ago", "2026-06-09"),
    ("this weekend", "2026-06-13"), ("明天pay", "2026-06-12"), ("friday还", "2026-06-12"),
])
def test_resolution(text, expected):
    assert resolve(text) == date.fromisoformat(expected)


@pytest.mark.parametrize("text", [
    "晚上8点", "call me after 6pm", "上个月", "last week", "年后", "这两天忙", "I sat down", "the sun",
    "wed like to pay", "may I pay", "13800138000", "1",
])
def test_not_dates(text):
    assert resolve(text) is None


def test_day_of_month_past_means_next_month_and_clamps():
    assert resolve("10号", THU) == date(2026, 7, 10)
    assert resolve("31号", THU) == date(2026, 6, 30)  # June has no 31st: its last day
    assert resolve("31号", date(2026, 7, 1)) == date(2026, 7, 31)
    assert resolve("月底", date(2026, 2, 14)) == date(2026, 2, 28)
    assert resolve("下个月初", date(2026, 12, 28)) == date(2027, 1, 1)
    assert resolve("5号", date(2026, 12, 28)) == date(2027, 1, 5)


def test_payment_claims_point_back():
    assert understand("我8号就还款了", today=THU).date == date(2026, 6, 8)
    assert understand("payment was made on the 5th", today=THU).date == date(2026, 6, 5)
    assert understand("I sent the money on Monday", today=THU).date == date(2026, 6, 8)
    assert understand("paid on 06/01", today=THU).date == date(2026, 6, 1)
    # Explicit words keep their meaning whatever the intent.
    assert understand("我已经还了1000，剩下的月底还", today=THU).date == date(2026, 6, 30)
    assert understand("8号还", today=THU).date == date(2026, 7, 8)


WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days, st.integers(min_value=0, max_value=6))
def test_relative_weekdays_land_ahead_on_the_right_day(today, wd):
    for text in (f"周{WEEKDAYS_ZH[wd]}", f"下周{WEEKDAYS_ZH[wd]}", WEEKDAYS_EN[wd], f"next {WEEKDAYS_EN[wd]}"):
        got = resolve(text, today)
        assert got.weekday() == wd, text
        assert 1 <= (got - today).days <= 14, text
    # 周五 is within the coming week; 下周五 is in the following Monday–Sunday week.
    assert (resolve(f"周{WEEKDAYS_ZH[wd]}", today) - today).days <= 7
    next_week = resolve(f"下周{WEEKDAYS_ZH[wd]}", today)
    assert next_week.isocalendar()[:2] == (today + timedelta(days=7)).isocalendar()[:2]


@given(days, st.integers(min_value=0, max_value=6))
def test_past_weekday_is_within_the_last_week(today, wd):
    got = find_dates(normalise(WEEKDAYS_EN[wd]), today, past=True)[0].value
    assert got.weekday() == wd and 0 <= (today - got).days <= 6


@given(days, st.integers(min_value=1, max_value=31))
def test_day_of_month_is_never_in_the_past_and_within_two_months(today, day):
    got = resolve(f"{day}号", today)
    assert today <= got <= today + timedelta(days=62)
    assert got.day == day or got.day < day  # clamped only when the month is too short


@given(days, st.integers(min_value=0, max_value=999))
def test_in_n_days(today, n):
    assert resolve(f"{n}天后", today) == today + timedelta(days=n)
    assert resolve(f"in {n} days", today) == today + timedelta(days=n)


@given(days)
def test_month_end_is_last_day_and_not_before_today(today):
    got = resolve("月底", today)
    assert got >= today and got.month == today.month and (got + timedelta(days=1)).day == 1
    assert resolve("end of the month", today) == got
