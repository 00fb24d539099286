"""Facts the checks share: who a target is, the zones that count, which past contacts are visible.

The same definitions are mirrored column-wise in ``accord.compliance.batch``; keep them in step
(the property test ``test_batch_agrees`` holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from accord.compliance.policy import Policy
from accord.compliance.schema import ContactPerson, Context, HistoryItem, Planned
from accord.kit.timeutil import zone

# Targets that name a party rather than an address.
PARTY_TARGETS = {"borrower", "employer", "attorney"}


def resolve_target(target: str, contacts: list[ContactPerson]) -> tuple[str, ContactPerson | None]:
    """(kind, contact): kind is borrower, employer, attorney or contact. A phone number or an email
    address is the borrower's own unless a contact has it (contracts.md)."""
    if target in PARTY_TARGETS:
        return target, None
    if target.startswith("contact:"):
        cid = target[8:]
        for c in contacts:
            if c.id == cid:
                return "contact", c
        return "contact", None
    for c in contacts:
        if target in c.targets:
            return "contact", c
    return "borrower", None


def same_address(a: str | None, b: str | None) -> bool:
    """Two addresses match when equal or when either is unspecific (None / "borrower")."""
    return a is None or b is None or a == "borrower" or b == "borrower" or a == b


def debts_overlap(a: list[str], b: list[str]) -> bool:
    """A contact with no debt ids is about all the borrower's debts."""
    return not a or not b or bool(set(a) & set(b))


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


@dataclass
class Facts:
    policy: Policy
    ctx: Context
    planned: Planned

    @cached_property
    def zones(self) -> list[ZoneInfo]:
        names = self.ctx.borrower.timezones or self.policy.param("time_window", "default_timezones") or ["UTC"]
        return [zone(n) for n in names]

    @cached_property
    def zone_names(self) -> list[str]:
        return self.ctx.borrower.timezones or list(self.policy.param("time_window", "default_timezones") or ["UTC"])

    def day_zone(self, check: str) -> ZoneInfo:
        name = self.policy.param(check, "day_zone", "borrower")
        return self.zones[0] if name in (None, "borrower") else zone(name)

    @cached_property
    def target(self) -> tuple[str, ContactPerson | None]:
        return resolve_target(self.planned.target, self.ctx.contacts)

    @cached_property
    def history(self) -> list[tuple[HistoryItem, str]]:
        """Past contacts up to the planned time, each with the kind of party it reached."""
        at = self.planned.at
        return [(h, resolve_target(h.target, self.ctx.contacts)[0]) for h in self.ctx.history if h.at <= at]

    @cached_property
    def flags(self) -> frozenset[str]:
        return frozenset(self.ctx.borrower.flags)
