"""Chinese numerals (五百, 一千二, 两千五百, 一万五, 伍佰, 3千) to integers.

Spoken Chinese drops the last magnitude: 一千二 is 1 200 (一千二百), 两百五 is 250, 一万五 is 15 000.
A trailing digit right after a magnitude character therefore takes the next smaller magnitude. A
zero (零) switches that off: 一千零五 is 1 005.
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

# Characters a Chinese numeral may be written with (also used by the regexes of other modules).
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)


def _section(text: str) -> Decimal:
    """A section below 万: digits and 十/百/千, Arabic digits allowed (3千, 1.5千)."""
    total = Decimal(0)
    pending: Decimal | None = None  # a digit waiting for its magnitude
    last_unit = 0
    after_zero = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] == "."):
                j += 1
            pending = Decimal(text[i:j])
            i = j
            continue
        if ch in DIGITS:
            if DIGITS[ch] == 0:
                after_zero = True
            else:
                pending = Decimal(DIGITS[ch])
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            # 十 on its own means 10 (十五 = 15); otherwise a unit multiplies the pending digit.
            total += (pending if pending is not None else Decimal(1)) * unit
            pending = None
            last_unit = unit
            after_zero = False
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
        i += 1
    if pending is not None:
        # 一千二 → the 二 means 二百; 一千零二 → 2; 十五 → 5.
        if last_unit >= 100 and not after_zero:
            pending *= last_unit // 10
        total += pending
    return total


def parse_chinese_number(text: str) -> Decimal:
    """Value of a Chinese (or mixed 3万 / 1.5万 / 一万五) numeral; raises ValueError when it is not one."""
    if not text:
        raise ValueError("empty numeral")
    total = Decimal(0)
    rest = text
    for big_char, big in sorted(BIG_UNITS.items(), key=lambda kv: -kv[1]):
        if big_char in rest:
            head, rest = rest.split(big_char, 1)
            head_value = _section(head) if head else Decimal(1)
            total += head_value * big
            # 一万五 → 五 means 五千; 一万零五 → 5.
            if rest and len(rest) == 1 and rest in DIGITS and DIGITS[rest] != 0:
                total += Decimal(DIGITS[rest]) * (big // 10)
                rest = ""
    if rest:
        total += _section(rest)
    return total
