"""Case-workflow policy as data: promise tolerance and horizon, dispute holds and SLAs per jurisdiction,
pre-due case opening.

The defaults ship as YAML in ``accord/cases/data``; ``ACCORD_CASES_POLICY_DIR`` points at a folder with
replacement ``promises.yaml`` / ``disputes.yaml`` / ``pre_due.yaml`` files (a compliance officer's own copy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path


from accord.kit.errors import InputError
from accord.kit.yamlfile import read_yaml

DATA = Path(__file__).resolve().parent / "data"


def _path(name: str) -> Path:
    folder = os.environ.get("ACCORD_CASES_POLICY_DIR")
    if folder and (Path(folder) / name).exists():
        return Path(folder) / name
    return DATA / name


def _load(path: Path) -> dict:
    data = read_yaml(path, "policy file")
    if not isinstance(data, dict):
        raise InputError(f"{path}: a policy file must be a mapping")
    return data


@dataclass(frozen=True)
class Tolerance:
    """How strictly a promise is judged: grace days after the date, and the shortfall still counted
    as kept (the larger of a fixed amount and a share of the promise)."""

    grace_days: int = 2
    shortfall_minor: int = 100
    shortfall_share: Decimal = Decimal("0.01")
    partly_kept_min_share: Decimal = Decimal("0")

    def __post_init__(self) -> None:
        if self.grace_days < 0 or self.shortfall_minor < 0:
            raise InputError("tolerance grace_days and shortfall_minor must not be negative")
        if not (0 <= self.shortfall_share < 1) or not (0 <= self.partly_kept_min_share < 1):
            raise InputError("tolerance shares must be between 0 and 1")


@dataclass(frozen=True)
class PromisePolicy:
    horizon_days: int
    tolerance: Tolerance
    broken_next_step: str
    confirmation_template: str
    reminder_template: str
    reminder_days_before: int


@dataclass(frozen=True)
class HoldRule:
    rule: str
    forms: tuple[str, ...]
    types: tuple[str, ...]
    within_validation_period_only: bool


@dataclass(frozen=True)
class DisputeJurisdiction:
    code: str
    hold: HoldRule | None
    sla_days: dict = field(default_factory=dict)
    resolution_template: str = "dispute_acknowledgement"
    assume_within_validation_period: bool = True


@dataclass(frozen=True)
class DisputePolicy:
    jurisdictions: dict
    acknowledgement_template: str

    def for_(self, code: str) -> DisputeJurisdiction:
        j = self.jurisdictions.get(code)
        if j is None:
            raise InputError(f"no dispute policy for jurisdiction {code!r} "
                             f"(known: {', '.join(sorted(self.jurisdictions))})")
        return j


def _dec(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except Exception as exc:  # noqa: BLE001 - any unparsable value is an input error
        raise InputError(f"{where}: {value!r} is not a number") from exc


def tolerance_from(data: dict, where: str = "tolerance") -> Tolerance:
    return Tolerance(grace_days=int(data.get("grace_days", 2)),
                     shortfall_minor=int(data.get("shortfall_minor", 100)),
                     shortfall_share=_dec(data.get("shortfall_share", "0.01"), f"{where}.shortfall_share"),
                     partly_kept_min_share=_dec(data.get("partly_kept_min_share", "0"),
                                                f"{where}.partly_kept_min_share"))


@lru_cache(maxsize=4)
def _promise_policy(path: Path) -> PromisePolicy:
    d = _load(path)
    t = d.get("templates") or {}
    try:
        return PromisePolicy(horizon_days=int(d["horizon_days"]),
                             tolerance=tolerance_from(d.get("tolerance") or {}, f"{path}: tolerance"),
                             broken_next_step=str(d.get("broken_next_step", "broken_promise_followup")),
                             confirmation_template=str(t.get("confirmation", "promise_confirmation")),
                             reminder_template=str(t.get("reminder", "promise_reminder")),
                             reminder_days_before=int(t.get("reminder_days_before", 1)))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: invalid promise policy ({exc})") from exc


def promise_policy() -> PromisePolicy:
    return _promise_policy(_path("promises.yaml"))


@lru_cache(maxsize=4)
def _dispute_policy(path: Path) -> DisputePolicy:
    d = _load(path)
    out = {}
    try:
        for code, j in (d.get("jurisdictions") or {}).items():
            h = j.get("hold")
            hold = HoldRule(str(h["rule"]), tuple(h.get("forms") or ()), tuple(h.get("types") or ()),
                            bool(h.get("within_validation_period_only", False))) if h else None
            sla = {str(k): int(v) for k, v in (j.get("sla_days") or {}).items()}
            if "default" not in sla:
                raise ValueError(f"jurisdictions.{code}.sla_days needs a default")
            out[str(code)] = DisputeJurisdiction(
                str(code), hold, sla, str(j.get("resolution_template", "dispute_acknowledgement")),
                bool(j.get("assume_within_validation_period", True)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: invalid dispute policy ({exc})") from exc
    return DisputePolicy(out, str(d.get("acknowledgement_template", "dispute_acknowledgement")))


def dispute_policy() -> DisputePolicy:
    return _dispute_policy(_path("disputes.yaml"))


@dataclass(frozen=True)
class PreDuePolicy:
    """When a case opens before the due date: the installment falls due within ``days_before`` days
    and the account is at risk — a pre-due model's ``p_bad >= threshold``, or without a score the rule:
    late in ``late_of_last`` of the last ``last_installments`` installments, or partly paid now."""

    days_before: int = 3
    threshold: float = 0.5
    last_installments: int = 3
    late_of_last: int = 2
    partial_payment: bool = True


@lru_cache(maxsize=4)
def _pre_due_policy(path: Path) -> PreDuePolicy:
    d = _load(path)
    r = d.get("rule") or {}
    try:
        p = PreDuePolicy(days_before=int(d.get("days_before", 3)), threshold=float(d.get("threshold", 0.5)),
                         last_installments=int(r.get("last_installments", 3)),
                         late_of_last=int(r.get("late_of_last", 2)),
                         partial_payment=bool(r.get("partial_payment", True)))
    except (TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: invalid pre-due policy ({exc})") from exc
    if p.days_before < 0 or not (0 < p.threshold <= 1) or p.last_installments < 1 or p.late_of_last < 1:
        raise InputError(f"{path}: days_before must be >= 0, threshold in (0, 1], last_installments and "
                         f"late_of_last >= 1")
    return p


def pre_due_policy() -> PreDuePolicy:
    return _pre_due_policy(_path("pre_due.yaml"))
