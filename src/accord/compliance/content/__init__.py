"""Content check: scan an outbound text for the categories of compliance-rules.md and for missing
required wording, in Chinese and English, robust to full-width characters, spacing, punctuation,
traditional characters and case. Each hit names its category, the pack's rule and the span in the
ORIGINAL text. Results are cached by (text, policy, language and flags): the daily run checks each
template once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from accord.compliance.content.lexicon import lexicons
from accord.compliance.content.negation import negated
from accord.compliance.content.normalise import has_cjk, normalise
from accord.compliance.content.required import missing_disclosure, missing_opt_out

# Categories that apply only in some situations.
LAW_FIRM_SENSITIVE = "impersonation"
TIME_BARRED = "time_barred_suit"
DISCLOSURE = "disclosure"       # debt words: forbidden towards third parties, not a category by itself
REQUIRED = "required_wording_missing"


@dataclass(frozen=True)
class ContentHit:
    category: str
    rule: str
    start: int
    end: int
    matched: str
    message: str = field(default="", compare=False)


def _scan(text: str, category_filter, law_firm: bool, langs: tuple[str, ...]) -> list[tuple[str, int, int, str]]:
    """(category, start, end, matched) in the original text for every lexicon hit."""
    norm = normalise(text)
    out = []
    for lang in langs:
        for lex in lexicons().get(lang, ()):
            if not category_filter(lex.category) or lex.pattern is None:
                continue
            allowed = [m.span() for m in lex.allow.finditer(norm.text)] if lex.allow else []
            spans = [(m.start(), m.end()) for m in lex.pattern.finditer(norm.text)]
            if lex.law_firm_pattern is not None and not law_firm:
                spans += [(m.start(), m.end()) for m in lex.law_firm_pattern.finditer(norm.text)]
            for a, b in sorted(spans):
                if any(s <= a and b <= e for s, e in allowed):
                    continue
                if lex.negatable and negated(norm.text, a, lang):
                    continue
                s, e = norm.span(a, b)
                out.append((lex.category, s, e, text[s:e]))
    return out


def _langs(text: str) -> tuple[str, ...]:
    return ("en", "zh") if has_cjk(text) else ("en",)


@lru_cache(maxsize=100_000)
def _check(text: str, policy_key: tuple[str, str], lang: str | None, channel: str | None,
           law_firm: bool, statute_barred: bool, first: bool, required: bool) -> tuple[ContentHit, ...]:
    from accord.compliance.policy import _POLICY_OBJECTS

    pol = _POLICY_OBJECTS[policy_key]
    hits: list[ContentHit] = []
    seen = set()
    for cat, s, e, m in _scan(text, lambda c: c not in (DISCLOSURE,) and (c != TIME_BARRED or statute_barred),
                              law_firm, _langs(text)):
        rule = pol.content_rule(cat)
        if rule is None or (cat, s, e) in seen:
            continue
        seen.add((cat, s, e))
        hits.append(ContentHit(cat, rule, s, e, m))
    if required:
        norm = normalise(text).text
        disc = pol.content_rule(REQUIRED) and pol._by_id.get("US-DISC-01")
        if disc and (channel is None or channel in disc.parameters.get("channels", ())):
            msg = missing_disclosure(norm, first)
            if msg:
                hits.append(ContentHit(REQUIRED, "US-DISC-01", 0, 0, "", msg))
        opt = pol.content_rule(REQUIRED) and pol._by_id.get("US-OPTOUT-01")
        if opt and channel in opt.parameters.get("channels", ()):
            msg = missing_opt_out(norm)
            if msg:
                hits.append(ContentHit(REQUIRED, "US-OPTOUT-01", 0, 0, "", msg))
    return tuple(hits)


def check_text(text: str, *, policy, lang: str | None = None, channel: str | None = None,
               collector_is_law_firm: bool = False, statute_barred: bool = False,
               first_communication: bool = False, required_wording: bool = True) -> list[ContentHit]:
    """Every content hit in ``text`` under ``policy`` (a name or a loaded Policy).

    ``lang`` is informative (both lexicons run when the text has Chinese characters, so mixed texts
    are covered). ``channel`` decides the required wording (US: disclosure on written channels,
    opt-out on sms / email); ``required_wording=False`` skips it (messages to third parties).
    """
    from accord.compliance.policy import Policy, load_policy, remember

    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    key = remember(pol)
    return list(_check(text, key, lang, channel, bool(collector_is_law_firm), bool(statute_barred),
                       bool(first_communication), bool(required_wording)))


@lru_cache(maxsize=100_000)
def _disclosure(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((s, e, m) for _, s, e, m in _scan(text, lambda c: c == DISCLOSURE, False, _langs(text)))


def disclosure_spans(text: str) -> list[tuple[int, int, str]]:
    """Spans where ``text`` says a debt is owed (must not reach a third party)."""
    return list(_disclosure(text))


def cache_clear() -> None:
    _check.cache_clear()
    _disclosure.cache_clear()
