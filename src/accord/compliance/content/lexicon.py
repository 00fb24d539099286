"""Lexicons: one YAML file per category and language under ``lexicons/<lang>/<category>.yaml``.

A compliance officer extends a lexicon by adding lines; no code changes. File format::

    category: insult          # the content category (compliance-rules.md, "Message-content categories")
    lang: en
    negatable: true           # a negation governing the match cancels it ("we will not sue")
    patterns:                 # phrases (case, width, spacing and traditional characters do not matter)
      - deadbeat
      - re: '\\bscum(bag)?\\b'  # or a regular expression over the normalised text
    law_firm_ok:              # patterns that are fine when the collector really is a law firm
      - law offices of
    allow:                    # lawful wording that contains a pattern and must pass
      - identity theft

English phrases match whole words, across any run of spaces or hyphens. Chinese phrases match
anywhere. Everything is matched against the normalised text (see ``normalise.py``), so write
patterns in lower case and simplified characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from accord.compliance.content.normalise import normalise


@dataclass(frozen=True)
class Lexicon:
    category: str
    lang: str
    negatable: bool
    pattern: re.Pattern | None
    law_firm_pattern: re.Pattern | None
    allow: re.Pattern | None


def _phrase(entry: object, lang: str) -> str:
    if isinstance(entry, dict):
        return entry["re"]
    text = normalise(str(entry)).text.strip()
    if lang == "zh":
        return re.escape(text)
    words = re.split(r"[\s\-]+", text)
    body = r"[\s\-]+".join(re.escape(w) for w in words if w)
    left = r"\b" if text[:1].isalnum() else ""
    right = r"\b" if text[-1:].isalnum() else ""
    return f"{left}{body}{right}"


def _compile(entries: list | None, lang: str) -> re.Pattern | None:
    if not entries:
        return None
    return re.compile("|".join(f"(?:{_phrase(e, lang)})" for e in entries))


def _load_file(text: str) -> Lexicon:
    data = yaml.safe_load(text)
    lang = data["lang"]
    return Lexicon(data["category"], lang, bool(data.get("negatable", False)),
                   _compile(data.get("patterns"), lang), _compile(data.get("law_firm_ok"), lang),
                   _compile(data.get("allow"), lang))


@lru_cache(maxsize=1)
def lexicons() -> dict[str, tuple[Lexicon, ...]]:
    """Every lexicon by language, loaded once per process."""
    root = resources.files("accord.compliance.content").joinpath("lexicons")
    out: dict[str, list[Lexicon]] = {}
    for lang_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if not lang_dir.is_dir():
            continue
        for f in sorted(lang_dir.iterdir(), key=lambda p: p.name):
            if f.name.endswith((".yaml", ".yml")):
                lex = _load_file(f.read_text(encoding="utf-8"))
                out.setdefault(lex.lang, []).append(lex)
    return {k: tuple(v) for k, v in out.items()}
