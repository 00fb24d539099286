"""Amount extraction: Chinese numerals, currency forms, and what must not be read as money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.conversations import understand
from accord.conversations.numerals import parse_chinese_number

TODAY = date(2026, 6, 11)


def amount(text: str) -> Decimal | None:
    return understand(text, today=TODAY).amount


@pytest.mark.parametrize(("text", "expected"), [
    ("五百", "500"), ("五百块", "500"), ("1千", "1000"), ("一千二", "1200"), ("两千五百元", "2500"),
    ("3万", "30000"), ("1.5万", "15000"), ("一万五", "15000"), ("两百五", "250"), ("伍佰元", "500"),
    ("一千零五十", "1050"), ("十五块", "15"), ("500元", "500"), ("¥1,200.50", "1200.50"),
    ("￥800", "800"), ("$75", "75"), ("75 dollars", "75"), ("1.2k", "1200"), ("RMB 300", "300"),
    ("60 quid", "60"), ("£50 a month", "50"), ("$ 80 on Fri", "80"), ("2w", "20000"),
    ("明天还５００元", "500"), ("I will pay 五百 tomorrow", "500"), ("USD 120", "120"),
    ("明天还 还1.5万", "15000"), ("先还200，剩下的1500下个月", "200"),
])
def test_amounts(text, expected):
    assert amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", [
    "15号还", "3月5日还", "下个月15号", "pay on the 15th", "I'll pay 25 June", "will pay by 6/20",
    "call me after 6pm", "晚上8点以后打我电话", "能不能分12期", "第2期明天还", "分三个月",
    "13800138000 打这个号", "my new number is 555-201-7788", "订单号20260611003 已还款",
    "1", "at work till 7", "in 2 hours", "give me 2 weeks", "一天打十几个电话", "一次性还不了",
    "千万别再打了", "万一还不上呢", "30% off?", "3天后还款", "2026-06-25还",
])
def test_not_amounts(text):
    assert amount(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("十", 10), ("十五", 15), ("二十", 20), ("一百零八", 108), ("八千八", 8800), ("一万二千", 12000),
    ("两千三", 2300), ("三千五百", 3500), ("一亿", 100_000_000),
])
def test_chinese_numerals(text, value):
    assert parse_chinese_number(text) == value


@given(st.integers(min_value=10, max_value=999_999))
def test_any_integer_with_yuan_is_exact(n):
    assert amount(f"明天还{n}元") == Decimal(n)
    assert amount(f"已经还了{n}元") == Decimal(n)


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(min_value=0, max_value=99))
def test_dollars_with_cents_and_thousands_separators(dollars, cents):
    text = f"I'll pay ${dollars:,}.{cents:02d} tomorrow"
    assert amount(text) == Decimal(f"{dollars}.{cents:02d}")


_CN_DIGITS = "零一二三四五六七八九"


def _to_chinese(n: int) -> str:
    """Formal Chinese numeral for 1..99 999 (written independently of the parser under test)."""
    out = []
    units = [(10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    zero_pending = False
    started = False
    for value, name in units:
        d = n // value % 10 if value < 10_000 else n // value
        if d:
            if zero_pending:
                out.append("零")
            out.append(_CN_DIGITS[d] + name)
            zero_pending = False
            started = True
        elif started:
            zero_pending = True
    return "".join(out)


@given(st.integers(min_value=1, max_value=99_999))
def test_formal_chinese_numerals_round_trip(n):
    assert parse_chinese_number(_to_chinese(n)) == n
