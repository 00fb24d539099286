"""Locale formatting for borrower-facing text: money and dates (pure functions).

``zh`` → 1,050.00元 and 2026年3月20日; ``en-US`` → $1,050.00 and March 20, 2026; ``en-GB`` →
£1,050.00 and 20 March 2026. Money arrives as ``Decimal`` (or its text); a binary float is refused
because it would carry rounding noise into a letter the borrower keeps.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from accord.kit.money import parse_decimal
from accord.kit.timeutil import parse_date

LOCALES = ("zh-CN", "en-US", "en-GB")
CURRENCIES = ("CNY", "USD", "GBP")

# Chinese puts the unit after the number; English puts the symbol before it.
_ZH_UNIT = {"CNY": "元", "USD": "美元", "GBP": "英镑"}
_EN_SYMBOL = {"USD": "$", "GBP": "£", "CNY": "CNY "}
_POLICY_CURRENCY = {"CN": "CNY", "US": "USD", "UK": "GBP"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def locale_for(lang: str, policy: str) -> str:
    """The formatting locale for a message language under a jurisdiction policy."""
    if lang.startswith("zh"):
        return "zh-CN"
    if lang != "en":
        raise ValueError(f"unsupported language {lang!r} (use zh or en)")
    return "en-GB" if policy == "UK" else "en-US"


def default_currency(policy: str) -> str:
    return _POLICY_CURRENCY.get(policy, "CNY")


def to_amount(value: object) -> Decimal:
    """A money value for display: Decimal, its text, or an int of major units; floats refused."""
    if isinstance(value, float):
        raise ValueError(f"money must be a Decimal or text, not a float: {value!r}")
    return parse_decimal(value)


def format_money(value: object, currency: str, locale: str) -> str:
    """1,050.00元 / $1,050.00 / £1,050.00 — two decimals, half-up, grouped thousands."""
    currency = currency.upper()
    if currency not in CURRENCIES:
        raise ValueError(f"unsupported currency {currency!r} (use one of {', '.join(CURRENCIES)})")
    amount = to_amount(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.2f}"
    if locale == "zh-CN":
        return f"{sign}{digits}{_ZH_UNIT[currency]}"
    return f"{sign}{_EN_SYMBOL[currency]}{digits}"


def format_date(value: object, locale: str) -> str:
    """2026年3月20日 / March 20, 2026 / 20 March 2026."""
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    else:
        d = parse_date(value)
    if locale == "zh-CN":
        return f"{d.year}年{d.month}月{d.day}日"
    if locale == "en-GB":
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
