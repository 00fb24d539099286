"""Policy packs hold every rule of compliance-rules.md; a lender overrides parameters without code."""

from __future__ import annotations

import pytest

from accord.compliance import load_policy
from accord.compliance.policy import POLICIES, policy_from_mapping
from accord.kit.errors import InputError
from gate_helpers import call, decide

# Every rule id of docs/compliance-rules.md, by pack.
DOC_RULES = {
    "CN": ["CN-TIME-01", "CN-FREQ-01", "CN-FREQ-02", "CN-3P-01", "CN-3P-02", "CN-PHONEBOOK-01", "CN-PRIV-01",
           "CN-IMPERS-01", "CN-THREAT-01", "CN-MISLEAD-01", "CN-FEE-01", "CN-VISIT-01", "CN-CHAN-01", "CN-REC-01",
           "CN-OUT-01", "CN-AI-01", "CN-OPS-01"],
    "US": ["US-TIME-01", "US-PLACE-01", "US-ATTY-01", "US-CEASE-01", "US-3P-01", "US-LOC-01", "US-OPTOUT-01",
           "US-ELEC-01", "US-FREQ-01", "US-FREQ-02", "US-FREQ-EXCL-01", "US-HARASS-01", "US-MEDIUM-01",
           "US-FALSE-01", "US-DISC-01", "US-LCM-01", "US-TBD-01", "US-VAL-01", "US-DISP-01", "US-REC-01"],
    "UK": ["UK-FORB-01", "UK-PRESS-01", "UK-TIME-01", "UK-MISLEAD-01", "UK-3P-01", "UK-VISIT-01", "UK-MCAP-01",
           "UK-DISP-01", "UK-SBD-01", "UK-AJA-01", "GDPR-01"],
}
CATEGORIES = ["violence_threat", "arrest_crime", "impersonation", "shaming_disclosure", "insult",
              "invented_consequence", "false_urgency", "borrow_or_sell", "collection_fee"]


@pytest.mark.parametrize("name", POLICIES)
def test_pack_holds_every_documented_rule_with_source_and_tag(name):
    pol = load_policy(name, use_settings=False)
    ids = [r.id for r in pol.rules]
    assert set(DOC_RULES[name]) <= set(ids)
    assert len(ids) == len(set(ids))
    for r in pol.rules:
        assert r.title and r.source and r.tag in {"P", "S", "I"}, r.id
    # Rules Accord adds beyond the document are marked as design choices.
    for r in pol.rules:
        if r.id not in DOC_RULES[name]:
            assert r.tag == "I" and "not in compliance-rules.md" in r.source


@pytest.mark.parametrize("name", POLICIES)
def test_every_content_category_maps_to_a_rule_of_the_pack(name):
    pol = load_policy(name, use_settings=False)
    for cat in CATEGORIES:
        assert pol.content_rule(cat) in {r.id for r in pol.rules}, (name, cat)


def test_documented_parameters():
    cn, us = load_policy("CN", use_settings=False), load_policy("US", use_settings=False)
    assert cn.rule("CN-TIME-01").parameters["allowed_end"] == "22:00"
    assert cn.rule("CN-FREQ-01").parameters["max_conversations"] == 3
    assert cn.rule("CN-FREQ-02").parameters["max_attempts"] == 6
    assert dict(cn.rule("CN-OPS-01").parameters) == {"per_minute": 1, "per_hour": 5, "per_24h": 20}
    assert cn.rule("CN-VISIT-01").parameters["min_staff"] == 2
    assert us.rule("US-FREQ-01").parameters["max_calls"] == 7
    assert us.rule("US-TIME-01").parameters["allowed_end"] == "21:00"
    assert us.rule("US-ELEC-01").parameters["recent_text_days"] == 60


def test_unknown_policy_is_an_input_error():
    with pytest.raises(InputError, match="unknown policy"):
        load_policy("FR")


def _week_of_calls(n):
    return [call(f"2026-04-0{d}T10:00:00-04:00") for d in range(1, 1 + n)]


def test_massachusetts_override_from_a_file(tmp_path, monkeypatch):
    f = tmp_path / "lender.yaml"
    f.write_text("US:\n  US-FREQ-01: {max_calls: 2}\n  US-TIME-01: {allowed_start: '09:00'}\n")
    planned = {"at": "2026-04-03T10:00:00-04:00", "channel": "call", "debt_ids": ["D1"]}
    kw = {"borrower": {"timezones": ["America/New_York"]}, "history": _week_of_calls(2)}
    assert decide("US", planned, overrides=load_policy("US", use_settings=False), **kw).allowed
    pol = load_policy("US", f)
    assert pol.version.startswith("2026.11.0+ovr.")
    d = decide("US", planned, overrides=pol, **kw)
    assert d.rules == ["US-FREQ-01"] and d.policy_version == pol.version
    early = decide("US", {**planned, "at": "2026-04-03T08:30:00-04:00"}, overrides=pol,
                   borrower={"timezones": ["America/New_York"]})
    assert early.rules == ["US-TIME-01"]
    # The same file through the setting (ACCORD_POLICY_OVERRIDES_FILE).
    from accord.config import get_settings

    monkeypatch.setenv("ACCORD_POLICY_OVERRIDES_FILE", str(f))
    get_settings.cache_clear()
    try:
        assert load_policy("US").rule("US-FREQ-01").parameters["max_calls"] == 2
    finally:
        monkeypatch.delenv("ACCORD_POLICY_OVERRIDES_FILE")
        get_settings.cache_clear()


@pytest.mark.parametrize("body, match", [
    ("US:\n  US-NOPE-01: {max_calls: 2}\n", "no rule"),
    ("US:\n  US-FREQ-01: {max_call: 2}\n", "no parameter"),
    ("- just a list\n", "mapping"),
])
def test_bad_overrides_are_input_errors(tmp_path, body, match):
    f = tmp_path / "o.yaml"
    f.write_text(body)
    with pytest.raises(InputError, match=match):
        load_policy("US", f)


def test_in_memory_overrides_change_quiet_hours():
    pol = policy_from_mapping("CN", {"CN": {"CN-TIME-01": {"allowed_end": "20:00"}}})
    d = decide("CN", {"at": "2026-03-02T20:30:00+08:00", "channel": "call"}, overrides=pol)
    assert d.rules == ["CN-TIME-01"]
    assert decide("CN", {"at": "2026-03-02T20:30:00+08:00", "channel": "call"}).allowed
