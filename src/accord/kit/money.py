"""Money: ``Decimal`` at the edges, integer minor units (cents / 分) in storage and vectorised maths.

Storing minor units as integers keeps SQLite (which has no decimal type) exact and lets the daily run
work on plain int64 columns.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def parse_decimal(value: object) -> Decimal:
    """Parse a money or rate value given as text or int; floats are refused (binary rounding)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        # Floats would carry binary rounding into the ledger; callers pass text.
        value = repr(value) if isinstance(value, float) else value
    try:
        text = str(value).strip().replace(",", "")
        if text.startswith("¥") or text.startswith("$") or text.startswith("£"):
            text = text[1:]
        d = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def to_minor(amount: Decimal | str | int) -> int:
    """Decimal amount -> integer minor units, rounded half-up to the cent."""
    d = parse_decimal(amount)
    return int((d * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int) -> Decimal:
    return (Decimal(int(minor)) / 100).quantize(CENT)


def fmt_minor(minor: int) -> str:
    """Contract format: a string with two decimals ("1050.00"). Integer arithmetic: it runs per row."""
    m = int(minor)
    sign, m = ("-", -m) if m < 0 else ("", m)
    return f"{sign}{m // 100}.{m % 100:02d}"

