"""Legal matters through the service: holds by policy, the case's stage, steps with amounts and
documents, journal events, refusals, and the case-file section."""

from __future__ import annotations

import json
from datetime import date

import pytest

from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from accord.legal import service
from fixtures.book import rows
from legal_helpers import DAY, two_loan_book


@pytest.fixture
def cases(db_url, tmp_path):
    return two_loan_book(db_url, tmp_path / "book")


def _hold(url, source):
    return rows(url, "SELECT kind, loan_id, released_at FROM holds WHERE source = :s", s=source)


def _stage(url, case_id):
    return rows(url, "SELECT stage, bucket FROM cases WHERE id = :i", i=case_id)[0]


def test_cn_mediation_holds_the_loan_and_sets_the_stage_until_agreement(db_url, cases, tmp_path):
    doc = tmp_path / "申请书.pdf"
    doc.write_bytes(b"%PDF-1.4 mediation request")
    with session_scope(db_url) as s:
        r = service.open_matter(s, cases["L1"], "mediation", on=DAY, forum="深圳市金融纠纷调解中心",
                                claim_minor=1_250_000, documents=[doc], evidence=tmp_path / "ev", actor="agent:A1")
        mid = r.matter.id
        assert r.matter.state == "requested" and r.hold_id is not None
    assert _hold(db_url, f"legal:{mid}") == [{"kind": "legal", "loan_id": "L1", "released_at": None}]
    assert _stage(db_url, cases["L1"])["stage"] == "legal" and _stage(db_url, cases["L2"])["stage"] == "M1"
    with session_scope(db_url) as s:
        service.record_step(s, mid, "accepted", on=date(2026, 3, 20), case_number="(2026)粤0304调123号")
        done = service.record_step(s, mid, "agreement", on=date(2026, 4, 2), amount_minor=1_100_000,
                                   note="instalments over 6 months")
        assert done.matter.status == "closed" and done.hold_id is not None
    assert _hold(db_url, f"legal:{mid}")[0]["released_at"] is not None
    assert _stage(db_url, cases["L1"]) == {"stage": "M1", "bucket": "M1"}
    with session_scope(db_url) as s:
        shown = service.show_matter(s, mid)
    assert shown["case_number"] == "(2026)粤0304调123号" and shown["claim"] == "12500.00"
    assert [(x["seq"], x["kind"], x["from_state"]) for x in shown["steps"]] == [
        (1, "requested", None), (2, "accepted", "requested"), (3, "agreement", "accepted")]
    assert shown["steps"][0]["documents"][0]["name"] == "申请书.pdf"
    sha = shown["steps"][0]["documents"][0]["sha256"]
    assert (tmp_path / "ev" / sha[:2] / sha).read_bytes() == doc.read_bytes()
    events = rows(db_url, "SELECT kind, payload FROM journal WHERE subject = :s ORDER BY seq", s=f"legal:{mid}")
    assert [e["kind"] for e in events] == ["legal.opened", "legal.step", "legal.closed"]
    assert json.loads(events[0]["payload"])["documents"] == [sha]
    assert json.loads(events[2]["payload"])["amount"] == "11000.00"
    with session_scope(db_url) as s, pytest.raises(ProblemError, match="is closed \\(mediation agreement"):
        service.record_step(s, mid, "failed", on=date(2026, 4, 3))


def test_lawsuit_with_preservation_judgment_and_enforcement(db_url, cases):
    with session_scope(db_url) as s:
        mid = service.open_matter(s, cases["L2"], "lawsuit", on=DAY, forum="杭州互联网法院", claim_minor=1_300_000).matter.id
        service.record_step(s, mid, "preservation", on=DAY, amount_minor=1_300_000, note="bank account frozen")
        service.record_step(s, mid, "accepted", on=date(2026, 3, 25), case_number="(2026)浙0192民初456号")
        service.record_step(s, mid, "judgment", on=date(2026, 5, 10), amount_minor=1_280_000)
        m = service.record_step(s, mid, "enforcement", on=date(2026, 6, 15)).matter
        assert (m.state, m.status, m.judgment_minor) == ("enforcement", "open", 1_280_000)
        with pytest.raises(ProblemError, match="allowed next: concluded, preservation"):
            service.record_step(s, mid, "hearing", on=date(2026, 6, 16))
        service.record_step(s, mid, "concluded", on=date(2026, 8, 1))
    with session_scope(db_url) as s:
        shown = service.show_matter(s, mid)
    assert shown["state"] == "concluded" and shown["judgment"] == "12800.00" and shown["closed_on"] == "2026-08-01"
    assert [x["kind"] for x in shown["steps"]] == ["filed", "preservation", "accepted", "judgment", "enforcement",
                                                  "concluded"]
    assert shown["steps"][1]["to_state"] == "filed"  # preservation leaves the state as it was


