"""Terms of each arrangement kind: parsed and checked from what an agent or the offer engine gives,
and turned into a ledger restructure (pure). Terms are JSON-ready (money as two-decimal text, ISO dates)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from accord.arrangements import restructure as rs
from accord.arrangements.models import KINDS
from accord.arrangements.policy import ArrangementPolicy
from accord.kit.errors import InputError
from accord.kit.money import fmt_minor, parse_decimal, to_minor

# Known terms per kind (anything else is refused, naming it).
ALLOWED = {
    "plan": {"instalments", "first_due", "scope", "waive_penalty"},
    "extension": {"months"},
    "settlement": {"amount", "discount", "instalments", "first_due"},
    "holiday": {"months", "token", "waive_penalty"},
    "reage": {"first_due", "spread_months"},
}


def _int(raw: dict, key: str, lo: int = 1) -> int:
    v = raw.get(key)
    try:
        n = int(str(v))
    except (TypeError, ValueError):
        raise InputError(f"terms.{key}: {v!r} is not a whole number") from None
    if n < lo:
        raise InputError(f"terms.{key}: must be at least {lo}, not {n}")
    return n


def _date(raw: dict, key: str, default: date, today: date) -> date:
    v = raw.get(key)
    if v in (None, ""):
        return default
    try:
        d = v if isinstance(v, date) else date.fromisoformat(str(v))
    except ValueError:
        raise InputError(f"terms.{key}: {v!r} is not an ISO date (YYYY-MM-DD)") from None
    if d <= today:
        raise InputError(f"terms.{key}: {d} must be after today ({today})")
    return d


def _bool(raw: dict, key: str) -> bool:
    v = raw.get(key, False)
    if isinstance(v, bool):
        return v
    if str(v).lower() in ("true", "yes", "1"):
        return True
    if str(v).lower() in ("false", "no", "0", ""):
        return False
    raise InputError(f"terms.{key}: {v!r} is not true or false")


def parse_terms(kind: str, raw: dict, today: date, pol: ArrangementPolicy, owed_minor: int) -> dict:
    """Normalised terms of ``kind`` (InputError naming the term at fault)."""
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    unknown = set(raw) - ALLOWED[kind]
    if unknown:
        raise InputError(f"terms.{sorted(unknown)[0]}: not a term of a {kind} "
                         f"(known: {', '.join(sorted(ALLOWED[kind]))})")
    first = today + timedelta(days=pol.first_due_days)
    if kind == "plan":
        scope = str(raw.get("scope", "overdue"))
        if scope not in ("overdue", "outstanding"):
            raise InputError(f"terms.scope: {scope!r} is not overdue or outstanding")
        return {"instalments": _int(raw, "instalments"), "first_due": _date(raw, "first_due", first, today).isoformat(),
                "scope": scope, "waive_penalty": _bool(raw, "waive_penalty")}
    if kind == "extension":
        return {"months": _int(raw, "months")}
    if kind == "holiday":
        token = raw.get("token", "0")
        try:
            token_minor = to_minor(token)
        except ValueError:
            raise InputError(f"terms.token: {token!r} is not an amount") from None
        if token_minor < 0:
            raise InputError("terms.token: must not be negative")
        return {"months": _int(raw, "months"), "token": fmt_minor(token_minor),
                "waive_penalty": _bool(raw, "waive_penalty")}
    if kind == "settlement":
        if ("amount" in raw) == ("discount" in raw):
            raise InputError("terms.amount: give either amount (to pay) or discount (share waived), not both or neither")
        if "amount" in raw:
            try:
                pay = to_minor(raw["amount"])
            except ValueError:
                raise InputError(f"terms.amount: {raw['amount']!r} is not an amount") from None
        else:
            try:
                d = parse_decimal(raw["discount"])
            except ValueError:
                raise InputError(f"terms.discount: {raw['discount']!r} is not a share") from None
            if not Decimal(0) <= d < 1:
                raise InputError(f"terms.discount: {d} must be from 0 up to (not including) 1")
            pay = owed_minor - to_minor(Decimal(owed_minor) * d / 100)
        if not 0 < pay <= owed_minor:
            raise InputError(f"terms.amount: {fmt_minor(pay)} must be above zero and at most the balance "
                             f"{fmt_minor(owed_minor)}")
        return {"amount": fmt_minor(pay), "instalments": _int(raw, "instalments") if "instalments" in raw else 1,
                "first_due": _date(raw, "first_due", first, today).isoformat()}
    return {"first_due": _date(raw, "first_due", first, today).isoformat(),
            "spread_months": _int(raw, "spread_months") if "spread_months" in raw else pol.reage_spread_months}


def apply_terms(kind: str, terms: dict, rows: list[rs.Row], today: date, pol: ArrangementPolicy,
                next_no: int) -> rs.Restructure:
    """The restructure these terms make of ``rows`` (ValueError when they do not apply to the account)."""
    if not rows:
        raise ValueError("the loan has no unsettled installment")
    if kind == "plan":
        return rs.plan(rows, today, instalments=terms["instalments"], first_due=date.fromisoformat(terms["first_due"]),
                       scope=terms["scope"], waive_penalty=terms["waive_penalty"], next_no=next_no)
    if kind == "extension":
        return rs.extension(rows, today, months=terms["months"], next_no=next_no)
    if kind == "holiday":
        return rs.holiday(rows, today, months=terms["months"], token_minor=to_minor(terms["token"]),
                          waive_penalty=terms["waive_penalty"], next_no=next_no)
    if kind == "settlement":
        return rs.settlement(rows, today, pay_minor=to_minor(terms["amount"]), instalments=terms["instalments"],
                             first_due=date.fromisoformat(terms["first_due"]), remainder_days=pol.remainder_days,
                             next_no=next_no)
    return rs.reage(rows, today, spread_months=terms["spread_months"], first_due=date.fromisoformat(terms["first_due"]),
                    monitor=pol.reage_monitor_instalments, next_no=next_no)
