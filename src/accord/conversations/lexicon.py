"""Intent lexicons as data: ``lexicon/*.yaml`` (one file per language, plus ``rules.yaml``).

A compliance officer extends a lexicon by adding a line to a YAML file: a regex under ``match`` (it
detects the intent), under ``unless`` (it vetoes the intent), or a whole-message ``keywords`` entry
(``STOP``, ``退订``). All language files apply to every reply, because replies mix languages.
Patterns are matched against normalised text (see :mod:`accord.conversations.text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

INTENTS = ("promise_to_pay", "paid_already", "hardship", "request_plan", "dispute", "cease",
           "wrong_number", "callback", "other")

# Trimmed from both ends of a reply before keyword comparison: punctuation, spaces, emoji.
_TRIM = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class IntentRules:
    intent: str
    match: re.Pattern | None
    unless: re.Pattern | None
    keywords: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    priority: tuple[str, ...]
    rules: tuple[IntentRules, ...]
    pay_words: re.Pattern
    time_words: re.Pattern
    question: re.Pattern

    def rank(self, intent: str) -> int:
        return self.priority.index(intent) if intent in self.priority else len(self.priority)


def keyword_form(text: str) -> str:
    """How a whole-message keyword is compared: trimmed of punctuation / emoji, single spaces."""
    return _TRIM.sub("", text).strip()


def _compile(patterns: list[str], where: str) -> re.Pattern | None:
    if not patterns:
        return None
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"{where}: bad regex {p!r}: {exc}") from exc
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def load_lexicon(directory: Path | None = None) -> Lexicon:
    """Read and compile every lexicon file of ``directory`` (default: the packaged ``lexicon/``)."""
    base = Path(directory) if directory else Path(str(resources.files("accord.conversations") / "lexicon"))
    rules_file = base / "rules.yaml"
    settings = yaml.safe_load(rules_file.read_text(encoding="utf-8")) or {}
    priority = tuple(settings.get("priority", []))
    for name in priority:
        if name not in INTENTS:
            raise ValueError(f"{rules_file}: unknown intent {name!r} in priority")
    merged: dict[str, dict[str, list[str]]] = {}
    for path in sorted(base.glob("*.yaml")):
        if path.name == rules_file.name:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from exc
        for intent, body in data.items():
            if intent not in INTENTS or intent == "other":
                raise ValueError(f"{path}: unknown intent {intent!r}")
            slot = merged.setdefault(intent, {"match": [], "unless": [], "keywords": []})
            for key in ("match", "unless", "keywords"):
                slot[key].extend(str(v) for v in (body or {}).get(key) or [])
    rules = tuple(
        IntentRules(
            intent=intent,
            match=_compile(body["match"], f"{base}/{intent}.match"),
            unless=_compile(body["unless"], f"{base}/{intent}.unless"),
            keywords=frozenset(keyword_form(k.lower()) for k in body["keywords"]),
        )
        for intent, body in merged.items()
    )
    by_date = settings.get("promise_by_date") or {}
    never = re.compile(r"(?!x)x")
    return Lexicon(
        priority=priority,
        rules=rules,
        pay_words=_compile(list(by_date.get("pay_words") or []), f"{rules_file}: pay_words") or never,
        time_words=_compile(list(by_date.get("time_words") or []), f"{rules_file}: time_words") or never,
        question=_compile(list(settings.get("question") or []), f"{rules_file}: question") or never,
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
