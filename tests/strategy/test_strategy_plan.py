"""Planning: segments (first match wins), ladder days, conditions, holds, arms and send times."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.strategy.arms import arm_of, assign_arms
from accord.strategy.plan import plan_day
from accord.strategy.schedule import Window, schedule
from accord.strategy.schema import CONDITIONS, parse_strategy

FLAGS = ("paid_since_open", "has_promise", "responded", "promise_broken", "contacted_today", "has_email", "on_hold")


def accounts(rows: list[dict]) -> pl.DataFrame:
    base = {"loan_pk": 0, "loan_id": "L", "borrower_id": "B", "case_id": None, "bucket": "M1", "dpd": 1,
            "days_in_bucket": 1, "pre_due_days": None, "score_band": "low", "segment_aw": None, "jurisdiction": "CN",
            "product": "p", "balance_minor": 100000, "loan_kind": "institution", "language": "zh", "arm": "champion",
            "timezone": "Asia/Shanghai", **{f: False for f in FLAGS}}
    data = [{**base, "loan_pk": i, "loan_id": f"L{i}", "borrower_id": f"B{i}", **r} for i, r in enumerate(rows)]
    return pl.DataFrame(data, schema_overrides={"pre_due_days": pl.Int64, "segment_aw": pl.String, "case_id": pl.String})


STRATEGY = parse_strategy("""
name: t
segments:
  - {id: iou, when: {loan_kind: [iou]}, ladder: gentle}
  - {id: big_m1, when: {bucket: [M1], balance: {min: 5000}}, ladder: m1}
  - {id: m1, when: {bucket: [M1]}, ladder: m1}
  - {id: pre, when: {bucket: [M0], pre_due_days: {min: 1, max: 3}}, ladder: pre}
ladders:
  gentle: [{day: 7, channel: sms, template: reminder_m1_soft, tone: gentle}]
  m1:
    - {day: 1, channel: sms, template: reminder_m1_soft}
    - {day: 3, channel: ai_call, template: reminder_m1_soft, if: [no_payment, no_promise]}
  pre: [{day: -2, channel: push, template: pre_due_reminder}]
""")


def test_first_matching_segment_wins_and_day_selects_the_step():
    acc = accounts([{"balance_minor": 900000}, {}, {"loan_kind": "iou"}, {"loan_kind": "iou", "days_in_bucket": 7},
                    {"bucket": "M0", "dpd": 0, "days_in_bucket": 0, "pre_due_days": 2}])
    p = plan_day(acc, STRATEGY)
    got = {(r["loan_id"], r["segment"], r["channel"]) for r in p.iter_rows(named=True)}
    assert got == {("L0", "big_m1", "sms"), ("L1", "m1", "sms"), ("L3", "iou", "sms"), ("L4", "pre", "push")}


def test_conditions_gate_escalation():
    acc = accounts([{"days_in_bucket": 3}, {"days_in_bucket": 3, "has_promise": True},
                    {"days_in_bucket": 3, "paid_since_open": True}])
    assert plan_day(acc, STRATEGY)["loan_id"].to_list() == ["L0"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "bucket": st.sampled_from(["M0", "M1", "M2"]), "days_in_bucket": st.integers(0, 10),
    "pre_due_days": st.integers(0, 5), "loan_kind": st.sampled_from(["iou", "institution"]),
    **{f: st.booleans() for f in FLAGS}}), min_size=1, max_size=30),
    st.lists(st.sampled_from(CONDITIONS), max_size=3))
def test_no_action_is_ever_planned_for_an_account_on_hold(rows, conds):
    strategy = parse_strategy(f"""
name: random
segments: [{{id: all, when: {{}}, ladder: l}}]
ladders:
  l: [{{day: 0, channel: sms, template: reminder_m1_soft, if: {list(conds)}}},
      {{day: 3, channel: call, template: reminder_m1_soft}}, {{day: -2, channel: push, template: pre_due_reminder}}]
""")
    p = plan_day(accounts(rows), strategy)
    held = {f"L{i}" for i, r in enumerate(rows) if r["on_hold"]}
    assert not (set(p["loan_id"].to_list()) & held)


def test_arms_are_stable_and_follow_shares():
    s = parse_strategy("""
name: t
experiment: exp1
challengers: [{id: gentle, share: 0.25}]
segments: [{id: a, when: {}, ladder: l}]
ladders: {l: [{day: 1, channel: sms, template: reminder_m1_soft}]}
""")
    ids = pl.Series([f"L{i}" for i in range(20000)])
    arms = assign_arms(ids, s)
    share = Counter(arms.to_list())["gentle"] / len(ids)
    assert 0.23 < share < 0.27
    assert assign_arms(ids, s).equals(arms)  # same loan, same arm, every time
    assert arm_of(s, "L123") == arms[123]


def test_send_times_are_local_preferred_hours_inside_the_window_and_spread():
    acc = accounts([{"timezone": "Asia/Shanghai"}, {"timezone": "America/New_York"}, {"timezone": "Europe/London"}])
    p = schedule(plan_day(acc, STRATEGY), date(2026, 3, 8))  # DST starts in New York that day
    for r in p.iter_rows(named=True):
        local = r["scheduled_at"].astimezone(ZoneInfo(r["timezone"]))
        assert local.hour == 10 and local.minute == 0 and local.date() == date(2026, 3, 8)
    # 5 SMS per minute: 12 accounts spread over 3 minutes.
    many = schedule(plan_day(accounts([{}] * 12), STRATEGY), date(2026, 3, 9), Window(rate={"sms": 5}))
    minutes = Counter(r.minute for r in many["scheduled_at"].dt.convert_time_zone("Asia/Shanghai").to_list())
    assert sorted(minutes.values()) == [2, 5, 5]


def test_overflow_rolls_to_the_next_days_window():
    w = Window(start=8 * 60, end=8 * 60 + 2, preferred={"sms": 8 * 60}, rate={"sms": 1})
    p = schedule(plan_day(accounts([{}] * 3), STRATEGY), date(2026, 3, 9), w)
    local = [t.astimezone(ZoneInfo("Asia/Shanghai")) for t in p["scheduled_at"].to_list()]
    assert [(t.day, t.hour, t.minute) for t in local] == [(9, 8, 0), (9, 8, 1), (10, 8, 0)]
    assert all(isinstance(t, datetime) for t in local)
