"""A synthetic loan book with realistic delinquency, generated column-wise (pure; no database).

Each borrower has hidden **ability** and **willingness** (and attention). Per installment they pay on
time, pay a little late (curing within 30 days), or enter serious delinquency, from which some recover
later and the rest never pay. Rates are set so the book lands near docs/calibration.md (China):
day-1 delinquency ≈ 5 %, 30-day cure ≈ 88 %, 90+ ratio ≈ 1.5–3.5 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import polars as pl

from accord.kit.money import to_minor
from accord.kit.timeutil import epoch_day, zone
from accord.loans.schedule import add_months, generate
from accord.simulation import people
from accord.simulation.products import JURISDICTION_MIX, PRODUCTS


@dataclass
class Portfolio:
    borrowers: pl.DataFrame
    traits: pl.DataFrame
    loans: pl.DataFrame
    installments: pl.DataFrame
    payments: pl.DataFrame


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _choose_products(rng, jurisdiction: np.ndarray) -> np.ndarray:  # noqa: ANN001
    out = np.zeros(len(jurisdiction), dtype=np.int64)
    for j in JURISDICTION_MIX:
        idx = [i for i, p in enumerate(PRODUCTS) if p.jurisdiction == j]
        w = np.array([PRODUCTS[i].weight for i in idx])
        m = jurisdiction == j
        out[m] = rng.choice(idx, int(m.sum()), p=w / w.sum())
    return out


def _schedules(prod: np.ndarray, principal: np.ndarray, rate_i: np.ndarray, term: np.ndarray):  # noqa: ANN202
    """Per-installment amounts via the one schedule implementation, computed once per distinct
    (product, principal, rate, term) combination."""
    key = np.stack([prod, principal, rate_i, term], axis=1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    amounts = []
    for p, pr, ri, t in uniq:
        product = PRODUCTS[p]
        sched = generate(Decimal(int(pr)), Decimal(product.rates[ri]), int(t), date(2026, 1, 15), product.method)
        amounts.append([(to_minor(s.principal), to_minor(s.interest)) for s in sched])
    return amounts, inverse


def generate_portfolio(n_loans: int, seed: int, as_of: date, months_back: int = 12,
                       term_months: int | None = None, prefix: str | None = None,
                       late_factor: float = 1.0) -> Portfolio:
    """``late_factor`` multiplies the odds of a late and of a defaulted installment: 1 is the
    calibrated book; benchmarks use ~2.2 for a book about 10 % delinquent."""
    rng = np.random.default_rng(seed)
    prefix = prefix or f"D{seed}-"
    n_b = max(1, int(n_loans * 0.92))
    # Borrowers and hidden traits.
    jur = rng.choice(list(JURISDICTION_MIX), n_b, p=list(JURISDICTION_MIX.values()))
    ability = rng.beta(4, 2, n_b)
    willingness = rng.beta(5, 1.6, n_b)
    attention = rng.random(n_b)
    never_pay = rng.random(n_b) < 0.004
    lang = np.where(jur == "CN", np.where(rng.random(n_b) < 0.97, "zh", "en"), "en")
    names = np.empty(n_b, dtype=object)
    names[lang == "zh"] = people.chinese_names(rng, int((lang == "zh").sum()))
    names[lang == "en"] = people.english_names(rng, int((lang == "en").sum()))
    bids = np.array([f"{prefix}B{i:08d}" for i in range(n_b)], dtype=object)
    tz = people.zones(rng, jur)
    phone = people.phones(rng, jur)
    email = [f"{n.split()[0].lower()}.{i}@example.com" if lg == "en" else None
             for i, (n, lg) in enumerate(zip(names, lang, strict=True))]
    borrowers = pl.DataFrame({"id": bids, "name": names, "phone": phone, "email": email, "timezone": tz,
                              "language": lang, "jurisdiction": jur}, schema_overrides={"email": pl.String})
    traits = pl.DataFrame({"borrower_id": bids, "ability": ability, "willingness": willingness,
                           "attention": attention, "never_pay": never_pay})

    # Loans: one per borrower, plus a second loan for some.
    b_of = np.r_[np.arange(n_b), rng.integers(0, n_b, n_loans - n_b)][:n_loans]
    prod = _choose_products(rng, jur[b_of])
    term = np.array([rng.choice(PRODUCTS[p].terms) for p in prod]) if term_months is None \
        else np.full(n_loans, term_months)
    rate_i = np.array([rng.integers(len(PRODUCTS[p].rates)) for p in prod])
    lo, hi, step = (np.array([PRODUCTS[p].principal_range[k] for p in prod]) for k in range(3))
    # Lenders size credit lines by assessed capacity: loan size is an observable sign of ability.
    size = np.clip(0.05 + 0.75 * (ability[b_of] - 0.2) / 0.8 + rng.normal(0, 0.12, n_loans), 0, 1)
    principal = lo + np.round(size * (hi - lo) / step).astype(np.int64) * step
    end_day = epoch_day(as_of)
    latest = as_of - timedelta(days=20)
    # Disbursements spread over the window; every loan has at least one installment due by as_of.
    disb = end_day - rng.integers(epoch_day(as_of) - epoch_day(latest), months_back * 30.4, n_loans).astype(np.int64)
    amounts, combo = _schedules(prod, principal, rate_i, term)

    # Installments (columnar).
    n_inst = term.astype(np.int64)
    loan_of = np.repeat(np.arange(n_loans), n_inst)
    k = np.arange(n_inst.sum()) - np.repeat(np.cumsum(n_inst) - n_inst, n_inst) + 1
    bullet = np.array([PRODUCTS[p].method == "bullet" for p in prod])
    # A bullet loan has one installment at maturity.
    keep = ~bullet[loan_of] | (k == 1)
    loan_of, k = loan_of[keep], k[keep]
    months = np.where(bullet[loan_of], term[loan_of], k)
    uniq_disb = np.unique(disb)
    due = _due_days(uniq_disb, disb[loan_of], months)
    p_due = np.array([amounts[combo[l]][kk - 1][0] for l, kk in zip(loan_of, k, strict=True)], dtype=np.int64)
    i_due = np.array([amounts[combo[l]][kk - 1][1] for l, kk in zip(loan_of, k, strict=True)], dtype=np.int64)

    payments = _payments(rng, prod, b_of, loan_of, k, due, p_due, i_due, ability, willingness, attention,
                         never_pay, end_day, n_loans, late_factor)
    lids = np.array([f"{prefix}L{i:08d}" for i in range(n_loans)], dtype=object)
    loans = pl.DataFrame({
        "id": lids, "borrower_id": bids[b_of], "product": [PRODUCTS[p].name for p in prod],
        "kind": [PRODUCTS[p].kind for p in prod], "currency": [PRODUCTS[p].currency for p in prod],
        "principal_minor": principal * 100, "annual_rate": [PRODUCTS[p].rates[r] for p, r in zip(prod, rate_i, strict=True)],
        "disbursed_on": disb, "term_months": term, "repayment_method": [PRODUCTS[p].method for p in prod],
        "penalty_rate_daily": [PRODUCTS[p].penalty_rate_daily for p in prod],
        "grace_days": [PRODUCTS[p].grace_days for p in prod]})
    installments = pl.DataFrame({"loan": loan_of, "installment_no": k, "due_on": due,
                                 "principal_due": p_due, "interest_due": i_due})
    pay = payments.with_columns(pl.Series("loan_id", lids[payments["loan"].to_numpy()]))
    return Portfolio(borrowers, traits, loans, installments, _timestamps(rng, pay, borrowers, loans, b_of))


def _due_days(uniq_disb: np.ndarray, disb: np.ndarray, months: np.ndarray) -> np.ndarray:
    """add_months for every (disbursement day, months) pair, computed once per distinct pair."""
    table = {}
    out = np.empty(len(disb), dtype=np.int64)
    pairs = disb * 1000 + months
    uniq, inverse = np.unique(pairs, return_inverse=True)
    for i, pv in enumerate(uniq):
        d0 = date.fromordinal(int(pv // 1000) + 719163)
        table[i] = epoch_day(add_months(d0, int(pv % 1000)))
    out[:] = np.array([table[i] for i in range(len(uniq))], dtype=np.int64)[inverse.ravel()]
    return out


def _payments(rng, prod, b_of, loan_of, k, due, p_due, i_due, ability, willingness, attention,  # noqa: ANN001, ANN202, PLR0913
              never_pay, end_day, n_loans, late_factor=1.0):
    a, w, att = ability[b_of], willingness[b_of], attention[b_of]
    odds = float(np.log(late_factor))  # shift of the log-odds; 0 for the calibrated book
    # Short lateness is mostly forgetfulness (attention); serious default is lack of ability and
    # willingness. So among accounts entering M1, the forgetful cure and the unable or unwilling roll:
    # that difference is the signal collection scores learn.
    miss_p = _sigmoid(-4.0 + odds + 4.0 * (0.5 - att) + 1.0 * (0.76 - w))
    default_h = _sigmoid(-7.13 + odds + 8.0 * (0.67 - a) + 7.0 * (0.76 - w))
    recover_p = _sigmoid(-0.6 + 4.0 * (a - 0.67) + 3.0 * (w - 0.76))
    n_inst = np.bincount(loan_of, minlength=n_loans)
    # First installment of serious delinquency (geometric), 1 for never-payers.
    first_default = rng.geometric(np.clip(default_h, 1e-6, 1)).astype(np.int64)
    first_default[never_pay[b_of]] = 1
    recovered = (rng.random(n_loans) < recover_p) & ~never_pay[b_of]
    recovery_lag = rng.integers(31, 150, n_loans)
    payoff_at = np.where(rng.random(n_loans) < 0.03, rng.integers(1, np.maximum(n_inst, 2)), 10**6)
    penalty_rate = np.array([float(PRODUCTS[p].penalty_rate_daily) for p in prod])
    grace = np.array([PRODUCTS[p].grace_days for p in prod])

    lo = loan_of
    total = p_due + i_due
    fd = first_default[lo]
    default_due = np.full(n_loans, 10**9, dtype=np.int64)
    first_default_idx = np.flatnonzero(k == fd)
    default_due[lo[first_default_idx]] = due[first_default_idx]
    rec_day = np.where(recovered, default_due + recovery_lag, 10**9)
    in_default = (k >= fd) & (due <= rec_day[lo])
    after_payoff = k > payoff_at[lo]
    normal = ~in_default & ~after_payoff
    # Trouble shows before default: the installment before it is often late and paid in parts.
    warning = normal & (k == fd - 1)
    # Normal installments: on time (on the due date or a few days early) or late by 1–30 days; the
    # willing cure faster.
    late = normal & ((rng.random(len(k)) < miss_p[lo]) | (warning & (rng.random(len(k)) < 0.5)))
    cure_speed = np.clip(0.08 + 0.25 * att[lo] + 0.4 * (w[lo] - 0.76), 0.04, 0.9)
    days_late = np.minimum(1 + rng.geometric(cure_speed), 30)
    early = np.where(rng.random(len(k)) < 0.55, 0, rng.integers(1, 4, len(k)))
    pay_day = np.where(late, due + days_late, due - early)
    pen = np.ceil(p_due * penalty_rate[lo] * np.maximum(days_late - grace[lo], 0)).astype(np.int64)
    amount = np.where(late, total + pen + 100, total)  # late payers round up; the rest becomes credit
    # Early payoff: the installment plus all later principal.
    later_principal = _later_sum(lo, p_due)
    is_payoff = k == payoff_at[lo]
    amount = np.where(is_payoff, total + later_principal, amount)
    pay_day = np.where(is_payoff, due, pay_day)
    # Those short of money pay late installments in two parts (a partial payment first).
    split = late & (rng.random(len(k)) < np.clip(0.05 + 0.6 * (0.8 - a[lo]), 0.02, 0.8)) & (days_late > 2)
    rows = [pl.DataFrame({"loan": lo[normal], "day": pay_day[normal], "amount": np.where(split, amount // 2, amount)[normal]})]
    # ... the other part paid halfway to the late day, so the installment stays unpaid in between.
    rows.append(pl.DataFrame({"loan": lo[split], "day": (due + days_late // 2)[split],
                              "amount": (amount - amount // 2)[split]}))
    # Recovery lump sums: every defaulted installment due by then, plus penalty.
    rec_idx = np.flatnonzero(in_default & recovered[lo])
    if len(rec_idx):
        rl = lo[rec_idx]
        owed = np.bincount(rl, weights=total[rec_idx], minlength=n_loans)
        pen_owed = np.bincount(rl, weights=p_due[rec_idx] * penalty_rate[rl] * (rec_day[rl] - due[rec_idx]), minlength=n_loans)
        who = np.unique(rl)
        rows.append(pl.DataFrame({"loan": who, "day": rec_day[who],
                                  "amount": (np.ceil(owed[who] + pen_owed[who]) + 100).astype(np.int64)}))
    pays = pl.concat(rows).filter(pl.col("day") <= end_day).sort("day", "loan")
    return pays


def _later_sum(loan: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each installment, the sum of ``values`` of the same loan's later installments."""
    rev = np.cumsum(values[::-1])[::-1]
    starts = np.r_[0, np.flatnonzero(np.diff(loan)) + 1]
    ends = np.r_[starts[1:], len(loan)]
    end_of = np.repeat(ends, ends - starts)
    after = np.where(end_of < len(values), np.r_[rev, 0][end_of], 0)
    return rev - values - after


