"""Normalise a message before matching, keeping a map back to the original text.

Steps (each normalised character remembers the original span it came from):
full-width -> half-width and compatibility forms (NFKC), case-fold, zero-width characters dropped,
traditional -> simplified Chinese (OpenCC t2s), and spaces / punctuation inserted between Chinese
characters removed (立 案 抓 捕, 立.案.抓.捕 -> 立案抓捕). Latin text keeps its spaces so word
boundaries still work; runs of whitespace become one space.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_T2S = None
_SPELLED = re.compile(r"(?<![^\W\d_])(?:[a-z][ .\-*_]){2,}[a-z](?![^\W\d_])")


def _converter():
    global _T2S
    if _T2S is None:
        from opencc_purepy import OpenCC

        _T2S = OpenCC("t2s")
    return _T2S


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    out = _converter().convert(ch)
    return out if len(out) == 1 else ch


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def has_cjk(text: str) -> bool:
    return any(is_cjk(c) for c in text)


def _is_word(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN"


@dataclass(frozen=True)
class Normalised:
    text: str
    starts: tuple[int, ...]   # original index where each normalised character begins
    ends: tuple[int, ...]     # original index just after it

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original [start, end) of the normalised slice [a, b)."""
        if b <= a:
            return (self.starts[a] if a < len(self.starts) else (self.ends[-1] if self.ends else 0),) * 2
        return self.starts[a], self.ends[b - 1]


def normalise(text: str) -> Normalised:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":  # zero-width joiners, BOMs, direction marks
            continue
        for out in unicodedata.normalize("NFKC", ch).casefold():
            if is_cjk(out):
                out = _t2s_char(out)
            elif out.isspace():
                out = " "
            chars.append(out)
            starts.append(i)
            ends.append(i + 1)
    # Drop filler (spaces, punctuation, symbols) between two CJK characters; collapse spaces.
    keep = [True] * len(chars)
    # Spelled-out Latin words ("w a t c h", "d.e.a.d.b.e.a.t"): join runs of 3+ single letters.
    joined = "".join(c if len(c) == 1 else "?" for c in chars)
    for m in _SPELLED.finditer(joined):
        for k in range(m.start(), m.end()):
            if not chars[k].isalpha():
                keep[k] = False
    i, n = 0, len(chars)
    while i < n:
        if _is_word(chars[i]):
            i += 1
            continue
        j = i
        while j < n and not _is_word(chars[j]):
            j += 1
        if 0 < i and j < n and is_cjk(chars[i - 1]) and is_cjk(chars[j]):
            for k in range(i, j):
                keep[k] = False
        else:
            seen_space = False
            for k in range(i, j):
                if chars[k] == " ":
                    if seen_space:
                        keep[k] = False
                    seen_space = True
        i = j
    return Normalised("".join(c for c, k in zip(chars, keep) if k),
                      tuple(s for s, k in zip(starts, keep) if k),
                      tuple(e for e, k in zip(ends, keep) if k))
