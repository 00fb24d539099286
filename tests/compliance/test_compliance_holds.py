"""Holds: cease requests (written vs oral), disputes (US written within the validation period; UK any),
opt-outs per channel and address, attorney, bankruptcy, mental capacity, vulnerability."""

from __future__ import annotations

import pytest

from gate_helpers import decide

AT = "2026-05-04T11:00:00-04:00"
US_B = {"timezones": ["America/New_York"]}
UK_B = {"timezones": ["Europe/London"]}


def us(planned=None, **b):
    return decide("US", {"at": AT, "channel": "call", **(planned or {})}, borrower={**US_B, **b})


def test_written_cease_ends_contact_except_a_termination_notice():
    cease = {"cease_requests": [{"received_at": "2026-05-01T09:00:00-04:00", "form": "written"}]}
    d = us(**cease)
    assert d.rules == ["US-CEASE-01"] and "termination notice" in d.violations[0].message
    assert us({"channel": "letter", "purpose": "termination_notice"}, **cease).allowed
    # Received after the planned time: not yet in force.
    assert us(cease_requests=[{"received_at": "2026-05-05T09:00:00-04:00", "form": "written"}]).allowed


def test_oral_cease_does_not_trigger_us_cease_but_an_opt_out_is_honoured():
    assert us(cease_requests=[{"received_at": "2026-05-01T09:00:00-04:00", "form": "oral"}]).allowed
    d = us(opt_outs=[{"channel": "call", "at": "2026-05-01T09:00:00-04:00"}])
    assert d.rules == ["US-MEDIUM-01"]


@pytest.mark.parametrize("form, within, resolved, blocked", [
    ("written", True, None, True),
    ("oral", True, None, False),                       # an oral dispute does not halt collection (US)
    ("written", False, None, False),                   # outside the validation period
    ("written", True, "2026-05-03T10:00:00-04:00", False),   # verification sent
    ("written", True, "2026-05-06T10:00:00-04:00", True),    # resolved only later
])
def test_us_disputes(form, within, resolved, blocked):
    d = us(disputes=[{"received_at": "2026-05-01T09:00:00-04:00", "form": form,
                      "within_validation_period": within, "resolved_at": resolved}])
    assert (d.rules == ["US-DISP-01"]) is blocked, d


@pytest.mark.parametrize("form", ["written", "oral"])
def test_uk_suspends_recovery_for_any_unresolved_dispute(form):
    d = decide("UK", {"at": "2026-05-04T11:00:00+01:00", "channel": "call"},
               borrower={**UK_B, "disputes": [{"received_at": "2026-05-01T09:00:00+01:00", "form": form,
                                               "within_validation_period": False}]})
    assert d.rules == ["UK-DISP-01"]


def test_opt_out_is_per_channel_and_address():
    oo = {"opt_outs": [{"channel": "sms", "target": "+12125550100", "at": "2026-05-01T09:00:00-04:00"}],
          "consents": [{"channel": "sms", "given_at": "2026-01-01T00:00:00Z"}]}
    assert us({"channel": "sms", "target": "+12125550100"}, **oo).rules == ["US-MEDIUM-01"]
    assert us({"channel": "sms", "target": "+12125550199"}, **oo).allowed
    assert us({"channel": "call", "target": "+12125550100"}, **oo).allowed
    d = decide("UK", {"at": "2026-05-04T11:00:00+01:00", "channel": "email", "target": "a@b.example"},
               borrower={**UK_B, "opt_outs": [{"channel": "email", "at": "2026-05-01T09:00:00+01:00"}]})
    assert d.rules == ["UK-TIME-01"]


def test_attorney_represented_borrower_only_through_the_attorney():
    assert us(flags=["attorney_represented"]).rules == ["US-ATTY-01"]
    assert us({"target": "attorney"}, flags=["attorney_represented"]).allowed


@pytest.mark.parametrize("policy, rule", [("US", "US-BANKR-01"), ("UK", "UK-BANKR-01"), ("CN", "CN-BANKR-01")])
def test_bankruptcy_hold(policy, rule):
    d = decide(policy, {"at": "2026-05-04T14:00:00Z", "channel": "letter"}, borrower={"flags": ["bankruptcy"]})
    assert d.rules == [rule]


def test_mental_capacity_and_vulnerability_in_the_uk():
    at = "2026-05-04T11:00:00+01:00"
    assert decide("UK", {"at": at, "channel": "call"},
                  borrower={**UK_B, "flags": ["mental_capacity_concern"]}).rules == ["UK-MCAP-01"]
    vul = {**UK_B, "flags": ["vulnerable"]}
    assert decide("UK", {"at": at, "channel": "visit"}, borrower=vul).rules == ["UK-VISIT-01"]
    assert decide("UK", {"at": at, "channel": "call"}, borrower=vul).allowed


def test_statute_barred_debt_may_not_be_threatened_with_suit():
    b = {**US_B, "flags": ["statute_barred"], "consents": [{"channel": "sms", "given_at": "2026-01-01T00:00:00Z"}]}
    text = "From a debt collector: if you do not pay, we will sue you. Reply STOP to opt out."
    d = decide("US", {"at": AT, "channel": "sms", "text": text}, borrower=b)
    assert d.rules == ["US-TBD-01"]
    ok = "From a debt collector: because of the age of your debt, we will not sue you. Reply STOP to opt out."
    assert decide("US", {"at": AT, "channel": "sms", "text": ok}, borrower=b).allowed
    assert decide("US", {"at": AT, "channel": "sms", "text": text}, borrower={**b, "flags": []}).allowed
