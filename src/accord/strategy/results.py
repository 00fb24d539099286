"""Champion / challenger results per arm, with confidence intervals: accounts, cure rate (Wilson 95 %),
amount collected per account (normal 95 %), contacts and their cost, complaints — and each
challenger's difference from the champion (two-proportion z-test on cure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from accord.kit.frames import read_frame, reader

# Cost per contact in the loan currency's units (docs/calibration.md: SMS ¥0.036–0.045, AI call
# ¥0.1–0.3, human call ¥3–8); a lender replaces these with its own contract prices.
CONTACT_COST = {"sms": 0.04, "push": 0.005, "email": 0.01, "ai_call": 0.2, "call": 5.0, "letter": 2.0, "visit": 50.0}
Z = 1.959964


@dataclass(frozen=True)
class ArmResult:
    arm: str
    accounts: int
    cured: int
    cure_rate: float
    cure_ci: tuple[float, float]
    collected_per_account: float
    collected_ci: tuple[float, float]
    contacts: int
    cost: float
    complaints: int
    cure_diff_vs_champion: float | None
    p_value: float | None

    def as_dict(self) -> dict:
        d = self.__dict__.copy()
        d["cure_ci"], d["collected_ci"] = list(self.cure_ci), list(self.collected_ci)
        return d


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    den = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / den
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    if min(n1, n2) == 0:
        return None
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = abs(k1 / n1 - k2 / n2) / se
    return math.erfc(z / math.sqrt(2))


def arm_frame(accounts: pl.DataFrame) -> list[ArmResult]:
    """``accounts``: one row per loan in the experiment with arm, cured (bool), collected (float),
    contacts (int), cost (float), complaints (int)."""
    out: list[ArmResult] = []
    champ = accounts.filter(pl.col("arm") == "champion")
    kc, nc = int(champ["cured"].sum()), champ.height
    for arm in sorted(accounts["arm"].unique().to_list(), key=lambda a: (a != "champion", a)):
        g = accounts.filter(pl.col("arm") == arm)
        n, k = g.height, int(g["cured"].sum())
        mean = float(g["collected"].mean() or 0.0)
        sd = float(g["collected"].std() or 0.0) if n > 1 else 0.0
        half = Z * sd / math.sqrt(n) if n else 0.0
        diff = p = None
        if arm != "champion" and nc:
            diff, p = k / n - kc / nc if n else None, two_proportion_p(k, n, kc, nc)
        out.append(ArmResult(arm, n, k, k / n if n else 0.0, wilson(k, n), mean, (mean - half, mean + half),
                             int(g["contacts"].sum()), round(float(g["cost"].sum()), 2), int(g["complaints"].sum()),
                             diff, p))
    return out


def experiment_accounts(session: Session, experiment: str, as_of: date) -> pl.DataFrame:
    """Every loan that received an action of the experiment, its arm, and its outcome by ``as_of``:
    cured (back to M0 or paid off), amount collected since its first action, contacts, complaints."""
    day = as_of.isoformat()
    with reader(session) as conn:
        acts = read_frame(conn, f"""
            SELECT loan_id, loan_pk, borrower_id, arm, channel, status, plan_date FROM actions
            WHERE experiment = '{experiment.replace("'", "''")}' AND plan_date <= '{day}'""")
        if acts.height == 0:
            return acts
        loans = acts.group_by("loan_pk").agg(pl.col("arm").first(), pl.col("borrower_id").first(),
                                             pl.col("plan_date").cast(pl.String).min().alias("first_action"))
        pks = ",".join(str(int(p)) for p in loans["loan_pk"].to_list())
        snap = read_frame(conn, f"""SELECT loan_pk, bucket, closed FROM delinquency_snapshots
                                     WHERE as_of = '{day}' AND loan_pk IN ({pks})""")
        closed = read_frame(conn, f"SELECT pk AS loan_pk, status FROM loans WHERE pk IN ({pks})")
        pays = read_frame(conn, f"""SELECT loan_pk, paid_on, amount_minor FROM payments
                                     WHERE loan_pk IN ({pks}) AND paid_on <= '{day}'""")
        complaints = pl.DataFrame({"borrower_id": [], "n": []}, schema={"borrower_id": pl.String, "n": pl.Int64})
        if inspect(session.get_bind()).has_table("disputes"):
            complaints = read_frame(conn, """SELECT borrower_id, COUNT(*) AS n FROM disputes
                                             WHERE type IN ('service_complaint', 'collector_conduct') GROUP BY borrower_id""")
    contacts = acts.filter(pl.col("status") != "blocked").with_columns(
        pl.col("channel").replace_strict(CONTACT_COST, default=0.0, return_dtype=pl.Float64).alias("c"))
    per_loan = contacts.group_by("loan_pk").agg(pl.len().alias("contacts"), pl.col("c").sum().alias("cost"))
    pays = pays.with_columns(pl.col("paid_on").cast(pl.String))
    collected = loans.join(pays, on="loan_pk").filter(pl.col("paid_on") >= pl.col("first_action")) \
        .group_by("loan_pk").agg((pl.col("amount_minor").sum() / 100).alias("collected"))
    out = (loans.join(per_loan, on="loan_pk", how="left").join(collected, on="loan_pk", how="left")
           .join(snap.with_columns(pl.col("closed").cast(pl.Boolean)), on="loan_pk", how="left")
           .join(closed, on="loan_pk", how="left")
           .join(complaints.with_columns(pl.col("borrower_id").cast(pl.String), pl.col("n").cast(pl.Int64)),
                 on="borrower_id", how="left"))
    return out.with_columns(
        ((pl.col("bucket") == "M0") | pl.col("closed").fill_null(False) | (pl.col("status") == "closed")).alias("cured"),
        pl.col("collected").fill_null(0.0), pl.col("contacts").fill_null(0), pl.col("cost").fill_null(0.0),
        pl.col("n").fill_null(0).alias("complaints"))
