"""The strategy file (YAML), validated with pydantic; errors name the line and the reason.

```yaml
name: default-ladder
experiment: ladder-2026          # optional: champion / challenger experiment id
challengers:                     # optional: arms with fixed shares; the champion gets the rest
  - {id: gentle_m1, share: 0.2, ladders: {m1: m1_gentle}}
segments:                        # first match wins
  - id: m1_platform
    when: {bucket: [M1], loan_kind: [institution]}
    ladder: m1
ladders:
  m1:
    - {day: 1, channel: sms, template: reminder_m1_soft, tone: gentle}
    - {day: 3, channel: ai_call, template: robot_m1, if: [no_payment, no_promise]}
```
``day`` counts days in the bucket (day 1 = the first day in it); a pre-due ladder counts days before
the due date as negative days (-3 = three days before).
"""

from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accord.kit.errors import InputError

CONTACT_CHANNELS = ("sms", "email", "push", "ai_call", "call", "letter", "visit")
TASKS = ("plan_offer", "agency_placement", "mediation_review", "legal_review")
CONDITIONS = ("no_payment", "no_promise", "no_response", "promise_broken", "not_contacted_today", "has_email")
TONES = ("gentle", "neutral", "firm")
SEGMENT_FIELDS = ("bucket", "dpd", "days_in_bucket", "score_band", "segment_aw", "jurisdiction", "product",
                  "balance", "loan_kind", "language", "pre_due_days", "stage")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(Strict):
    day: int
    channel: str
    template: str | None = None
    tone: Literal["gentle", "neutral", "firm"] = "neutral"
    if_: tuple[str, ...] = Field(default=(), alias="if")
    priority: int = 0

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        if v not in CONTACT_CHANNELS + TASKS:
            raise ValueError(f"unknown channel {v!r} (expected one of {', '.join(CONTACT_CHANNELS + TASKS)})")
        return v

    @field_validator("if_", mode="before")
    @classmethod
    def _conds(cls, v: object) -> tuple[str, ...]:
        items = (v,) if isinstance(v, str) else tuple(v or ())
        for c in items:
            if c not in CONDITIONS:
                raise ValueError(f"unknown condition {c!r} (expected one of {', '.join(CONDITIONS)})")
        return items

    @model_validator(mode="after")
    def _template_for_contacts(self) -> Step:
        if self.channel in CONTACT_CHANNELS and not self.template:
            raise ValueError(f"a {self.channel} step needs a template")
        return self

    @property
    def is_contact(self) -> bool:
        return self.channel in CONTACT_CHANNELS


class Range(Strict):
    min: float | None = None
    max: float | None = None


class When(Strict):
    bucket: tuple[str, ...] | None = None
    dpd: Range | None = None
    days_in_bucket: Range | None = None
    score_band: tuple[str, ...] | None = None
    segment_aw: tuple[str, ...] | None = None  # can_and_will, cant_but_will, can_but_wont, cant_and_wont
    jurisdiction: tuple[str, ...] | None = None
    product: tuple[str, ...] | None = None
    balance: Range | None = None
    loan_kind: tuple[str, ...] | None = None
    language: tuple[str, ...] | None = None
    pre_due_days: Range | None = None  # days until the next installment is due (pre-due segments)
    stage: tuple[str, ...] | None = None  # the open case's stage: M1..M7, pre_due, or a named stage


class Segment(Strict):
    id: str
    when: When = When()
    ladder: str


class Challenger(Strict):
    id: str
    share: float = Field(gt=0, lt=1)
    ladders: dict[str, str] = {}  # ladder replaced by another for this arm


class Strategy(Strict):
    name: str
    experiment: str | None = None
    challengers: tuple[Challenger, ...] = ()
    segments: tuple[Segment, ...]
    ladders: dict[str, tuple[Step, ...]]
    quiet_days_after_contact: int = 0

    @model_validator(mode="after")
    def _references(self) -> Strategy:
        for s in self.segments:
            if s.ladder not in self.ladders:
                raise ValueError(f"segment {s.id!r} uses unknown ladder {s.ladder!r}")
        ids = [s.id for s in self.segments]
        if len(ids) != len(set(ids)):
            raise ValueError("segment ids must be unique")
        total = sum(c.share for c in self.challengers)
        if total >= 1:
            raise ValueError(f"challenger shares add up to {total}; the champion needs a share too")
        if self.challengers and not self.experiment:
            raise ValueError("challengers need an experiment id")
        for c in self.challengers:
            for old, new in c.ladders.items():
                if old not in self.ladders or new not in self.ladders:
                    raise ValueError(f"challenger {c.id!r} maps unknown ladder {old!r} -> {new!r}")
        return self

    @property
    def arms(self) -> list[tuple[str, float]]:
        return [("champion", 1 - sum(c.share for c in self.challengers))] + [(c.id, c.share) for c in self.challengers]

    def templates(self) -> set[tuple[str, str]]:
        return {(st.channel, st.template) for steps in self.ladders.values() for st in steps if st.template}


def _line_of(node, loc: tuple) -> int | None:  # noqa: ANN001
    """Walk the YAML node tree along a pydantic error location to find a line number."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(part) or (part == "if_" and k.value == "if"):
                    nxt = v
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            continue
        if node is not None:
            line = node.start_mark.line + 1
    return line


def parse_strategy(text: str, source: str = "strategy") -> Strategy:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise InputError(f"{source}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping with name, segments and ladders")
    try:
        return Strategy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if p not in ("function-after[_template_for_contacts(), Step]",))
        line = _line_of(node, loc)
        path = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        raise InputError(f"{source}, line {line}: {path}: {msg}") from exc


def load_strategy(path) -> Strategy:  # noqa: ANN001
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such strategy file")
    return parse_strategy(p.read_text(encoding="utf-8"), str(p))


def default_strategy() -> Strategy:
    from importlib.resources import files

    return parse_strategy((files("accord.strategy") / "default.yaml").read_text(encoding="utf-8"), "default.yaml")
