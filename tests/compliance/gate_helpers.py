"""Builders for gate inputs in tests."""

from __future__ import annotations

from accord.compliance import evaluate, load_policy, parse_check


def request(policy: str, planned: dict, *, borrower: dict | None = None, history: list | None = None,
            contacts: list | None = None, collector: dict | None = None):
    data = {"policy": policy, "borrower": {"id": "B1", **(borrower or {})}, "history": history or [],
            "contacts": contacts or [], "planned": planned}
    if collector:
        data["collector"] = collector
    return parse_check(data)


def decide(policy: str, planned: dict, *, overrides=None, **kw):
    req = request(policy, planned, **kw)
    pol = load_policy(policy) if overrides is None else overrides
    return evaluate(pol, req.context, req.planned)


def call(at: str, outcome: str = "no_answer", debt: str | None = "D1", **kw) -> dict:
    return {"at": at, "channel": kw.pop("channel", "call"), "debt_ids": [debt] if debt else [], "outcome": outcome, **kw}
