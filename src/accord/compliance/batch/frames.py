"""Frame schemas of the batch gate, defaults for optional columns, and a converter from check requests.

``planned`` (one row per planned contact)
    borrower_id: str (required) · at: Datetime with a time zone (required) · channel: str (required) ·
    target: str ("borrower") · debt_ids: list[str] ([]) · text: str|null · lang: str|null ·
    purpose: str ("collection") · visitors: int|null · first_communication: bool (false) ·
    action_id: str|null (passed through)
``history`` (past contacts, any order)
    borrower_id: str · at: Datetime with a time zone · channel: str · direction: str ("outbound") ·
    target: str ("borrower") · actor: str ("agent") · debt_ids: list[str] ([]) · outcome: str|null
``borrowers`` (one row per borrower)
    borrower_id: str · timezones: list[str] ([] = the pack's default zones) · status: str ("reachable") ·
    civil_capacity: str ("full") · flags: list[str] · inconvenient_times, agreed_hours:
    list[struct{start: "HH:MM", end: "HH:MM"}] · consents: list[struct{channel, target, given_at}] ·
    call_consents: list[struct{given_at, until}] · opt_outs: list[struct{channel, target, at}] ·
    cease_requests: list[struct{received_at, form}] · disputes: list[struct{received_at, form,
    within_validation_period, resolved_at}] · work_addresses: list[str] · employer_forbids_contact: bool ·
    contacts: list[struct{id, relation, source, refused, targets: list[str]}]

Every field means what it means in the single-contact input (contracts.md, "Compliance check").
"""

from __future__ import annotations

import polars as pl

from accord.compliance.schema import CheckRequest
from accord.kit.errors import InputError

UTC_TS = pl.Datetime("us", "UTC")
SPAN = pl.List(pl.Struct({"start": pl.Utf8, "end": pl.Utf8}))

PLANNED_DEFAULTS = {
    "target": (pl.Utf8, "borrower"), "debt_ids": (pl.List(pl.Utf8), []), "text": (pl.Utf8, None),
    "lang": (pl.Utf8, None), "purpose": (pl.Utf8, "collection"), "visitors": (pl.Int64, None),
    "first_communication": (pl.Boolean, False), "action_id": (pl.Utf8, None),
}
HISTORY_DEFAULTS = {
    "direction": (pl.Utf8, "outbound"), "target": (pl.Utf8, "borrower"), "actor": (pl.Utf8, "agent"),
    "debt_ids": (pl.List(pl.Utf8), []), "outcome": (pl.Utf8, None),
}
BORROWER_DEFAULTS = {
    "timezones": (pl.List(pl.Utf8), []), "status": (pl.Utf8, "reachable"), "civil_capacity": (pl.Utf8, "full"),
    "flags": (pl.List(pl.Utf8), []), "inconvenient_times": (SPAN, []), "agreed_hours": (SPAN, []),
    "consents": (pl.List(pl.Struct({"channel": pl.Utf8, "target": pl.Utf8, "given_at": UTC_TS})), []),
    "call_consents": (pl.List(pl.Struct({"given_at": UTC_TS, "until": UTC_TS})), []),
    "opt_outs": (pl.List(pl.Struct({"channel": pl.Utf8, "target": pl.Utf8, "at": UTC_TS})), []),
    "cease_requests": (pl.List(pl.Struct({"received_at": UTC_TS, "form": pl.Utf8})), []),
    "disputes": (pl.List(pl.Struct({"received_at": UTC_TS, "form": pl.Utf8, "within_validation_period": pl.Boolean,
                                    "resolved_at": UTC_TS})), []),
    "work_addresses": (pl.List(pl.Utf8), []), "employer_forbids_contact": (pl.Boolean, False),
    "contacts": (pl.List(pl.Struct({"id": pl.Utf8, "relation": pl.Utf8, "source": pl.Utf8, "refused": pl.Boolean,
                                    "targets": pl.List(pl.Utf8)})), []),
}


def _complete(df: pl.DataFrame, name: str, required: tuple[str, ...], defaults: dict) -> pl.DataFrame:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{name} frame: missing required column {missing[0]!r}")
    adds = []
    for col, (dtype, value) in defaults.items():
        if col not in df.columns:
            adds.append(pl.lit(value, dtype=dtype).alias(col))
        elif isinstance(dtype, pl.List) and value == []:
            adds.append(pl.col(col).fill_null(pl.lit([], dtype=dtype)))
        elif value is not None:
            adds.append(pl.col(col).fill_null(value))
    return df.with_columns(adds) if adds else df


