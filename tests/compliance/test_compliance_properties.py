"""Property tests: batch == single on random inputs; adding history never turns a block into an allow;
no allowed contact falls in a night window in any of the borrower's zones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.compliance import evaluate, load_policy, parse_check
from accord.compliance.batch import evaluate_batch, frames_from_requests
from accord.compliance.gate.timewin import clock_seconds, in_span

BASE = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)   # the weekend US DST starts
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "America/Los_Angeles", "Asia/Kolkata"]
CHANNELS = ["call", "ai_call", "sms", "email", "push", "letter", "visit", "ringless_voicemail"]
OUTCOMES = [None, "busy", "not_in_service", "no_answer", "rejected", "voicemail_no_message", "voicemail_message",
            "limited_content_message", "answered_dropped", "conversation", "wrong_number", "sent", "delivered",
            "undelivered"]
DENSE_OUTCOMES = ["conversation", "conversation", "no_answer", "busy", "not_in_service", "voicemail_message",
                  None, "undelivered"]
TARGETS = ["borrower", "+100", "+200", "w@corp.example", "employer", "contact:K1", "contact:K2", "attorney"]
TEXTS = [None, "", "Your payment of $40 is due Friday. Reply STOP to opt out. From a debt collector.",
         "Pay now, deadbeat.", "请尽快处理您的欠款。", "Hello, please call Jordan back on 555-0100.",
         "We will sue you if unpaid.", "逾期记录将按合同约定报送征信，回复TD退订"]


def ts(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


minutes = st.one_of(st.integers(min_value=-12 * 24 * 60, max_value=3 * 24 * 60),
                    st.integers(min_value=-36 * 60, max_value=24 * 60))  # dense: caps get reached
clock = st.sampled_from(["00:00", "07:30", "08:00", "12:00", "13:00", "20:30", "21:00", "22:00", "23:00"])
span = st.fixed_dictionaries({"start": clock, "end": clock})


@st.composite
def history_item(draw, dense=False):
    when = st.integers(min_value=-2 * 24 * 60, max_value=24 * 60) if dense else minutes
    chans = ["call", "ai_call", "call", "sms", "ringless_voicemail"] if dense else CHANNELS
    item = {"at": ts(draw(when)), "channel": draw(st.sampled_from(chans)),
            "direction": draw(st.sampled_from(["outbound", "outbound", "inbound"])),
            "target": draw(st.sampled_from(TARGETS[:2] if dense else TARGETS[:7])),
            "actor": draw(st.sampled_from(["agent", "robot", "agency:X"])),
            "debt_ids": draw(st.lists(st.sampled_from(["D1", "D2"]), max_size=2, unique=True)),
            "outcome": draw(st.sampled_from(DENSE_OUTCOMES if dense else OUTCOMES))}
    return item


@st.composite
def request(draw, history=None, dense=False):
    contacts = draw(st.lists(st.fixed_dictionaries({
        "relation": st.sampled_from(["mother", "friend"]),
        "source": st.sampled_from(["registered", "phonebook"]), "refused": st.booleans(),
        "targets": st.lists(st.sampled_from(["+200", "+300"]), max_size=1)}), max_size=2))
    for i, c in enumerate(contacts):
        c["id"] = f"K{i + 1}"
    ids = {c["id"] for c in contacts}

    def fix(target):
        return target if not target.startswith("contact:") or target[8:] in ids else "borrower"

    hist = history if history is not None else draw(st.lists(history_item(dense), min_size=15 if dense else 0, max_size=40 if dense else 24))
    hist = [{**h, "target": fix(h["target"])} for h in hist]
    borrower = {
        "id": "B1", "timezones": draw(st.lists(st.sampled_from(ZONES), max_size=2, unique=True)),
        "status": draw(st.sampled_from(["reachable", "unreachable", "deceased"])),
        "civil_capacity": draw(st.sampled_from(["full", "full", "limited", "none"])),
        "flags": draw(st.lists(st.sampled_from(["mental_capacity_concern", "vulnerable", "bankruptcy",
                                                "attorney_represented", "statute_barred"]), max_size=2, unique=True)),
        "inconvenient_times": draw(st.lists(span, max_size=1)),
        "agreed_hours": draw(st.lists(span, max_size=1)),
        "consents": draw(st.lists(st.fixed_dictionaries({"channel": st.sampled_from(["sms", "email"]),
                                                         "target": st.sampled_from([None, "+100", "+200"]),
                                                         "given_at": minutes.map(ts)}), max_size=1)),
        "call_consents": draw(st.lists(st.fixed_dictionaries({"given_at": minutes.map(ts),
                                                              "until": st.one_of(st.none(), minutes.map(ts))}), max_size=1)),
        "opt_outs": draw(st.lists(st.fixed_dictionaries({"channel": st.sampled_from(CHANNELS),
                                                         "target": st.sampled_from([None, "+100", "borrower"]),
                                                         "at": minutes.map(ts)}), max_size=1)),
        "cease_requests": draw(st.lists(st.fixed_dictionaries({"received_at": minutes.map(ts),
                                                               "form": st.sampled_from(["written", "oral"])}), max_size=1)),
        "disputes": draw(st.lists(st.fixed_dictionaries({
            "received_at": minutes.map(ts), "form": st.sampled_from(["written", "oral"]),
            "within_validation_period": st.booleans(),
            "resolved_at": st.one_of(st.none(), minutes.map(ts))}), max_size=1)),
        "work_addresses": draw(st.sampled_from([[], ["w@corp.example"]])),
        "employer_forbids_contact": draw(st.booleans()),
    }
    planned = {"at": ts(draw(st.integers(min_value=0, max_value=2 * 24 * 60))),
               "channel": draw(st.sampled_from(["call", "ai_call", "sms"] if dense else CHANNELS)),
               "target": fix(draw(st.sampled_from(TARGETS[:2] if dense else TARGETS))),
               "debt_ids": draw(st.lists(st.sampled_from(["D1", "D2"]), max_size=2, unique=True)),
               "text": draw(st.sampled_from(TEXTS)),
               "purpose": draw(st.sampled_from(["collection", "reminder", "termination_notice"])),
               "visitors": draw(st.sampled_from([None, 1, 2, 3])), "first_communication": draw(st.booleans())}
    return parse_check({"policy": draw(st.sampled_from(["CN", "US", "UK"])),
                        "collector": {"kind": "agency", "name": "X", "is_law_firm": False},
                        "borrower": borrower, "contacts": contacts, "history": hist, "planned": planned})


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(request(), request(dense=True)), min_size=1, max_size=6))
def test_batch_agrees_with_single(reqs):
    by_policy: dict[str, list] = {}
    for r in reqs:
        by_policy.setdefault(r.policy, []).append(r)
    for policy, group in by_policy.items():
        frames = frames_from_requests(group)
        got = evaluate_batch(policy, *frames).to_dicts()
        for r, row in zip(group, got):
            single = evaluate(policy, r.context, r.planned)
            assert row["decision"] == single.decision, (policy, r.model_dump_json(), single, row)
            assert row["rules"] == sorted(set(single.rules)), (policy, r.model_dump_json(), single, row)


@SETTINGS
@given(request(), st.lists(history_item(), min_size=1, max_size=6))
def test_more_history_never_unblocks(req, extra):
    # Consumer-initiated texts and emails grant permissions (US-ELEC-01, US-PLACE-01), so they are the one
    # kind of history that may lift a block; every other past contact may only add blocks.
    extra = [h for h in extra if not (h["direction"] == "inbound" and h["channel"] in ("sms", "email"))]
    ids = {c.id for c in req.contacts}
    extra = [{**h, "target": h["target"] if not h["target"].startswith("contact:") or h["target"][8:] in ids
              else "borrower"} for h in extra]
    before = evaluate(req.policy, req.context, req.planned)
    data = req.model_dump(mode="json")
    data["history"] = data["history"] + extra
    more = parse_check(data)
    after = evaluate(more.policy, more.context, more.planned)
    if not before.allowed:
        assert not after.allowed, (before, after)
    assert set(before.rules) - {"US-FREQ-01", "US-FREQ-02"} <= set(after.rules) | {"US-FREQ-01", "US-FREQ-02"}


@SETTINGS
@given(request())
def test_allowed_contacts_never_fall_in_a_night_window(req):
    d = evaluate(req.policy, req.context, req.planned)
    if not d.allowed:
        return
    pol = load_policy(req.policy)
    if req.planned.channel not in pol.param("time_window", "channels"):
        return
    start = clock_seconds(pol.param("time_window", "allowed_start"))
    end = clock_seconds(pol.param("time_window", "allowed_end"))
    agreed = [(clock_seconds(s.start), clock_seconds(s.end)) for s in req.borrower.agreed_hours]
    from zoneinfo import ZoneInfo
    for name in req.borrower.timezones or pol.param("time_window", "default_timezones"):
        local = req.planned.at.astimezone(ZoneInfo(name))
        sec = local.hour * 3600 + local.minute * 60 + local.second
        assert in_span(sec, start, end) or any(in_span(sec, s, e) for s, e in agreed), (name, local)
        for s in req.borrower.inconvenient_times:
            assert not in_span(sec, clock_seconds(s.start), clock_seconds(s.end))
