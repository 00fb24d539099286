"""Frequency: the CFPB 7-in-7 worked examples (2026 dates), the Aug 14 conversation, consent and outcome
exclusions, CN daily caps across lender, agencies and AI, carrier throttles and message caps."""

from __future__ import annotations

import pytest

from gate_helpers import call, decide

NY = {"timezones": ["America/New_York"]}


def us_call(at, history, debt="D1", **kw):
    return decide("US", {"at": at, "channel": "call", "debt_ids": [debt]}, borrower=kw.pop("borrower", NY),
                  history=history, **kw)


def test_cfpb_example_limited_content_message_plus_six_calls_is_seven():
    # LCM on Wed Apr 1, unanswered calls Apr 2-6; the call on Apr 7 is the 7th: compliant.
    hist = [call("2026-04-01T10:00:00-04:00", "limited_content_message")] + [
        call(f"2026-04-0{d}T10:00:00-04:00") for d in range(2, 7)]
    assert us_call("2026-04-07T10:00:00-04:00", hist).allowed
    # With the Apr 7 call made, an 8th in Apr 1..7 is presumed a violation; the next may be on Apr 8.
    hist.append(call("2026-04-07T10:00:00-04:00"))
    d = us_call("2026-04-07T15:00:00-04:00", hist)
    assert d.rules == ["US-FREQ-01"]
    assert d.violations[0].message == "call 8 about debt D1 in 7 days (2026-04-01..2026-04-07); the cap is 7"
    assert us_call("2026-04-08T09:00:00-04:00", hist).allowed


def test_cfpb_example_eight_calls_in_seven_days():
    hist = [call("2026-04-01T10:00:00-04:00")]
    for day in (2, 3, 6):
        hist += [call(f"2026-04-0{day}T10:00:00-04:00"), call(f"2026-04-0{day}T16:00:00-04:00")]
    assert us_call("2026-04-07T10:00:00-04:00", hist).rules == ["US-FREQ-01"]
    assert us_call("2026-04-07T10:00:00-04:00", hist[1:]).allowed   # without Apr 1: 7 calls


def test_conversation_on_friday_aug_14_bars_calls_until_friday_aug_21():
    hist = [call("2026-08-14T11:00:00-04:00", "conversation")]
    for at in ("2026-08-14T15:00:00-04:00", "2026-08-15T10:00:00-04:00", "2026-08-20T20:00:00-04:00"):
        d = us_call(at, hist)
        assert d.rules == ["US-FREQ-02"], at
        assert "2026-08-14" in d.violations[0].message and "2026-08-21" in d.violations[0].message
    assert us_call("2026-08-21T08:00:00-04:00", hist).allowed
    # A conversation about another debt does not bar calls about D1; one with no debt ids bars all.
    assert us_call("2026-08-15T10:00:00-04:00", [call("2026-08-14T11:00:00-04:00", "conversation", "D2")]).allowed
    assert not us_call("2026-08-15T10:00:00-04:00", [call("2026-08-14T11:00:00-04:00", "conversation", None)]).allowed


def test_consumer_initiated_conversation_counts_too():
    hist = [call("2026-08-14T11:00:00-04:00", "conversation", direction="inbound")]
    assert us_call("2026-08-17T10:00:00-04:00", hist).rules == ["US-FREQ-02"]


@pytest.mark.parametrize("outcome, counted", [
    ("busy", False), ("not_in_service", False), ("no_answer", True), ("voicemail_no_message", True),
    ("voicemail_message", True), ("answered_dropped", True), ("limited_content_message", True),
])
def test_which_outcomes_count(outcome, counted):
    hist = [call(f"2026-04-0{d}T10:00:00-04:00", outcome) for d in range(1, 8)]
    assert us_call("2026-04-07T15:00:00-04:00", hist).allowed is (not counted)


def test_ringless_voicemail_counts_and_texts_do_not():
    hist = [call(f"2026-04-0{d}T10:00:00-04:00", "voicemail_message", channel="ringless_voicemail") for d in range(1, 8)]
    assert us_call("2026-04-07T15:00:00-04:00", hist).rules == ["US-FREQ-01"]
    texts = [{"at": f"2026-04-0{d}T10:00:00-04:00", "channel": "email", "debt_ids": ["D1"], "outcome": "sent"}
             for d in range(1, 8)]
    assert us_call("2026-04-07T15:00:00-04:00", texts).allowed


def test_counted_per_debt():
    hist = [call(f"2026-04-0{d}T10:00:00-04:00", debt="D2") for d in range(1, 8)]
    assert us_call("2026-04-07T15:00:00-04:00", hist, debt="D1").allowed
    assert us_call("2026-04-07T15:00:00-04:00", hist, debt="D2").rules == ["US-FREQ-01"]


