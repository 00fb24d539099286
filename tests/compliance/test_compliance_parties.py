"""Third parties (CN contact-person conditions, refusals, phone book, employers, US location contacts,
UK tracing), no disclosure of the debt, visits, consent for texts, work email, limited-content messages."""

from __future__ import annotations

import pytest

from gate_helpers import decide

CN_AT = "2026-05-04T10:00:00+08:00"
MOTHER = {"id": "K1", "relation": "mother", "source": "registered", "targets": ["+8613700000001"]}


def cn(planned, borrower=None, contacts=None):
    return decide("CN", {"at": CN_AT, "channel": "call", **planned}, borrower=borrower or {},
                  contacts=[MOTHER] if contacts is None else contacts)


@pytest.mark.parametrize("borrower, allowed", [
    ({"status": "reachable"}, False),
    ({"status": "unreachable"}, True),
    ({"status": "deceased"}, True),
    ({"status": "reachable", "civil_capacity": "limited"}, True),
    ({"status": "reachable", "civil_capacity": "none"}, True),
])
def test_cn_contact_person_only_when_the_conditions_hold(borrower, allowed):
    d = cn({"target": "contact:K1"}, borrower)
    assert d.allowed is allowed and (allowed or d.rules == ["CN-3P-01"])


def test_cn_a_contact_number_is_the_contact_even_when_written_as_a_number():
    assert cn({"target": "+8613700000001"}).rules == ["CN-3P-01"]
    assert cn({"target": "+8613799999999"}).allowed      # the borrower's own number


def test_cn_never_after_refusal_never_disclose_never_phonebook():
    refused = [{**MOTHER, "refused": True}]
    assert cn({"target": "contact:K1"}, {"status": "unreachable"}, refused).rules == ["CN-3P-02"]
    d = cn({"target": "contact:K1", "channel": "sms", "text": "请转告张三，他的借款已逾期，请尽快还款。"}, {"status": "unreachable"})
    assert d.rules == ["CN-3P-02"] and "discloses" in d.violations[0].message
    assert cn({"target": "contact:K1", "channel": "sms", "text": "您好，请转告张三尽快回电，谢谢。"}, {"status": "unreachable"}).allowed
    book = [{"id": "K9", "relation": "colleague", "source": "phonebook"}]
    d = cn({"target": "contact:K9"}, {"status": "unreachable"}, book)
    assert d.rules == ["CN-PHONEBOOK-01"]


def test_cn_employer_is_an_unrelated_third_party():
    assert cn({"target": "employer"}, {"status": "unreachable"}).rules == ["CN-3P-01"]


def test_us_and_uk_third_parties_only_to_locate_and_never_told_of_the_debt():
    at = "2026-05-04T11:00:00-04:00"
    b = {"timezones": ["America/New_York"]}
    assert decide("US", {"at": at, "channel": "call", "target": "employer"}, borrower=b).rules == ["US-3P-01"]
    ok = decide("US", {"at": at, "channel": "call", "target": "employer"}, borrower={**b, "status": "unreachable"})
    assert ok.allowed
    d = decide("US", {"at": at, "channel": "letter", "target": "employer", "text": "Your employee owes us $400."},
               borrower={**b, "status": "unreachable"})
    assert d.rules == ["US-LOC-01"]
    d = decide("UK", {"at": "2026-05-04T11:00:00+01:00", "channel": "call", "target": "contact:K1"},
               borrower={"timezones": ["Europe/London"]}, contacts=[MOTHER])
    assert d.rules == ["UK-3P-01"]


@pytest.mark.parametrize("visitors, allowed", [(None, False), (1, False), (2, True), (3, True)])
def test_cn_field_visit_needs_two_staff(visitors, allowed):
    assert cn({"channel": "visit", "visitors": visitors}).allowed is allowed


def test_us_texts_need_consent_or_a_recent_consumer_text():
    at = "2026-05-04T11:00:00-04:00"
    b = {"timezones": ["America/New_York"]}
    text = {"at": at, "channel": "sms", "target": "+12125550100"}
    assert decide("US", text, borrower=b).rules == ["US-ELEC-01"]
    consent = {**b, "consents": [{"channel": "sms", "target": "+12125550100", "given_at": "2026-04-01T00:00:00Z"}]}
    assert decide("US", text, borrower=consent).allowed
    recent = [{"at": "2026-04-20T10:00:00-04:00", "channel": "sms", "direction": "inbound",
               "target": "+12125550100", "outcome": "delivered"}]
    assert decide("US", text, borrower=b, history=recent).allowed
    old = [{**recent[0], "at": "2026-02-20T10:00:00-05:00"}]
    assert decide("US", text, borrower=b, history=old).rules == ["US-ELEC-01"]


def test_no_email_to_an_employer_provided_address_unless_the_consumer_used_it():
    at = "2026-05-04T11:00:00-04:00"
    b = {"timezones": ["America/New_York"], "work_addresses": ["jo@employer.example"]}
    mail = {"at": at, "channel": "email", "target": "jo@employer.example"}
    assert decide("US", mail, borrower=b).rules == ["US-PLACE-01"]
    used = [{"at": "2026-05-01T10:00:00-04:00", "channel": "email", "direction": "inbound",
             "target": "jo@employer.example", "outcome": "delivered"}]
    assert decide("US", mail, borrower=b, history=used).allowed
    forbids = {**b, "employer_forbids_contact": True}
    assert decide("US", {**mail, "channel": "call"}, borrower=forbids).rules == ["US-PLACE-01"]


def test_us_voicemail_mentioning_the_debt_is_not_a_limited_content_message():
    at = "2026-05-04T11:00:00-04:00"
    b = {"timezones": ["America/New_York"]}
    lcm = "Hi, this is Jordan from Northwind. Please call me back at 555-0100."
    assert decide("US", {"at": at, "channel": "ringless_voicemail", "text": lcm}, borrower=b).allowed
    d = decide("US", {"at": at, "channel": "ringless_voicemail", "text": lcm + " It is about your overdue loan."},
               borrower=b)
    assert d.rules == ["US-LCM-01"]


def test_content_hits_and_required_wording_become_violations():
    at = "2026-05-04T11:00:00-04:00"
    b = {"timezones": ["America/New_York"], "consents": [{"channel": "sms", "given_at": "2026-01-01T00:00:00Z"}]}
    d = decide("US", {"at": at, "channel": "sms", "text": "Pay now, deadbeat."}, borrower=b)
    assert set(d.rules) == {"US-HARASS-01", "US-DISC-01", "US-OPTOUT-01"}
    d = decide("CN", {"at": CN_AT, "channel": "sms", "text": "再不还款就立 案 抓 捕"})
    assert d.rules == ["CN-MISLEAD-01"]
