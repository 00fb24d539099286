"""The offer engine: hand-checked figures, ranking, affordability, and the UK forbearance rule
(CONC 7.3.4) as properties over random accounts and finances."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.arrangements import restructure as rs
from accord.arrangements.offers import Account, Finances, continue_npv, in_difficulty, propose_offers
from accord.arrangements.policy import policy_for

TODAY = date(2026, 5, 20)


def account(jurisdiction="CN", product="default", overdue=2, future=6, amount=100000, penalty=500, **kw):
    rows = []
    for k in range(overdue + future):
        due = TODAY - timedelta(days=30 * (overdue - k)) + timedelta(days=5 if k >= overdue else 0)
        rows.append(rs.Row(k + 1, due, amount, amount // 10, 0, penalty_accrued=penalty if due < TODAY else 0,
                           charged=due < TODAY))
    dpd = (TODAY - rows[0].due_on).days if overdue else 0
    bucket = "M0" if dpd == 0 else f"M{min((dpd + 29) // 30, 7)}"
    return Account("L1", product, bucket, dpd, jurisdiction, tuple(rows), TODAY, len(rows) + 1, **kw)


def test_continuing_collection_npv_follows_the_bucket_rate_or_the_score():
    acc = account()
    pol = policy_for("default", acc.bucket)
    e = pol.economics
    owed = acc.owed_minor
    expected = float(e.recovery_by_bucket["M2"]) * owed * (1.15 ** (-3 / 12)) - 1800 * 3
    assert abs(continue_npv(acc, pol) - expected) <= 1
    scored = account(p_repay=0.9)
    assert continue_npv(scored, pol) > continue_npv(acc, pol)


def test_offers_are_ranked_affordable_first_then_by_npv_and_carry_their_figures():
    offers = propose_offers(account(), Finances(500000, 300000), policy_for("default", "M2"))
    assert offers
    rank = {True: 0, None: 1, False: 2}
    keys = [(rank[o.affordable], -o.npv_minor) for o in offers]
    assert keys == sorted(keys)
    for o in offers:
        assert o.affordable == (o.monthly_payment_minor <= 200000)
        assert o.approval in ("auto", "manager")
        assert all(b.level == "manager" for b in o.breaches)
        assert (o.approval == "manager") == bool(o.breaches)


def test_unaffordable_options_are_never_marked_affordable():
    offers = propose_offers(account(), Finances(60000, 20000), policy_for("default", "M2"))
    for o in offers:
        if o.monthly_payment_minor > 40000:
            assert o.affordable is False


def test_without_income_affordability_is_unknown_and_no_holiday_without_hardship():
    offers = propose_offers(account(), Finances(), policy_for("default", "M2"))
    assert offers and all(o.affordable is None and o.affordability is None for o in offers)
    assert not any(o.kind == "holiday" for o in offers)


def test_reage_needs_the_qualifying_payments():
    pol = policy_for("default", "M2")
    assert not any(o.kind == "reage" for o in propose_offers(account(qualifying_payments=2), Finances(), pol))
    assert any(o.kind == "reage" for o in propose_offers(account(qualifying_payments=3), Finances(), pol))


@st.composite
def uk_cases(draw):
    acc = account("UK", "uk_personal", overdue=draw(st.integers(0, 4)), future=draw(st.integers(0, 12)),
                  amount=draw(st.integers(1, 300000)), penalty=draw(st.integers(0, 2000)),
                  arrangements_12m=draw(st.integers(0, 6)), qualifying_payments=draw(st.integers(0, 5)))
    income = draw(st.one_of(st.none(), st.integers(0, 400000)))
    expenses = draw(st.one_of(st.none(), st.integers(0, 400000)))
    hardship = tuple(draw(st.lists(st.sampled_from(["job_loss", "illness", "income_drop"]), max_size=2)))
    return acc, Finances(income, expenses if income is not None else None, hardship)


@settings(max_examples=150, deadline=None)
@given(case=uk_cases())
def test_uk_borrowers_in_difficulty_get_forbearance_within_their_means(case):
    acc, fin = case
    if not acc.rows or not in_difficulty(acc, fin):
        return
    pol = policy_for(acc.product, acc.bucket)
    offers = propose_offers(acc, fin, pol)
    assert offers, "CONC 7.3.4: a UK borrower in difficulty is never left without an option"
    disposable = fin.disposable_minor or 0
    assert all(o.monthly_payment_minor <= disposable for o in offers)
    # Forbearance is among the options: reduced payments / a holiday, charges frozen or waived.
    assert any(o.forbearance for o in offers)
    assert any(o.kind == "holiday" for o in offers)