def test_consent_given_directly_excludes_calls_for_up_to_seven_days_until_a_conversation():
    consent = {"timezones": ["America/New_York"],
               "call_consents": [{"given_at": "2026-08-14T11:05:00-04:00"}]}
    conv = [call("2026-08-14T11:00:00-04:00", "conversation")]
    # Consent given in the conversation: a call the next day is not counted, so it is not barred.
    assert us_call("2026-08-15T10:00:00-04:00", conv, borrower=consent).allowed
    # The consent ends at the next conversation, and lasts at most 7 days.
    conv2 = conv + [call("2026-08-15T10:00:00-04:00", "conversation")]
    assert us_call("2026-08-16T10:00:00-04:00", conv2, borrower=consent).rules == ["US-FREQ-02"]
    many = [call(f"2026-08-{d}T10:00:00-04:00") for d in range(15, 22)]
    assert us_call("2026-08-21T12:00:00-04:00", many, borrower=consent).allowed     # within 7 days
    late = [call(f"2026-08-{d}T12:00:00-04:00") for d in range(22, 29)]
    assert us_call("2026-08-28T15:00:00-04:00", late, borrower=consent).rules == ["US-FREQ-01"]
    # Calls made under consent are not counted later either.
    assert us_call("2026-08-22T10:00:00-04:00", many, borrower=consent).allowed


def test_us_day_is_the_consumer_local_day():
    # 7 calls on Apr 1 New York time (one at 23:30 EDT = Apr 2 UTC); a call on Apr 8 is outside D-6..D.
    hist = [call(f"2026-04-01T{h:02d}:00:00-04:00") for h in (9, 10, 11, 12, 13, 14)] + [
        call("2026-04-01T20:30:00-04:00")]
    assert us_call("2026-04-08T09:00:00-04:00", hist).allowed
    assert us_call("2026-04-07T09:00:00-04:00", hist).rules == ["US-FREQ-01"]


def cn(at, history, channel="call", target="borrower", **kw):
    return decide("CN", {"at": at, "channel": channel, "target": target}, history=history, **kw)


def test_cn_three_conversations_a_day_across_lender_agencies_and_ai():
    hist = [call("2026-04-01T09:00:00+08:00", "conversation", actor="agent"),
            call("2026-04-01T10:00:00+08:00", "conversation", actor="agency:Acme"),
            call("2026-04-01T11:00:00+08:00", "conversation", actor="robot", channel="ai_call")]
    d = cn("2026-04-01T15:00:00+08:00", hist)
    assert d.rules == ["CN-FREQ-01"]
    assert not cn("2026-04-01T15:00:00+08:00", hist, channel="ai_call").allowed
    assert cn("2026-04-02T09:00:00+08:00", hist).allowed
    assert cn("2026-04-01T15:00:00+08:00", hist[:2]).allowed
    # The day is Beijing's even for a borrower abroad: 23:30 Beijing on Apr 1 and 08:30 on Apr 2 differ.
    late = [call("2026-04-01T23:30:00+08:00", "conversation", direction="outbound")] * 3
    assert cn("2026-04-02T08:30:00+08:00", late).allowed


def test_cn_six_attempts_per_number_per_day():
    num = "+8613800000000"
    hist = [call(f"2026-04-01T{h:02d}:00:00+08:00", "busy", target=num) for h in range(9, 15)]
    assert cn("2026-04-01T16:00:00+08:00", hist, target=num).rules == ["CN-FREQ-02"]
    assert cn("2026-04-01T16:00:00+08:00", hist, target="+8613900000000").allowed
    assert cn("2026-04-01T16:00:00+08:00", hist[:5], target=num).allowed


def test_cn_carrier_throttle_for_robot_calls():
    num = "+8613800000000"
    ai = lambda at: call(at, "no_answer", target=num, channel="ai_call", actor="robot")  # noqa: E731
    d = cn("2026-04-01T10:00:30+08:00", [ai("2026-04-01T10:00:00+08:00")], channel="ai_call", target=num)
    assert d.rules == ["CN-OPS-01"] and "minute" in d.violations[0].message
    assert cn("2026-04-01T10:01:00+08:00", [ai("2026-04-01T10:00:00+08:00")], channel="ai_call", target=num).allowed
    hour = [ai(f"2026-04-01T10:{m:02d}:00+08:00") for m in (0, 10, 20, 30, 40)]
    assert cn("2026-04-01T10:50:00+08:00", hour, channel="ai_call", target=num).rules == ["CN-OPS-01"]
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2026, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    day = [ai((t0 + timedelta(minutes=70 * i)).isoformat()) for i in range(20)]   # 20 calls in 22h10
    d = cn((t0 + timedelta(hours=23)).isoformat(), day, channel="ai_call", target=num)
    assert [v.message for v in d.violations if "24 hours" in v.message]
    assert not [v.message for v in d.violations if "hour;" in v.message or "minute" in v.message]
    assert not [v for v in cn((t0 + timedelta(hours=23)).isoformat(), day[1:], channel="ai_call",
                              target=num).violations if "24 hours" in v.message]


def test_message_caps_per_channel_count_delivered_not_undelivered():
    sms = lambda h, outcome="delivered": {"at": f"2026-04-01T{h:02d}:00:00+08:00", "channel": "sms", "outcome": outcome}  # noqa: E731
    hist = [sms(9), sms(10), sms(11)]
    d = cn("2026-04-01T15:00:00+08:00", hist, channel="sms")
    assert d.rules == ["CN-THREAT-01"] and "sms" in d.violations[0].message
    assert cn("2026-04-01T15:00:00+08:00", hist[:2] + [sms(11, "undelivered")], channel="sms").allowed
    assert cn("2026-04-02T09:00:00+08:00", hist, channel="sms").allowed
