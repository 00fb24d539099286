"""Negation: "we will not sue you", 我们不会上门 are lawful; "if you don't pay we will sue" is not.

English: a negator earlier in the same clause governs the match unless a new clause starts between
them (a subject or modal such as "we", "will", or a conjunction such as "or", "then"). Chinese: a
negating word directly before the match (at most two characters between).
"""

from __future__ import annotations

import re

_EN_CLAUSE = re.compile(r"[.!?;:,\n]")
_EN_NEG = re.compile(r"(?<!why )\b(not|never|no|won't|wont|cannot|can't|cant|don't|dont|doesn't|isn't|aren't|"
                     r"wasn't|without|nor)\b|n't\b")
_EN_BREAK = re.compile(r"\b(we|i|they|he|she|will|shall|would|we'll|i'll|they'll|you'll|then|or|but|so|"
                       r"otherwise|unless|if|until|and|must|make|makes|let)\b")
_ZH_NEG = re.compile(r"(不会|不会被|并不会|绝不会|也不会|不存在|并非|不是|没有|无需|不用|不必|不涉及|不要担心|"
                     r"从不|绝不|不可能|不能|无权|不得|禁止|严禁|杜绝|不属于|拒绝|谨防|警惕|防范|举报)"
                     r"[\u4e00-\u9fff]{0,2}$|不会因为?[\u4e00-\u9fff]{0,8}而[\u4e00-\u9fff]{0,2}$"
                     r"|(不会|绝不会|不会再|不得|从不)(要求|让|逼|强迫|劝|建议|催)[\u4e00-\u9fff]{0,12}$")
_EN_WINDOW = 60


def negated(norm: str, start: int, lang: str) -> bool:
    if lang == "zh":
        return bool(_ZH_NEG.search(norm[max(0, start - 16):start]))
    before = norm[max(0, start - _EN_WINDOW):start]
    cut = [m.end() for m in _EN_CLAUSE.finditer(before)]
    clause = before[cut[-1]:] if cut else before
    negs = list(_EN_NEG.finditer(clause))
    if not negs:
        return False
    between = clause[negs[-1].end():]
    return not _EN_BREAK.search(between) and len(between.split()) <= 5
