"""The product mix of the synthetic portfolio: platform cash loans, instalment loans, IOUs between
people (借条), and US / UK personal loans."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProduct:
    name: str
    kind: str  # institution | iou
    jurisdiction: str
    currency: str
    method: str
    terms: tuple[int, ...]
    rates: tuple[str, ...]
    principal_range: tuple[int, int, int]  # min, max, step (whole currency units)
    penalty_rate_daily: str
    grace_days: int
    weight: float  # share within its jurisdiction


PRODUCTS = (
    DemoProduct("cash_loan", "institution", "CN", "CNY", "annuity", (6, 12), ("0.18", "0.2", "0.24"),
                (1000, 30000, 500), "0.0005", 3, 0.55),
    DemoProduct("consumer_installment", "institution", "CN", "CNY", "equal_principal", (3, 6, 12), ("0.12", "0.15"),
                (500, 15000, 500), "0.0005", 3, 0.25),
    DemoProduct("iou_bullet", "iou", "CN", "CNY", "bullet", (1, 2, 3, 6), ("0", "0.06", "0.1"),
                (500, 20000, 500), "0.0003", 0, 0.12),
    DemoProduct("iou_interest_only", "iou", "CN", "CNY", "interest_only", (3, 6), ("0.08", "0.12"),
                (1000, 20000, 1000), "0.0003", 0, 0.08),
    DemoProduct("us_personal", "institution", "US", "USD", "annuity", (12,), ("0.18", "0.22"),
                (500, 10000, 250), "0", 15, 1.0),
    DemoProduct("uk_personal", "institution", "UK", "GBP", "annuity", (12,), ("0.19",),
                (500, 8000, 250), "0", 14, 1.0),
)

JURISDICTION_MIX = {"CN": 0.85, "US": 0.10, "UK": 0.05}
