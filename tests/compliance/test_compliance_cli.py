"""The compliance commands from the outside (the installed ``accord``)."""

from __future__ import annotations

import json

import pytest

CFPB = {
    "policy": "US",
    "collector": {"kind": "third_party", "name": "Northwind Recovery", "is_law_firm": False},
    "borrower": {"id": "B1", "timezones": ["America/New_York"]},
    "history": [{"at": f"2026-04-0{d}T10:00:00-04:00", "channel": "call", "direction": "outbound",
                 "target": "borrower", "actor": "agent", "debt_ids": ["D1"], "outcome": "no_answer"}
                for d in (1, 2, 2, 3, 3, 6, 6)],
    "planned": {"at": "2026-04-07T10:00:00-04:00", "channel": "call", "target": "borrower", "debt_ids": ["D1"],
                "purpose": "collection"},
}


def test_check_block_from_stdin(accord):
    res = accord("compliance", "check", input=json.dumps(CFPB))
    assert res.code == 0, res
    out = res.json()
    assert out["decision"] == "block" and out["policy"] == "US"
    assert out["violations"] == [{"rule": "US-FREQ-01",
                                  "message": "call 8 about debt D1 in 7 days (2026-04-01..2026-04-07); the cap is 7"}]


def test_check_allow_from_a_file(accord, tmp_path):
    data = {**CFPB, "history": CFPB["history"][1:]}
    f = tmp_path / "contact.json"
    f.write_text(json.dumps(data))
    res = accord("compliance", "check", str(f))
    assert res.code == 0, res
    assert res.json()["decision"] == "allow" and res.json()["violations"] == []


def test_check_with_overrides_option(accord, tmp_path):
    f = tmp_path / "ma.yaml"
    f.write_text("US:\n  US-FREQ-01: {max_calls: 2}\n")
    data = {**CFPB, "history": CFPB["history"][:2]}
    assert accord("compliance", "check", input=json.dumps(data)).json()["decision"] == "allow"
    res = accord("compliance", "check", "--overrides", str(f), input=json.dumps(data))
    assert res.json()["decision"] == "block" and "+ovr." in res.json()["policy_version"]


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: "{not json", "not valid JSON"),
    (lambda d: json.dumps({**d, "planned": {**d["planned"], "at": "2026-04-07T10:00:00"}}), "planned.at"),
    (lambda d: json.dumps({**d, "policy": "FR"}), "unknown policy"),
    (lambda d: json.dumps({**d, "planned": {**d["planned"], "channel": "fax"}}), "planned.channel"),
    (lambda d: json.dumps({**d, "borrower": {"timezones": ["Mars/Base"]}}), "borrower.timezones"),
    (lambda d: json.dumps({**d, "borrower": {"flag": ["bankruptcy"]}}), "borrower.flag"),
    (lambda d: json.dumps({**d, "planned": {**d["planned"], "target": "contact:K7"}}), "planned.target"),
])
def test_check_invalid_input_exits_2_with_one_clear_line(accord, mutate, needle):
    res = accord("compliance", "check", input=mutate(CFPB))
    assert res.code == 2, res
    assert res.stdout == ""
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_lint(accord, tmp_path):
    res = accord("compliance", "lint", "你这个老 賴，再不还就立案抓捕", "--policy", "CN", "--format", "json")
    assert res.code == 1, res
    cats = {h["category"] for h in res.json()}
    assert {"insult", "arrest_crime"} <= cats
    hit = next(h for h in res.json() if h["category"] == "insult")
    assert hit["rule"] == "CN-THREAT-01" and hit["matched"] == "老 賴"
    f = tmp_path / "tpl.txt"
    f.write_text("您好，您的借款已逾期3天，请及时还款。", encoding="utf-8")
    res = accord("compliance", "lint", str(f), "--policy", "CN")
    assert res.code == 0 and "clean" in res.stdout
    res = accord("compliance", "lint", "Your payment is due.", "--policy", "US", "--channel", "sms", "--format", "json")
    assert res.code == 1 and {h["rule"] for h in res.json()} == {"US-DISC-01", "US-OPTOUT-01"}
    assert accord("compliance", "lint", "hi", "--policy", "XX").code == 2


def test_explain(accord):
    res = accord("compliance", "explain", "--policy", "CN", "--format", "json")
    assert res.code == 0, res
    pack = res.json()
    rules = {r["id"]: r for r in pack["rules"]}
    assert rules["CN-FREQ-01"]["parameters"]["max_conversations"] == 3 and "GB/T 45251" in rules["CN-FREQ-01"]["source"]
    res = accord("compliance", "explain", "--format", "json")
    assert [p["policy"] for p in res.json()] == ["CN", "US", "UK"]
    res = accord("compliance", "explain", "--policy", "UK")
    assert res.code == 0 and "UK-SBD-01" in res.stdout


def test_replay_csv_and_json_lines(accord, tmp_path):
    csv_text = "borrower_id,timezone,at,channel,direction,target,actor,debt_ids,outcome\n" + "".join(
        f"B1,America/New_York,{at},call,outbound,borrower,agent,D1,{outcome}\n" for at, outcome in [
            ("2026-08-14T11:00:00-04:00", "conversation"), ("2026-08-17T10:00:00-04:00", "no_answer"),
            ("2026-08-21T22:00:00-04:00", "no_answer"), ("2026-08-24T10:00:00-04:00", "no_answer")]) + \
        "B2,Asia/Shanghai,2026-08-14T23:10:00+08:00,sms,outbound,borrower,agent,,delivered\n"
    f = tmp_path / "log.csv"
    f.write_text(csv_text)
    res = accord("compliance", "replay", "--policy", "US", str(f), "--format", "json")
    assert res.code == 0, res
    out = res.json()
    assert out["checked"] == 5
    rows = {b["row"]: b["rules"] for b in out["blocked_contacts"]}
    assert rows[3] == ["US-FREQ-02"] and rows[4] == ["US-TIME-01"] and 5 not in rows
    assert "US-ELEC-01" in rows[6] and "US-TIME-01" in rows[6]
    assert out["by_rule"]["US-TIME-01"] == 2
    jl = tmp_path / "log.jsonl"
    jl.write_text("\n".join(json.dumps({"borrower_id": "B9", "timezone": "Asia/Shanghai", "at": at,
                                        "channel": "call", "outcome": "conversation", "debt_ids": ["D1"]})
                            for at in ("2026-03-02T09:00:00+08:00", "2026-03-02T10:00:00+08:00",
                                       "2026-03-02T11:00:00+08:00", "2026-03-02T12:00:00+08:00")))
    res = accord("compliance", "replay", "--policy", "CN", str(jl), "--format", "json")
    assert res.json()["blocked"] == 1 and res.json()["blocked_contacts"][0]["rules"] == ["CN-FREQ-01"]
    res = accord("compliance", "replay", "--policy", "CN", str(jl))
    assert res.code == 0 and "CN-FREQ-01" in res.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("borrower_id,at,channel\nB1,2026-03-02T09:00:00,call\n")
    res = accord("compliance", "replay", "--policy", "CN", str(bad))
    assert res.code == 2 and "row 2" in res.stderr and "at" in res.stderr
