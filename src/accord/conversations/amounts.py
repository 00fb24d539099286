"""Money amounts in a reply: 五百, 五百块, 1千, 一千二, 两千五百元, 3万, 500元, ¥1,200.50, ￥800, "$75",
"75 dollars", "1.2k", "RMB 300", "60 quid" → ``Decimal`` (two decimals).

Works on normalised text (NFKC turns ￥ into ¥ and ５００ into 500). What is *not* an amount:

- dates and relative days (found first by :mod:`accord.conversations.dates` and masked out): 15号,
  3月5日, 6/20, "in 3 days";
- numbers followed by a unit that is not money: 8点, 6pm, 12期, 3个月, 2 weeks, 30%, 8折;
- phone numbers, order numbers and ids: runs of 7 or more digits, or digit groups joined by dashes
  and spaces (555-201-7788), unless a currency sign or word is attached;
- ordinals and labels: 第2期, #3, "no. 12";
- a single bare digit without currency (``1`` as a menu answer, "call after 5").

A Chinese numeral counts when it carries a currency word (十五块) or a magnitude (五百, 一千二, 3万);
a bare 一 or 三 is a word (一定, 三个月), not money.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from accord.conversations.numerals import parse_chinese_number

CENT = Decimal("0.01")
_CN_DIGIT = "零〇一二两俩三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_MAGNITUDE = "十百千万亿拾佰仟"
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PREFIX = r"(?:us\$|¥|\$|£|€|rmb|cny|usd|gbp|hkd)"
_SUFFIX = r"(?:块钱|块|元|圆|rmb|cny|usd|gbp|美元|英镑|刀|dollars?|bucks?|pounds?|quid|euros?)"

_TOKEN = re.compile(
    rf"(?P<pre>{_PREFIX}\s*)?"
    rf"(?P<num>(?:{_ARABIC})\s*(?:[kw](?![a-z])|[千万])?(?:[{_CN_DIGIT}{_CN_MAGNITUDE}]*)"
    rf"|[{_CN_DIGIT}{_CN_MAGNITUDE}]+)"
    rf"(?P<suf>\s*{_SUFFIX}(?![a-z]))?"
)
# After a number, these units make it something other than money.
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:号|日|月|年|天|周|星期|礼拜|点|时|期|个|次|岁|分钟|小时|%|折|楼|人|条|位|倍|几|多[个天月]|"
    r"(?:st|nd|rd|th|am|pm|a\.m|p\.m|days?|weeks?|months?|years?|yrs?|hours?|hrs?|mins?|minutes?|"
    r"times|payments?|installments?|instalments?|percent|calls?|texts?|messages?|people|kids?|x)(?![a-z])|:\d)"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:第|#|no\.\s*|number\s*|尾号|编号|单号|号码|分|:)\s*$")
_PHONE = re.compile(r"\+?\d[\d\- ]{8,}\d")


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans (keeping positions) so that later rules do not read them again."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _value(num: str) -> Decimal | None:
    num = num.replace(",", "").replace(" ", "")
    multiplier = Decimal(1)
    if num[-1] in "kw":
        multiplier = Decimal(1000 if num[-1] == "k" else 10_000)
        num = num[:-1]
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", num):
            return Decimal(num) * multiplier
        return parse_chinese_number(num) * multiplier
    except (ValueError, InvalidOperation):
        return None


def find_amounts(text: str) -> list[tuple[int, int, Decimal]]:
    """Every amount in normalised, date-masked ``text``: (start, end, value) in reading order."""
    text = _PHONE.sub(lambda m: " " * len(m.group()), text)
    found = []
    for m in _TOKEN.finditer(text):
        num = m["num"].strip()
        if not num:
            continue
        currency = bool(m["pre"] or m["suf"])
        if not currency:
            if _NOT_MONEY_AFTER.match(text, m.end()) or _NOT_MONEY_BEFORE.search(text, 0, m.start()):
                continue
        digits = re.sub(r"\D", "", num.split(".")[0])
        is_arabic = bool(digits) and num[0].isdigit()
        if is_arabic:
            if not currency and (len(digits) >= 7 or (len(digits) == 1 and num[-1].isdigit())):
                continue
            # A decimal glued to other digits or letters (v1.2, 3.5.1) is not money.
            if m.start() > 0 and (text[m.start() - 1].isalnum() and text[m.start() - 1].isascii()):
                continue
        else:
            has_magnitude = any(c in _CN_MAGNITUDE for c in num)
            # 十五块 is money; 万一 and 千万别 are words.
            starts_with_digit = (num[0] in _CN_DIGIT and num[0] not in "零〇") or (
                num[0] in "十拾" and currency)
            if not starts_with_digit:
                continue
            if not currency and not (has_magnitude and any(c in "百千万亿佰仟" for c in num)):
                continue
        value = _value(num)
        if value is None or value <= 0:
            continue
        found.append((m.start(), m.end(), value.quantize(CENT)))
    return found


def first_amount(text: str) -> Decimal | None:
    found = find_amounts(text)
    return found[0][2] if found else None
