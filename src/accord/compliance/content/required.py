"""Required wording (US): the debt-collector disclosure (US-DISC-01) and the opt-out line for texts and
emails (US-OPTOUT-01). Missing wording is reported with an empty span at 0."""

from __future__ import annotations

import re

DISCLOSURE_LATER = re.compile(r"debt[\s\-]+collector|债务催收|催收机构")
DISCLOSURE_FIRST = (
    re.compile(r"attempt(ing)?\s+to\s+collect\s+(a|this)\s+debt|(试图|正在|旨在)(收取|催收|追收)(一笔|该|此)?债务"),
    re.compile(r"information\s+(\w+\s+){0,2}(will|shall)\s+be\s+used\s+for\s+that\s+purpose|"
               r"信息(都|均)?将(被)?用于(此|该|这一)目的"),
)
OPT_OUT = re.compile(r"\b(reply|text|send|txt)\s+[\"'“]?stop\b|\bunsubscribe\b|\bopt[\s\-]?out\b|"
                     r"回复\s*[\"“]?(td|t|退订|stop)|退订")


def missing_disclosure(norm: str, first_communication: bool) -> str | None:
    if first_communication:
        if not all(p.search(norm) for p in DISCLOSURE_FIRST):
            return ("first communication lacks the notice that a debt collector is attempting to collect "
                    "a debt and information obtained will be used for that purpose")
        return None
    if not (DISCLOSURE_LATER.search(norm) or DISCLOSURE_FIRST[0].search(norm)):
        return "message does not say it is from a debt collector"
    return None


def missing_opt_out(norm: str) -> str | None:
    if not OPT_OUT.search(norm):
        return "text or email lacks a clear opt-out (e.g. \"Reply STOP to stop texts to this number\")"
    return None