def _timestamps(rng, pay: pl.DataFrame, borrowers: pl.DataFrame, loans: pl.DataFrame, b_of) -> pl.DataFrame:  # noqa: ANN001
    """Local paying time 08:00–23:00 on the payment day, stored as an aware UTC timestamp."""
    n = pay.height
    tzs = borrowers["timezone"].to_numpy()[b_of][pay["loan"].to_numpy()]
    secs = rng.integers(8 * 3600, 23 * 3600, n)
    days = pay["day"].to_numpy()
    offsets = np.zeros(n, dtype=np.int64)
    key = np.array([f"{t}|{d}" for t, d in zip(tzs, days, strict=True)], dtype=object)
    uniq, inverse = np.unique(key, return_inverse=True)
    cache = np.zeros(len(uniq), dtype=np.int64)
    for i, kv in enumerate(uniq):
        t, d = kv.split("|")
        noon = datetime.combine(date.fromordinal(int(d) + 719163), datetime.min.time()).replace(hour=12, tzinfo=zone(t))
        cache[i] = int(noon.utcoffset().total_seconds())
    offsets[:] = cache[inverse.ravel()]
    epoch_s = days * 86400 + secs - offsets
    paid_at = pl.Series(epoch_s * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    return pay.with_columns(paid_at.alias("paid_at"), pl.Series("paid_on", days)).drop("day")
