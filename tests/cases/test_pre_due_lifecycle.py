"""plan_sync with pre-due candidates, pure: opening, staying open, closing as paid, turning into M1."""

from __future__ import annotations

from datetime import date

import polars as pl

from accord.cases.lifecycle import CASES_SCHEMA, GONE_SCHEMA, PRE_DUE_SCHEMA, SNAPSHOT_SCHEMA, plan_sync, pre_due_risk

D = date(2026, 5, 12)


def _snap(rows):
    return pl.DataFrame(rows, schema=SNAPSHOT_SCHEMA, orient="row")


def _cases(rows):
    return pl.DataFrame(rows, schema=CASES_SCHEMA, orient="row")


def _cands(rows):
    return pl.DataFrame(rows, schema=PRE_DUE_SCHEMA, orient="row")


def _risk(cands, scores=None):
    return pre_due_risk(cands, scores, threshold=0.5, late_of_last=2, partial_payment=True)


def test_rule_and_score_decide_who_is_at_risk():
    c = _cands([(1, "L1", "B1", date(2026, 5, 15), 1000, 0, 2),   # late twice: at risk
                (2, "L2", "B2", date(2026, 5, 15), 1000, 300, 0),  # partly paid: at risk
                (3, "L3", "B3", date(2026, 5, 15), 1000, 0, 1),    # clean enough
                (4, "L4", "B4", date(2026, 5, 15), 1000, 1000, 2),  # covered: not watched at all
                (5, "L5", "B5", date(2026, 5, 14), 1000, 0, 0)])   # clean, but the model says risky
    r = _risk(c, pl.DataFrame({"loan_pk": [1, 5], "p_bad": [0.1, 0.8]}))
    assert dict(r.select("loan_pk", "at_risk").iter_rows()) == {1: False, 2: True, 3: False, 5: True}


def test_open_stay_close_and_continue_as_m1():
    snap = _snap([(1, "L1", "B1", 0, "M0", False), (2, "L2", "B2", 0, "M0", False), (3, "L3", "B3", 1, "M1", False)])
    cases = _cases([(10, 2, "L2", "B2", "pre_due", "M0", 0), (11, 3, "L3", "B3", "pre_due", "M0", 0)])
    risk = _risk(_cands([(1, "L1", "B1", date(2026, 5, 15), 1000, 0, 3)]))
    plan = plan_sync(snap, cases, pl.DataFrame(schema=GONE_SCHEMA), D, risk)
    assert plan.to_open.select("loan_pk", "stage", "bucket", "dpd").rows() == [(1, "pre_due", "M0", 0)]
    # L2's installment is no longer due within the window: paid before it fell due.
    assert plan.to_close.select("id", "close_reason").rows() == [(10, "paid")]
    # L3 turned delinquent: the same case becomes the M1 case.
    assert plan.to_update.select("id", "stage", "bucket", "dpd").rows() == [(11, "M1", "M1", 1)]
    # Still unpaid and at risk tomorrow with the case open: nothing new opens, nothing closes.
    snap2 = _snap([(1, "L1", "B1", 0, "M0", False)])
    again = plan_sync(snap2, _cases([(12, 1, "L1", "B1", "pre_due", "M0", 0)]), pl.DataFrame(schema=GONE_SCHEMA),
                      D, risk)
    assert (again.to_open.height, again.to_close.height, again.to_update.height) == (0, 0, 0)
