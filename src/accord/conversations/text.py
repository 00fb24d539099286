"""Text clean-up and language detection for inbound replies.

Replies are short, messy SMS / chat / transcript lines. Before any rule runs, the text is brought to one
canonical form so that the lexicons only need to be written once:

- Unicode NFKC: full-width forms (``ＳＴＯＰ``, ``５００``, ``￥``) become their ASCII / narrow forms;
- traditional characters become simplified (繁体 → 简体, opencc ``t2s``), so ``還款`` matches ``还款``;
- a space between Chinese and Latin letters (``明天pay`` → ``明天 pay``) so English word boundaries hold;
- lower case, typographic quotes and dashes straightened, runs of white space collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK Unified Ideographs (basic block + extension A); enough for zh-CN / zh-TW replies.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"\s+")
# A space between a CJK character and a Latin letter, so that English word boundaries hold in mixed
# replies ("明天pay" → "明天 pay", "friday还" → "friday 还").
_CJK_LATIN = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u3400-\u4dbf\u4e00-\u9fff])")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " ", "\u3000": " "})


@lru_cache(maxsize=1)
def _t2s():
    # Loaded once, lazily: building the dictionaries takes ~0.1 s.
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def normalise(text: str) -> str:
    """Canonical form of a reply: NFKC, simplified Chinese, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    if _CJK.search(text):
        text = _CJK_LATIN.sub(" ", _t2s().convert(text))
    return _SPACES.sub(" ", text.lower()).strip()


def detect_lang(text: str) -> str:
    """``"zh"`` or ``"en"`` from the share of CJK ideographs among letters.

    Mixed messages are common (``ok 明天pay``, ``我已经paid了``). A Chinese character carries roughly
    a word, an English word roughly four letters, so a CJK character counts three Latin letters: the
    message is Chinese when ``3 × cjk ≥ latin``. A message with no letters at all (``👍``, ``500``)
    is English only if it has no CJK either; callers with a known borrower language should pass it.
    """
    cjk = len(_CJK.findall(text))
    if cjk == 0:
        return "en"
    latin = len(_LATIN.findall(text))
    return "zh" if 3 * cjk >= latin else "en"
