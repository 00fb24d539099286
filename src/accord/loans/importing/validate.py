"""Row validation: every value parsed, every problem collected as a RowError (file, row, field, reason).
Row numbers are spreadsheet lines: the header is row 1, the first data row is row 2."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accord.kit.crypto import canonical_json, sha256_hex
from accord.kit.errors import RowError
from accord.kit.money import parse_decimal, to_minor
from accord.kit.timeutil import parse_date, parse_timestamp, zone
from accord.loans.schedule import METHODS

METHOD_ALIASES = {"等额本息": "annuity", "等额本金": "equal_principal", "先息后本": "interest_only",
                  "到期还本付息": "bullet", "一次性还本付息": "bullet"}
LANGS = {"zh": "zh", "zh-cn": "zh", "cn": "zh", "en": "en", "en-us": "en", "en-gb": "en"}
JURISDICTIONS = ("CN", "US", "UK")
LOAN_KINDS = {"institution": "institution", "iou": "iou", "借条": "iou"}


@dataclass
class Rows:
    """Collects parsed values and errors for one row."""

    file: str
    row: int
    errors: list[RowError]
    values: dict = field(default_factory=dict)

    def bad(self, fieldname: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.row, fieldname, reason))

    def take(self, raw: dict, name: str, parse, required: bool = False, default=None):  # noqa: ANN001
        v = raw.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.bad(name, "required value is missing")
            self.values[name] = default
            return default
        try:
            out = parse(v.strip() if isinstance(v, str) else v)
        except (ValueError, ArithmeticError) as exc:
            self.bad(name, str(exc))
            out = None
        self.values[name] = out
        return out


def _text(v: str) -> str:
    return v


def _positive_money(v: str) -> Decimal:
    d = parse_decimal(v)
    if d <= 0:
        raise ValueError(f"must be positive, got {v}")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"more than two decimals: {v}")
    return d


def _nonneg_money(v: str) -> Decimal:
    d = parse_decimal(v)
    if d < 0:
        raise ValueError(f"must not be negative, got {v}")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"more than two decimals: {v}")
    return d


def _rate(v: str) -> Decimal:
    d = parse_decimal(v)
    if d < 0:
        raise ValueError(f"must not be negative, got {v}")
    if d > 10:
        raise ValueError(f"{v} is not a fraction (write 0.18 for 18 %)")
    return d


def _int(lo: int, hi: int):  # noqa: ANN202
    def parse(v: str) -> int:
        try:
            d = Decimal(str(v))
        except ArithmeticError as exc:
            raise ValueError(f"not a whole number: {v}") from exc
        if d != d.to_integral_value():
            raise ValueError(f"not a whole number: {v}")
        n = int(d)
        if not lo <= n <= hi:
            raise ValueError(f"must be between {lo} and {hi}, got {n}")
        return n
    return parse


def _zone(v: str) -> str:
    zone(v)
    return v


def _choice(table: dict | tuple, what: str):  # noqa: ANN202
    def parse(v: str) -> str:
        key = v.strip()
        if isinstance(table, dict):
            got = table.get(key.lower()) or table.get(key)
            if got is None:
                raise ValueError(f"unknown {what} {v!r} (expected one of {', '.join(sorted(set(table.values())))})")
            return got
        if key.upper() not in table:
            raise ValueError(f"unknown {what} {v!r} (expected one of {', '.join(table)})")
        return key.upper()
    return parse


def _method(v: str) -> str:
    m = METHOD_ALIASES.get(v.strip(), v.strip().lower())
    if m not in METHODS:
        raise ValueError(f"unknown repayment method {v!r} (expected one of {', '.join(METHODS)})")
    return m


def content_hash(values: dict) -> str:
    return sha256_hex(canonical_json(values))


def borrower_row(file: str, row: int, raw: dict, errors: list[RowError]) -> dict | None:
    r = Rows(file, row, errors)
    n = len(errors)
    r.take(raw, "borrower_id", _text, required=True)
    r.take(raw, "name", _text, required=True)
    tz = r.take(raw, "timezone", _zone, required=True)
    r.take(raw, "national_id", _text)
    r.take(raw, "phone", _text)
    r.take(raw, "email", _text)
    r.take(raw, "address", _text)
    r.take(raw, "language", _choice(LANGS, "language"),
           default="zh" if tz and tz.startswith(("Asia/Shanghai", "Asia/Chongqing", "Asia/Hong_Kong")) else "en")
    r.take(raw, "jurisdiction", _choice(JURISDICTIONS, "jurisdiction"), default="CN")
    if len(errors) > n:
        return None
    r.values["content_hash"] = content_hash(r.values)
    return r.values


def loan_row(file: str, row: int, raw: dict, errors: list[RowError]) -> dict | None:
    r = Rows(file, row, errors)
    n = len(errors)
    r.take(raw, "loan_id", _text, required=True)
    r.take(raw, "borrower_id", _text, required=True)
    r.take(raw, "principal", _positive_money, required=True)
    r.take(raw, "annual_rate", _rate, required=True)
    r.take(raw, "disbursed_on", parse_date, required=True)
    r.take(raw, "term_months", _int(1, 600), required=True)
    r.take(raw, "repayment_method", _method, required=True)
    r.take(raw, "currency", lambda v: _currency(v), default="CNY")
    r.take(raw, "product", _text, default="default")
    r.take(raw, "penalty_rate_daily", _rate, default=Decimal(0))
    r.take(raw, "grace_days", _int(0, 365), default=0)
    r.take(raw, "lender_id", _text)
    r.take(raw, "guarantor_id", _text)
    r.take(raw, "kind", _choice(LOAN_KINDS, "loan kind"), default="institution")
    if len(errors) > n:
        return None
    return r.values


def _currency(v: str) -> str:
    if len(v) != 3 or not v.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {v!r}")
    return v.upper()


def schedule_row(file: str, row: int, raw: dict, errors: list[RowError]) -> dict | None:
    r = Rows(file, row, errors)
    n = len(errors)
    r.take(raw, "loan_id", _text, required=True)
    r.take(raw, "installment_no", _int(1, 1200), required=True)
    r.take(raw, "due_on", parse_date, required=True)
    r.take(raw, "principal_due", _nonneg_money, required=True)
    r.take(raw, "interest_due", _nonneg_money, required=True)
    r.take(raw, "fee_due", _nonneg_money, default=Decimal("0.00"))
    return None if len(errors) > n else r.values


def payment_row(file: str, row: int, raw: dict, errors: list[RowError]) -> dict | None:
    r = Rows(file, row, errors)
    n = len(errors)
    r.take(raw, "payment_id", _text, required=True)
    r.take(raw, "loan_id", _text, required=True)
    r.take(raw, "paid_at", parse_timestamp, required=True)
    r.take(raw, "amount", _positive_money, required=True)
    r.take(raw, "channel", _text)
    if len(errors) > n:
        return None
    r.values["content_hash"] = content_hash(r.values)
    return r.values


PARSERS = {"borrowers": borrower_row, "loans": loan_row, "schedule": schedule_row, "payments": payment_row}

