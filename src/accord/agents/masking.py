"""Masking of personal data for agents (PIPL art. 6: the minimum needed): 138****0000, 1101**********1234."""

from __future__ import annotations

import re


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id(value: str | None) -> str | None:
    if not value:
        return value
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_email(value: str | None) -> str | None:
    if not value or "@" not in value:
        return value
    user, domain = value.split("@", 1)
    return f"{user[:1]}***@{domain}"
