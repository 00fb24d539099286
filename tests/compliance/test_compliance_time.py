"""Time windows: every possible zone, DST start and end days, inconvenient times, agreed hours."""

from __future__ import annotations

import pytest

from gate_helpers import decide

NY, LONDON, SH, LA = "America/New_York", "Europe/London", "Asia/Shanghai", "America/Los_Angeles"


@pytest.mark.parametrize("at, allowed", [
    ("2026-03-07T12:30:00Z", False),   # Sat before DST: 07:30 EST
    ("2026-03-08T12:30:00Z", True),    # DST start day: 08:30 EDT
    ("2026-03-08T00:59:00Z", True),    # 19:59 EST on Mar 7
    ("2026-03-09T01:00:00Z", False),   # 21:00 EDT exactly: blocked
    ("2026-03-09T00:59:59Z", True),    # 20:59:59 EDT
    ("2026-10-31T12:30:00Z", True),    # 08:30 EDT
    ("2026-11-01T12:30:00Z", False),   # DST end day: 07:30 EST
    ("2026-11-01T13:00:00Z", True),    # 08:00 EST
])
def test_us_window_around_new_york_dst(at, allowed):
    d = decide("US", {"at": at, "channel": "call"}, borrower={"timezones": [NY]})
    assert d.allowed is allowed, d
    if not allowed:
        assert d.rules == ["US-TIME-01"] and NY in d.violations[0].message


@pytest.mark.parametrize("at, allowed", [
    ("2026-03-28T07:30:00Z", False),   # 07:30 GMT
    ("2026-03-29T07:30:00Z", True),    # DST start day: 08:30 BST
    ("2026-10-24T20:30:00Z", False),   # 21:30 BST
    ("2026-10-25T20:30:00Z", True),    # DST end day: 20:30 GMT
    ("2026-10-25T21:00:00Z", False),   # 21:00 GMT
])
def test_uk_window_around_london_dst(at, allowed):
    assert decide("UK", {"at": at, "channel": "sms"}, borrower={"timezones": [LONDON]}).allowed is allowed


def test_every_possible_zone_must_be_convenient():
    # 08:30 in New York is 05:30 in Los Angeles: blocked, and the message names the zone at fault.
    d = decide("US", {"at": "2026-04-01T12:30:00Z", "channel": "email"}, borrower={"timezones": [NY, LA]})
    assert d.rules == ["US-TIME-01"] and len(d.violations) == 1 and LA in d.violations[0].message
    assert decide("US", {"at": "2026-04-01T16:00:00Z", "channel": "email"}, borrower={"timezones": [NY, LA]}).allowed


def test_cn_borrower_abroad_gets_both_night_windows():
    tz = {"timezones": [SH, NY]}
    # 21:00 Beijing, 09:00 New York: fine.
    assert decide("CN", {"at": "2026-04-01T13:00:00Z", "channel": "call"}, borrower=tz).allowed
    # 22:30 Beijing, 10:30 New York: night in Beijing.
    d = decide("CN", {"at": "2026-04-01T14:30:00Z", "channel": "call"}, borrower=tz)
    assert d.rules == ["CN-TIME-01"] and SH in d.violations[0].message
    # 11:00 Beijing is 23:00 New York: night there.
    d = decide("CN", {"at": "2026-04-02T03:00:00Z", "channel": "call"}, borrower=tz)
    assert d.rules == ["CN-TIME-01"] and NY in d.violations[0].message


def test_cn_default_zone_is_beijing_and_us_default_is_every_us_zone():
    assert decide("CN", {"at": "2026-04-01T15:00:00Z", "channel": "call"}).rules == ["CN-TIME-01"]
    # 08:30 New York is 05:30 Los Angeles: unknown location means every US zone.
    assert decide("US", {"at": "2026-04-01T12:30:00Z", "channel": "call"}).rules == ["US-TIME-01"]
    assert decide("US", {"at": "2026-04-01T17:00:00Z", "channel": "call"}).allowed


def test_inconvenient_times_are_binding_and_agreed_hours_lift_the_night_window():
    b = {"timezones": [SH], "inconvenient_times": [{"start": "12:00", "end": "13:00"}],
         "agreed_hours": [{"start": "22:00", "end": "23:00"}]}
    d = decide("CN", {"at": "2026-04-01T12:15:00+08:00", "channel": "call"}, borrower=b)
    assert d.rules == ["CN-TIME-01"] and "inconvenient" in d.violations[0].message
    assert decide("CN", {"at": "2026-04-01T22:30:00+08:00", "channel": "call"}, borrower=b).allowed
    assert not decide("CN", {"at": "2026-04-01T23:30:00+08:00", "channel": "call"}, borrower=b).allowed
    # An inconvenient time wins over agreed hours; spans may wrap past midnight.
    b2 = {"timezones": [SH], "inconvenient_times": [{"start": "20:00", "end": "09:00"}],
          "agreed_hours": [{"start": "22:00", "end": "23:00"}]}
    assert not decide("CN", {"at": "2026-04-01T22:30:00+08:00", "channel": "call"}, borrower=b2).allowed
    assert not decide("CN", {"at": "2026-04-01T08:30:00+08:00", "channel": "call"}, borrower=b2).allowed


def test_channels_without_a_window():
    # A letter is not timed; CN's window covers calls, AI calls, SMS and visits but not e-mail.
    assert decide("US", {"at": "2026-04-01T04:00:00Z", "channel": "letter"}).allowed
    assert decide("CN", {"at": "2026-04-01T23:30:00+08:00", "channel": "email"}).allowed
    assert not decide("CN", {"at": "2026-04-01T23:30:00+08:00", "channel": "ai_call"}).allowed