def _utc(df: pl.DataFrame, name: str, col: str = "at") -> pl.DataFrame:
    dtype = df.schema[col]
    if not isinstance(dtype, pl.Datetime) or dtype.time_zone is None:
        raise InputError(f"{name} frame: column {col!r} must be a timezone-aware datetime (naive timestamps are refused)")
    return df.with_columns(pl.col(col).dt.convert_time_zone("UTC").dt.cast_time_unit("us"))


def prepare(planned: pl.DataFrame, history: pl.DataFrame, borrowers: pl.DataFrame):
    planned = _utc(_complete(planned, "planned", ("borrower_id", "at", "channel"), PLANNED_DEFAULTS), "planned")
    if history.height == 0 and "at" not in history.columns:
        history = pl.DataFrame(schema={"borrower_id": pl.Utf8, "at": UTC_TS, "channel": pl.Utf8})
    history = _utc(_complete(history, "history", ("borrower_id", "at", "channel"), HISTORY_DEFAULTS), "history")
    borrowers = _complete(borrowers, "borrowers", ("borrower_id",), BORROWER_DEFAULTS)
    return planned, history, borrowers


def _span(s) -> dict:
    return {"start": s.start.strftime("%H:%M"), "end": s.end.strftime("%H:%M")}


def frames_from_requests(requests: list[CheckRequest]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(planned, history, borrowers) frames for a list of single check requests; request i gets the
    borrower id ``r{i}`` so that requests never share history."""
    P, H, B = [], [], []
    for i, r in enumerate(requests):
        bid, b, p = f"r{i}", r.borrower, r.planned
        P.append({"borrower_id": bid, "at": p.at, "channel": p.channel, "target": p.target,
                  "debt_ids": list(p.debt_ids), "text": p.text, "lang": p.lang, "purpose": p.purpose,
                  "visitors": p.visitors, "first_communication": p.first_communication, "action_id": str(i)})
        for h in r.history:
            H.append({"borrower_id": bid, "at": h.at, "channel": h.channel, "direction": h.direction,
                      "target": h.target, "actor": h.actor, "debt_ids": list(h.debt_ids), "outcome": h.outcome})
        B.append({
            "borrower_id": bid, "timezones": list(b.timezones), "status": b.status,
            "civil_capacity": b.civil_capacity, "flags": list(b.flags),
            "inconvenient_times": [_span(s) for s in b.inconvenient_times],
            "agreed_hours": [_span(s) for s in b.agreed_hours],
            "consents": [{"channel": c.channel, "target": c.target, "given_at": c.given_at} for c in b.consents],
            "call_consents": [{"given_at": c.given_at, "until": c.until} for c in b.call_consents],
            "opt_outs": [{"channel": o.channel, "target": o.target, "at": o.at} for o in b.opt_outs],
            "cease_requests": [{"received_at": c.received_at, "form": c.form} for c in b.cease_requests],
            "disputes": [{"received_at": d.received_at, "form": d.form,
                          "within_validation_period": d.within_validation_period,
                          "resolved_at": d.resolved_at} for d in b.disputes],
            "work_addresses": list(b.work_addresses), "employer_forbids_contact": b.employer_forbids_contact,
            "contacts": [{"id": c.id, "relation": c.relation, "source": c.source, "refused": c.refused,
                          "targets": list(c.targets)} for c in r.contacts],
        })
    p_schema = {"borrower_id": pl.Utf8, "at": UTC_TS, "channel": pl.Utf8,
                **{k: v[0] for k, v in PLANNED_DEFAULTS.items()}}
    h_schema = {"borrower_id": pl.Utf8, "at": UTC_TS, "channel": pl.Utf8,
                **{k: v[0] for k, v in HISTORY_DEFAULTS.items()}}
    b_schema = {"borrower_id": pl.Utf8, **{k: v[0] for k, v in BORROWER_DEFAULTS.items()}}
    return (pl.DataFrame(P, schema=p_schema), pl.DataFrame(H, schema=h_schema), pl.DataFrame(B, schema=b_schema))
