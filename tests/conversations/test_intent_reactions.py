"""plan_reaction: what each reply asks Accord to do (pure data)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from accord.conversations import Reply, plan_reaction, understand
from accord.conversations.lexicon import INTENTS

TODAY = date(2026, 6, 11)


def kinds(text: str, **kw) -> list[tuple[str, str | None]]:
    return [(r.kind, r.hold_kind) for r in plan_reaction(understand(text, today=TODAY), **kw)]


def test_promise_is_recorded_with_amount_and_date():
    (r,) = plan_reaction(understand("明天还500", today=TODAY))
    assert (r.kind, r.amount, r.due_on) == ("record_promise", Decimal("500.00"), date(2026, 6, 12))


def test_stop_keyword_is_a_channel_opt_out_only():
    (r,) = plan_reaction(understand("TD", today=TODAY), channel="sms", address="+8613800000000")
    assert (r.kind, r.channel, r.address) == ("opt_out", "sms", "+8613800000000")


def test_cease_request_opts_out_and_opens_a_hold_and_drops_callbacks():
    assert kinds("别再打电话了，晚点再说") == [("opt_out", None), ("open_hold", "cease")]
    assert kinds("Please stop contacting me.") == [("opt_out", None), ("open_hold", "cease")]


def test_dispute_opens_a_hold_without_a_plan_offer():
    assert kinds("利息算错了，能不能先分期还本金") == [("open_hold", "dispute")]


def test_hardship_and_plan_requests_route_to_a_plan_offer():
    assert kinds("我失业了") == [("route_plan_offer", None)]
    assert kinds("可以分期吗") == [("route_plan_offer", None)]


def test_wrong_number_marks_the_contact_point_and_binds_nobody():
    got = plan_reaction(understand("打错了 我不是欠款人 别再打了 明天还", today=TODAY), channel="call",
                        address="+8613900000000")
    assert [r.kind for r in got] == ["mark_contact_point_bad", "opt_out"]
    assert all(r.address == "+8613900000000" for r in got)


def test_payment_claim_is_checked_with_its_amount_and_past_date():
    (r,) = plan_reaction(understand("我已经在app上还款了 ￥800 昨天下午转的", today=TODAY))
    assert (r.kind, r.amount, r.due_on) == ("check_payment", Decimal("800.00"), date(2026, 6, 10))


def test_callback_carries_the_day():
    (r,) = plan_reaction(understand("周一再打给我", today=TODAY))
    assert (r.kind, r.due_on) == ("schedule_callback", date(2026, 6, 15))


def test_other_needs_nothing():
    assert plan_reaction(understand("收到", today=TODAY)) == []


@given(st.lists(st.sampled_from([i for i in INTENTS if i != "other"]), min_size=1, max_size=4, unique=True),
       st.booleans())
def test_reaction_invariants(intents, keyword_only):
    reply = Reply(intent=intents[0], intents=tuple(intents), amount=Decimal("10.00"), date=TODAY,
                  lang="en", confidence=0.9, keyword_only=keyword_only)
    got = plan_reaction(reply, channel="sms", address="+1")
    names = [r.kind for r in got]
    if "wrong_number" in intents:
        # A stranger's words never open holds, record promises or offer plans for the borrower.
        assert set(names) <= {"mark_contact_point_bad", "opt_out"} and names[0] == "mark_contact_point_bad"
        return
    if "cease" in intents:
        assert "opt_out" in names and "schedule_callback" not in names and "route_plan_offer" not in names
    if "dispute" in intents:
        assert ("open_hold", "dispute") in [(r.kind, r.hold_kind) for r in got]
        assert "route_plan_offer" not in names
    # Only the primary intent's reaction carries the amount and date.
    assert sum(r.amount is not None for r in got) <= 1
    assert len(names) == len(set((r.kind, r.hold_kind) for r in got))
