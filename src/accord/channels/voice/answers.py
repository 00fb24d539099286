"""What did the callee say? A transcript → ``Heard(answer, amount, date)``.

Reply understanding belongs to ``accord.conversations.understand`` (intent, amount, date in zh/en);
it is used when installed. The robot also needs short answers that intent models do not cover (yes,
no, "let me talk to a person"), so a small keyword lexicon (``flows/_lexicon.yaml``) runs first for
those, and as a whole fallback (with a minimal amount/date reader) when conversations is missing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

ANSWERS = ("stop", "agent", "wrong_number", "busy", "paid", "dispute", "hardship", "plan",
           "promise", "no", "yes")
# accord.conversations intents → robot answers.
INTENT_ANSWER = {"promise_to_pay": "promise", "paid_already": "paid", "hardship": "hardship",
                 "request_plan": "plan", "dispute": "dispute", "cease": "stop",
                 "wrong_number": "wrong_number", "callback": "busy"}
# Short answers the lexicon decides before asking the intent model.
LEXICON_FIRST = ("stop", "agent", "wrong_number", "busy")


@dataclass(frozen=True)
class Heard:
    answer: str            # one of ANSWERS, "other", or "silence"
    amount: Decimal | None = None
    date: date | None = None


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, list[str]]]:
    path = Path(__file__).parent / "flows" / "_lexicon.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _matches(text: str, phrase: str, lang: str) -> bool:
    if lang == "zh":
        return phrase in text
    return re.search(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", text) is not None


def keyword_answer(text: str, lang: str, only: tuple[str, ...] = ANSWERS) -> str | None:
    words = lexicon()["zh" if lang == "zh" else "en"]
    low = text.lower()
    for answer in only:
        if any(_matches(low, phrase.lower(), lang) for phrase in words.get(answer, ())):
            return answer
    return None


# -- minimal amount / date reading (fallback only) ----------------------------------------------
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_number(text: str) -> int | None:
    """五百 → 500, 一千二 → 1200 (trailing digit after a unit takes the next lower unit), 十五 → 15."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, section, digit, last_unit = 0, 0, None, 1
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section, digit, last_unit = 0, None, 10000
                continue
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        section += digit * (last_unit // 10 if last_unit >= 100 and len(text) > 1 else 1)
    return total + section


_AMOUNT = re.compile(r"(?:[$£¥]\s*)?(\d[\d,]*(?:\.\d{1,2})?)\s*(?:元|块|美元|英镑|dollars?|pounds?|bucks)?"
                     r"|([零一二两三四五六七八九十百千万]+)\s*(?:元|块)"
                     r"|([一二两三四五六七八九]?[十百千万][零一二两三四五六七八九十百千万]*)")
_WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAYS_ZH = "一二三四五六日"


def read_amount(text: str) -> Decimal | None:
    # Ignore day numbers ("15号", "the 15th") and dates before looking for money.
    cleaned = re.sub(r"\d{4}-\d{2}-\d{2}|\d{1,2}\s*(?:号|日)|\d{1,2}(?:st|nd|rd|th)\b", " ", text)
    for m in _AMOUNT.finditer(cleaned):
        if m.group(1):
            return Decimal(m.group(1).replace(",", ""))
        if m.group(2) or m.group(3):
            value = cn_number(m.group(2) or m.group(3))
            if value:
                return Decimal(value)
    return None


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _day_of_month(today: date, day: int) -> date | None:
    for offset in (0, 1):
        month = today.month + offset
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate >= today:
                return candidate
    return None


def read_date(text: str, today: date) -> date | None:
    low = text.lower()
    if m := re.search(r"\d{4}-\d{2}-\d{2}", low):
        try:
            return date.fromisoformat(m.group(0))
        except ValueError:
            return None
    relative = {"大后天": 3, "后天": 2, "明天": 1, "今天": 0, "day after tomorrow": 2,
                "tomorrow": 1, "today": 0}
    for word, days in relative.items():
        if word in low:
            return today + timedelta(days=days)
    if "月底" in low or "end of the month" in low or "end of month" in low:
        return _month_end(today)
    if m := re.search(r"(下)?(?:周|星期|礼拜)([一二三四五六日天])", low):
        target = _WEEKDAYS_ZH.index(m.group(2).replace("天", "日"))
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead + (7 if m.group(1) and ahead < 7 - today.weekday() else 0))
    if m := re.search(r"(next )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)", low):
        ahead = (_WEEKDAYS_EN.index(m.group(2)) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if m := re.search(r"(\d{1,2})\s*(?:号|日)|the (\d{1,2})(?:st|nd|rd|th)?\b|(\d{1,2})(?:st|nd|rd|th)\b",
                      low):
        return _day_of_month(today, int(next(g for g in m.groups() if g)))
    return None


# -- the classifier -----------------------------------------------------------------------------
def _understander() -> Callable | None:
    try:
        from accord.conversations import understand
    except ImportError:
        return None
    return understand


def _coerce_amount(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _coerce_date(value: object) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def classify(text: str | None, *, lang: str, today: date,
             understand: Callable | None | str = "auto") -> Heard:
    """Classify one utterance. ``understand="auto"`` uses accord.conversations when installed;
    pass ``None`` to force the keyword fallback or a callable to supply another model."""
    if text is None or not text.strip():
        return Heard("silence")
    model = _understander() if understand == "auto" else understand
    early = keyword_answer(text, lang, LEXICON_FIRST)
    if early:
        return Heard(early)
    answer, amount, when = None, None, None
    if model is not None:
        got = model(text, today=today, lang=lang)
        answer = INTENT_ANSWER.get(str(getattr(got, "intent", "other")))
        amount = _coerce_amount(getattr(got, "amount", None))
        when = _coerce_date(getattr(got, "date", None))
    else:
        answer = keyword_answer(text, lang, ANSWERS[4:9])
        amount, when = read_amount(text), read_date(text, today)
    if answer is None:
        answer = keyword_answer(text, lang, ("no", "yes"))
    if (amount is not None or when is not None) and answer in (None, "yes", "promise"):
        # "明天吧" / "500, on Friday" in answer to "when can you pay?" is a promise.
        answer = "promise"
    return Heard(answer or "other", amount, when)
