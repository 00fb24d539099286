"""The input of one gate check (contracts.md, "Compliance check") as Pydantic models.

Unknown fields are refused rather than ignored: a typo such as ``"flag"`` for ``"flags"`` would
otherwise silently drop a bankruptcy hold. Extensions beyond the contract, all optional:
``borrower.agreed_hours`` (hours the borrower agreed to be contacted, which lift the night window),
``borrower.work_addresses`` (employer-provided emails / work numbers), ``borrower.employer_forbids_contact``,
``contacts[].targets`` (the contact's numbers / addresses), ``planned.first_communication`` and
``planned.lang``; the target ``attorney`` names the consumer's attorney.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from accord.kit.errors import InputError
from accord.kit.timeutil import parse_timestamp, zone

CHANNELS = ("call", "ai_call", "sms", "email", "push", "letter", "visit", "ringless_voicemail")
VOICE = frozenset({"call", "ai_call", "ringless_voicemail"})
CALL_OUTCOMES = ("busy", "not_in_service", "no_answer", "rejected", "voicemail_no_message",
                 "voicemail_message", "limited_content_message", "answered_dropped", "conversation",
                 "wrong_number")
MESSAGE_OUTCOMES = ("sent", "delivered", "undelivered")
FLAGS = ("mental_capacity_concern", "vulnerable", "bankruptcy", "attorney_represented", "statute_barred")

Channel = Literal["call", "ai_call", "sms", "email", "push", "letter", "visit", "ringless_voicemail"]
Outcome = Literal["busy", "not_in_service", "no_answer", "rejected", "voicemail_no_message",
                  "voicemail_message", "limited_content_message", "answered_dropped", "conversation",
                  "wrong_number", "sent", "delivered", "undelivered"]


def _ts(value: object) -> datetime:
    return parse_timestamp(value)


Timestamp = Annotated[datetime, BeforeValidator(_ts)]


def _clock(value: object) -> time:
    text = str(value).strip()
    try:
        hh, mm = text.split(":")[:2]
        return time(int(hh), int(mm))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a clock time HH:MM: {value!r}") from exc


Clock = Annotated[time, BeforeValidator(_clock)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Collector(_Model):
    kind: Literal["first_party", "third_party", "agency"] = "first_party"
    name: str = ""
    is_law_firm: bool = False


class Span(_Model):
    """A daily clock interval [start, end); end before start wraps past midnight (22:00-07:00)."""

    start: Clock
    end: Clock


class Consent(_Model):
    channel: Channel
    target: str | None = None
    given_at: Timestamp


class CallConsent(_Model):
    given_at: Timestamp
    until: Timestamp | None = None


class OptOut(_Model):
    channel: Channel
    target: str | None = None   # None: the whole channel
    at: Timestamp


class Cease(_Model):
    received_at: Timestamp
    form: Literal["written", "oral"]


class Dispute(_Model):
    received_at: Timestamp
    form: Literal["written", "oral"]
    within_validation_period: bool = True
    resolved_at: Timestamp | None = None


class Borrower(_Model):
    id: str | None = None
    name: str | None = None
    timezones: list[str] = Field(default_factory=list)
    status: Literal["reachable", "unreachable", "deceased"] = "reachable"
    civil_capacity: Literal["full", "limited", "none"] = "full"
    flags: list[Literal["mental_capacity_concern", "vulnerable", "bankruptcy", "attorney_represented",
                        "statute_barred"]] = Field(default_factory=list)
    inconvenient_times: list[Span] = Field(default_factory=list)
    agreed_hours: list[Span] = Field(default_factory=list)
    consents: list[Consent] = Field(default_factory=list)
    call_consents: list[CallConsent] = Field(default_factory=list)
    opt_outs: list[OptOut] = Field(default_factory=list)
    cease_requests: list[Cease] = Field(default_factory=list)
    disputes: list[Dispute] = Field(default_factory=list)
    work_addresses: list[str] = Field(default_factory=list)
    employer_forbids_contact: bool = False

    @field_validator("timezones")
    @classmethod
    def _zones(cls, v: list[str]) -> list[str]:
        for name in v:
            zone(name)  # raises ValueError naming the zone
        return v


class ContactPerson(_Model):
    id: str
    relation: str | None = None
    source: Literal["registered", "phonebook"] = "registered"
    refused: bool = False
    targets: list[str] = Field(default_factory=list)


class HistoryItem(_Model):
    at: Timestamp
    channel: Channel
    direction: Literal["outbound", "inbound"] = "outbound"
    target: str = "borrower"
    actor: str = "agent"
    debt_ids: list[str] = Field(default_factory=list)
    outcome: Outcome | None = None


class Planned(_Model):
    at: Timestamp
    channel: Channel
    target: str = "borrower"
    debt_ids: list[str] = Field(default_factory=list)
    text: str | None = None
    lang: Literal["zh", "en"] | None = None
    purpose: Literal["collection", "reminder", "termination_notice"] = "collection"
    visitors: int | None = None
    first_communication: bool = False


class Context(_Model):
    """Everything the gate knows about the borrower and past contacts."""

    collector: Collector = Field(default_factory=Collector)
    borrower: Borrower = Field(default_factory=Borrower)
    contacts: list[ContactPerson] = Field(default_factory=list)
    history: list[HistoryItem] = Field(default_factory=list)


class CheckRequest(Context):
    policy: str
    planned: Planned

    @property
    def context(self) -> Context:
        return Context(collector=self.collector, borrower=self.borrower, contacts=self.contacts,
                       history=self.history)


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_message(exc: ValidationError, origin: str = "input") -> str:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or "function" in p)))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "literal_error":
        msg = f"{msg}, got {err.get('input')!r}"
    return f"{origin}: field {_where(loc)}: {msg}"


def parse_check(data: object, origin: str = "input") -> CheckRequest:
    """Parse and validate a check request (a dict or JSON text); InputError names the field at fault."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{origin}: expected a JSON object with policy, borrower, history and planned")
    try:
        req = CheckRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(exc, origin)) from exc
    ids = {c.id for c in req.contacts}
    for where, target in [("planned.target", req.planned.target)] + [
            (f"history[{i}].target", h.target) for i, h in enumerate(req.history)]:
        if target.startswith("contact:") and target[8:] not in ids:
            raise InputError(f"{origin}: field {where}: no contact with id {target[8:]!r}")
    return req
