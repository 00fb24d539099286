"""Champion / challenger assignment by a stable hash of (experiment, loan id): the same loan always
lands in the same arm, on any machine, in any year."""

from __future__ import annotations

import hashlib

import polars as pl

from accord.strategy.schema import Strategy


def bucket_fraction(experiment: str, loan_id: str) -> float:
    h = hashlib.sha256(f"{experiment}:{loan_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def arm_of(strategy: Strategy, loan_id: str) -> str:
    if not strategy.experiment:
        return "champion"
    u = bucket_fraction(strategy.experiment, loan_id)
    edge = 0.0
    for arm, share in reversed(strategy.arms):  # challengers take the top of [0, 1)
        if arm == "champion":
            return arm
        if u >= 1 - edge - share:
            return arm
        edge += share
    return "champion"


def assign_arms(loan_ids: pl.Series, strategy: Strategy) -> pl.Series:
    return pl.Series("arm", [arm_of(strategy, i) for i in loan_ids.to_list()], dtype=pl.String)


def ladder_for_arm(strategy: Strategy, arm: str, ladder: str) -> str:
    for c in strategy.challengers:
        if c.id == arm:
            return c.ladders.get(ladder, ladder)
    return ladder
