"""Arrangement policy as data (``data/policy.yaml``): per product and bucket, the bounds within which
arrangements are approved automatically (``auto``), those a manager may approve up to (``hard``),
break rules, re-age and holiday parameters, and the economics of the offer engine.

``ACCORD_CASES_POLICY_DIR`` (shared with the promise and dispute policies) may hold a replacement
``arrangements.yaml``. A file is validated whole when first read; a bad one is refused naming the
file and the key at fault.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path


from accord.arrangements.models import KINDS
from accord.kit.errors import InputError
from accord.kit.yamlfile import read_yaml
from accord.kit.money import parse_decimal, to_minor

DATA = Path(__file__).resolve().parent / "data"
BUCKETS = tuple(f"M{i}" for i in range(8))
TOP_KEYS = {"kinds", "offer_valid_days", "first_due_days", "auto", "hard", "break_rules", "reage", "holiday",
            "settlement", "affordability", "templates", "economics", "buckets"}
BOUND_KEYS = ("max_discount", "min_instalment", "max_term_months", "max_extension_months",
              "max_holiday_months", "max_per_12_months")


def policy_path() -> Path:
    folder = os.environ.get("ACCORD_CASES_POLICY_DIR")
    if folder and (Path(folder) / "arrangements.yaml").exists():
        return Path(folder) / "arrangements.yaml"
    return DATA / "policy.yaml"


@dataclass(frozen=True)
class Bounds:
    max_discount: Decimal
    min_instalment_minor: int
    max_term_months: int
    max_extension_months: int
    max_holiday_months: int
    max_per_12_months: int


@dataclass(frozen=True)
class Economics:
    annual_discount_rate: Decimal
    recovery_by_bucket: dict
    months_to_recover: dict
    collection_cost_per_month_minor: int
    agency_from_bucket: int
    agency_commission: Decimal
    arrangement_cost_minor: int
    keep_rate: dict
    waiver_keep_bonus: Decimal


@dataclass(frozen=True)
class ArrangementPolicy:
    source: str
    product: str
    bucket: str
    kinds: tuple[str, ...]
    offer_valid_days: int
    first_due_days: int
    auto: Bounds
    hard: Bounds
    break_grace_days: int
    misses_allowed: int
    broken_next_step: str
    reage_qualifying_payments: int
    reage_spread_months: int
    reage_monitor_instalments: int
    token_payment_minor: int
    remainder_days: int
    max_share_of_disposable: Decimal
    confirmation_template: str
    reminder_template: str
    reminder_days_before: int
    economics: Economics


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class _Reader:
    """Typed reads of one resolved mapping; every error names the file and the dotted key."""

    def __init__(self, src: str, where: str, data: dict):
        self.src, self.where, self.data = src, where, data

    def fail(self, key: str, why: str) -> InputError:
        return InputError(f"{self.src}: {self.where}{key}: {why}")

    def get(self, key: str):  # noqa: ANN201
        cur = self.data
        for part in key.split("."):
            if not isinstance(cur, dict) or part not in cur:
                raise self.fail(key, "missing")
            cur = cur[part]
        return cur

    def int_(self, key: str, lo: int = 0) -> int:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise self.fail(key, f"must be a whole number ≥ {lo}, not {v!r}")
        return v

    def dec(self, key: str, lo: Decimal = Decimal(0), hi: Decimal | None = None) -> Decimal:
        v = self.get(key)
        try:
            d = parse_decimal(v)
        except ValueError:
            raise self.fail(key, f"{v!r} is not a number") from None
        if d < lo or (hi is not None and d > hi):
            raise self.fail(key, f"{v!r} must be between {lo} and {hi if hi is not None else 'any'}")
        return d

    def money(self, key: str) -> int:
        return to_minor(self.dec(key))

    def str_(self, key: str) -> str:
        v = self.get(key)
        if not isinstance(v, str) or not v:
            raise self.fail(key, f"must be a text, not {v!r}")
        return v


def _bounds(r: _Reader, level: str) -> Bounds:
    extra = set(r.get(level)) - set(BOUND_KEYS) if isinstance(r.get(level), dict) else set()
    if extra:
        raise r.fail(f"{level}.{sorted(extra)[0]}", f"unknown bound (known: {', '.join(BOUND_KEYS)})")
    return Bounds(r.dec(f"{level}.max_discount", hi=Decimal(1)), r.money(f"{level}.min_instalment"),
                  r.int_(f"{level}.max_term_months", 1), r.int_(f"{level}.max_extension_months"),
                  r.int_(f"{level}.max_holiday_months"), r.int_(f"{level}.max_per_12_months"))


def _economics(r: _Reader) -> Economics:
    rec = {b: r.dec(f"economics.recovery_by_bucket.{b}", hi=Decimal(1)) for b in BUCKETS}
    months = {b: r.int_(f"economics.months_to_recover_by_bucket.{b}", 1) for b in BUCKETS}
    keep = {k: r.dec(f"economics.keep_rate.{k}", hi=Decimal(1)) for k in KINDS}
    agency = r.str_("economics.agency_share_from_bucket")
    if agency not in BUCKETS:
        raise r.fail("economics.agency_share_from_bucket", f"{agency!r} is not a bucket M0..M7")
    return Economics(r.dec("economics.annual_discount_rate", hi=Decimal(1)), rec, months,
                     r.money("economics.collection_cost_per_month"), int(agency[1:]),
                     r.dec("economics.agency_commission", hi=Decimal(1)), r.money("economics.arrangement_cost"),
                     keep, r.dec("economics.waiver_keep_bonus", hi=Decimal(1)))


def _parse(src: str, product: str, bucket: str, data: dict) -> ArrangementPolicy:
    r = _Reader(src, f"products.{product}.buckets.{bucket}: " if product else "", data)
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise r.fail(sorted(unknown)[0], "unknown key")
    kinds = r.get("kinds")
    if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
        raise r.fail("kinds", f"must list kinds among {', '.join(KINDS)}, not {kinds!r}")
    auto, hard = _bounds(r, "auto"), _bounds(r, "hard")
    # The hard limits must be at least as loose as the automatic ones.
    for name, looser in (("max_discount", hard.max_discount >= auto.max_discount),
                         ("min_instalment", hard.min_instalment_minor <= auto.min_instalment_minor),
                         ("max_term_months", hard.max_term_months >= auto.max_term_months),
                         ("max_extension_months", hard.max_extension_months >= auto.max_extension_months),
                         ("max_holiday_months", hard.max_holiday_months >= auto.max_holiday_months),
                         ("max_per_12_months", hard.max_per_12_months >= auto.max_per_12_months)):
        if not looser:
            raise r.fail(f"hard.{name}", "is stricter than auto (a manager could approve less than the system)")
    if r.int_("settlement.remainder_days", 1) <= r.int_("break_rules.grace_days"):
        # A settlement's discount must not fall due before a missed payment could break it.
        raise r.fail("settlement.remainder_days", "must be more than break_rules.grace_days")
    return ArrangementPolicy(
        source=src, product=product, bucket=bucket, kinds=tuple(kinds),
        offer_valid_days=r.int_("offer_valid_days", 1), first_due_days=r.int_("first_due_days", 1),
        auto=auto, hard=hard, break_grace_days=r.int_("break_rules.grace_days"),
        misses_allowed=r.int_("break_rules.misses_allowed"), broken_next_step=r.str_("break_rules.next_step"),
        reage_qualifying_payments=r.int_("reage.qualifying_payments"),
        reage_spread_months=r.int_("reage.spread_months", 1),
        reage_monitor_instalments=r.int_("reage.monitor_instalments", 1),
        token_payment_minor=r.money("holiday.token_payment"), remainder_days=r.int_("settlement.remainder_days", 1),
        max_share_of_disposable=r.dec("affordability.max_share_of_disposable", hi=Decimal(1)),
        confirmation_template=r.str_("templates.confirmation"), reminder_template=r.str_("templates.reminder"),
        reminder_days_before=r.int_("templates.reminder_days_before"), economics=_economics(r))


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> dict:
    src = str(path)
    raw = read_yaml(path, "arrangement policy")
    if not isinstance(raw, dict) or not isinstance(raw.get("defaults"), dict):
        raise InputError(f"{src}: defaults: missing (the policy must be a mapping with `defaults`)")
    products = raw.get("products") or {}
    if not isinstance(products, dict):
        raise InputError(f"{src}: products: must be a mapping of product names")
    extra = set(raw) - {"defaults", "products"}
    if extra:
        raise InputError(f"{src}: {sorted(extra)[0]}: unknown key (known: defaults, products)")
    resolved = {}
    for name in {"default", *products}:
        spec = products.get(name) or {}
        if not isinstance(spec, dict):
            raise InputError(f"{src}: products.{name}: must be a mapping")
        for b in spec.get("buckets") or {}:
            if b not in BUCKETS:
                raise InputError(f"{src}: products.{name}.buckets.{b}: not a bucket M0..M7")
        for b in BUCKETS:
            data = _resolve(raw["defaults"], products, name, b)
            resolved[(name, b)] = _parse(src, name, b, data)
    return resolved


def _resolve(defaults: dict, products: dict, name: str, bucket: str) -> dict:
    base = products.get("default") or {}
    spec = products.get(name) or {}
    out = _merge(defaults, {k: v for k, v in base.items() if k != "buckets"})
    out = _merge(out, (base.get("buckets") or {}).get(bucket) or {})
    if name != "default":
        out = _merge(out, {k: v for k, v in spec.items() if k != "buckets"})
        out = _merge(out, (spec.get("buckets") or {}).get(bucket) or {})
    out.pop("buckets", None)
    return out


def policy_for(product: str, bucket: str) -> ArrangementPolicy:
    """The policy for a loan of ``product`` in ``bucket`` (unknown products use ``default``)."""
    path = policy_path()
    table = _load(path, path.stat().st_mtime if path.exists() else 0.0)
    b = bucket if bucket in BUCKETS else "M7"
    return table.get((product, b)) or table[("default", b)]


def validate_file(path: Path) -> int:
    """Validate a policy file (raises InputError naming file and key); returns the combinations checked."""
    return len(_load(path, path.stat().st_mtime if path.exists() else 0.0))