def test_policy_decides_whether_contacts_stop(db_url, tmp_path, monkeypatch):
    cases = two_loan_book(db_url, tmp_path / "book", jurisdiction="US", timezone="America/New_York")
    with session_scope(db_url) as s:  # default policy: US mediation does not stop contacts, a lawsuit does
        med = service.open_matter(s, cases["L1"], "mediation", on=DAY)
        law = service.open_matter(s, cases["L2"], "lawsuit", on=DAY)
        assert med.hold_id is None and law.hold_id is not None
    policy = tmp_path / "legal.yaml"
    policy.write_text("contacts_stop:\n  default: {lawsuit: true, mediation: true}\n  US: {lawsuit: false}\n")
    monkeypatch.setenv("ACCORD_LEGAL_POLICY_FILE", str(policy))
    with session_scope(db_url) as s:
        assert service.open_matter(s, cases["L1"], "lawsuit", on=DAY).hold_id is None
    bad = tmp_path / "bad.yaml"
    bad.write_text("contacts_stop:\n  default: {lawsuit: maybe}\n")
    monkeypatch.setenv("ACCORD_LEGAL_POLICY_FILE", str(bad))
    with session_scope(db_url) as s, pytest.raises(InputError, match="must map tracks"):
        service.open_matter(s, cases["L2"], "mediation", on=DAY)


def test_refusals(db_url, cases):
    with session_scope(db_url) as s:
        with pytest.raises(InputError, match="track 'arbitration' is not one of mediation, lawsuit"):
            service.open_matter(s, cases["L1"], "arbitration", on=DAY)
        with pytest.raises(ProblemError, match="no case 999"):
            service.open_matter(s, 999, "lawsuit", on=DAY)
        first = service.open_matter(s, cases["L1"], "lawsuit", on=DAY).matter.id
        with pytest.raises(ProblemError, match=f"already has an open lawsuit \\(matter {first}, filed\\)"):
            service.open_matter(s, cases["L1"], "lawsuit", on=DAY)
        with pytest.raises(ProblemError, match="no legal matter 999"):
            service.record_step(s, 999, "accepted", on=DAY)
        with pytest.raises(InputError, match="before the previous step"):
            service.record_step(s, first, "accepted", on=date(2026, 3, 1))
    from accord.cases.service import close_case

    with session_scope(db_url) as s:
        close_case(s, cases["L2"], "settled", actor="t", on=DAY)
    with session_scope(db_url) as s, pytest.raises(ProblemError, match="is closed \\(settled"):
        service.open_matter(s, cases["L2"], "mediation", on=DAY)


def test_mediation_and_lawsuit_together_restore_the_stage_after_both(db_url, cases):
    with session_scope(db_url) as s:
        med = service.open_matter(s, cases["L1"], "mediation", on=DAY).matter.id
        law = service.open_matter(s, cases["L1"], "lawsuit", on=DAY).matter.id
        service.record_step(s, med, "failed", on=DAY)
    assert _stage(db_url, cases["L1"])["stage"] == "legal"
    assert [h["released_at"] is None for h in _hold(db_url, f"legal:{law}")] == [True]
    with session_scope(db_url) as s:
        service.record_step(s, law, "withdrawn", on=DAY)
    assert _stage(db_url, cases["L1"])["stage"] == "M1"


def test_case_file_section(db_url, cases):
    with session_scope(db_url) as s:
        assert service.case_file_section(s, "L1") == []
        a = service.open_matter(s, cases["L1"], "mediation", on=DAY).matter.id
        service.record_step(s, a, "failed", on=DAY)
        b = service.open_matter(s, cases["L1"], "lawsuit", on=DAY, claim_minor=100).matter.id
    with session_scope(db_url) as s:
        section = service.case_file_section(s, "L1")
    assert [(m["matter_id"], m["track"], m["state"], len(m["steps"])) for m in section] == [
        (a, "mediation", "failed", 2), (b, "lawsuit", "filed", 1)]
    assert section[1]["claim"] == "1.00" and all("documents" in st for m in section for st in m["steps"])
