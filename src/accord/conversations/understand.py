"""Reply understanding: what a borrower's SMS / chat / transcript line means (intent), how much and
by when (amount, date). Pure: text in, :class:`Reply` out, no I/O beyond reading the packaged lexicon
once.

How a reply is read:

1. normalise (full-width, traditional → simplified, lower case) and detect the language;
2. find date mentions and resolve them against ``today`` (:mod:`.dates`), mask them, then find
   amounts (:mod:`.amounts`) so that 15号 or "June 25" never become money;
3. run every intent's rules (:mod:`.lexicon`): whole-message keywords, ``match`` regexes and
   ``unless`` vetoes; a payment word next to a date that is today or later is a promise too;
4. order the detected intents by the priority of ``lexicon/rules.yaml`` (wrong_number, cease,
   dispute, paid_already, promise_to_pay, request_plan, hardship, callback); the first is the
   primary intent, ``other`` when none was found;
5. when the primary intent is ``paid_already``, ambiguous dates point back ("paid on the 5th").

``confidence`` is a rule-strength heuristic, not a calibrated probability: 0.95 for a whole-message
keyword, 0.9 for a rule match alone, 0.8 when other intents compete, 0.7 for a promise inferred only
from a payment word and a date, 0.5 for ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal

from accord.conversations.amounts import find_amounts, mask
from accord.conversations.dates import find_dates
from accord.conversations.lexicon import Lexicon, default_lexicon, keyword_form
from accord.conversations.text import detect_lang, normalise

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Reply:
    """What a reply says. ``intents`` lists every detected intent, highest priority first."""

    intent: str
    intents: tuple[str, ...]
    amount: Decimal | None
    date: Date | None
    lang: str
    confidence: float
    # True when the whole reply is a stop keyword (STOP, TD, 退订): an opt-out of the channel it came
    # on, as opposed to a request that all contact cease ("别再打了", "stop calling me").
    keyword_only: bool = False

    def to_contract(self) -> dict:
        """The ``accord intent`` JSON object of contracts.md."""
        return {
            "intent": self.intent,
            "amount": f"{self.amount:.2f}" if self.amount is not None else None,
            "date": self.date.isoformat() if self.date else None,
            "lang": self.lang,
        }


def _detect(norm: str, lexicon: Lexicon, future_date: bool, has_amount: bool) -> tuple[dict[str, float], bool]:
    """Detected intents with a strength each, and whether a whole-message keyword decided."""
    found: dict[str, float] = {}
    key = keyword_form(norm)
    keyword_hit = False
    promise_rules = None
    for rules in lexicon.rules:
        if rules.intent == "promise_to_pay":
            promise_rules = rules
        if key and key in rules.keywords:
            found[rules.intent] = 0.95
            keyword_hit = True
            continue
        if rules.match is not None and rules.match.search(norm):
            if rules.unless is None or not rules.unless.search(norm):
                found[rules.intent] = 0.9
    if "request_plan" in found and lexicon.question.search(norm):
        # "可以先还本金吗": the promise-like words are the proposal of a question, not a commitment.
        found.pop("promise_to_pay", None)
    elif not found.keys() & {"promise_to_pay", "request_plan", "paid_already"}:
        # Inferred promise: a payment word (or amount) with a day or time ahead. Not when the reply
        # says it already paid ("昨天下午转的 ￥800" names a time, but in the past).
        when = future_date or lexicon.time_words.search(norm)
        if when and (has_amount or lexicon.pay_words.search(norm)):
            if promise_rules is None or promise_rules.unless is None or not promise_rules.unless.search(norm):
                found["promise_to_pay"] = 0.7
    return found, keyword_hit


def understand(text: str, *, today: Date, lang: str | None = None, lexicon: Lexicon | None = None) -> Reply:
    """Classify one reply and extract its amount and date (resolved against ``today``).

    ``lang`` ("zh" / "en") overrides language detection; it does not change which rules run, since
    replies mix languages. Raises ValueError for an unknown ``lang``.
    """
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    lexicon = lexicon or default_lexicon()
    norm = normalise(text or "")
    mentions = find_dates(norm, today)
    masked = mask(norm, [(m.start, m.end) for m in mentions])
    amounts = find_amounts(masked)
    future_date = any(m.value >= today for m in mentions)
    found, keyword_hit = _detect(norm, lexicon, future_date, bool(amounts))

    intents = tuple(sorted(found, key=lexicon.rank)) or ("other",)
    primary = intents[0]
    if primary == "paid_already" and mentions:
        mentions = find_dates(norm, today, past=True)
    if primary == "other":
        confidence = 0.5
    else:
        confidence = found[primary] if len(intents) == 1 else min(found[primary], 0.8)
    return Reply(
        intent=primary,
        intents=intents,
        amount=amounts[0][2] if amounts else None,
        date=mentions[0].value if mentions else None,
        lang=lang or detect_lang(norm),
        confidence=confidence,
        keyword_only=keyword_hit and primary == "cease",
    )
