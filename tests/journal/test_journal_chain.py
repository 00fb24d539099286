"""The evidence journal: hash chain, tamper detection, receipts (service and CLI)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text

from accord.journal import service
from accord.kit.db import session_scope


def append_three(url: str) -> None:
    with session_scope(url) as s:
        service.append(s, "test.first", actor="alice", loan_id="L1", payload={"amount": "10.00"})
        service.append_many(s, [service.Event("test.second", {"n": 2}, "bob", borrower_id="B1"),
                                service.Event("test.third", {"名字": "张三"}, "carol", subject="case:1")])


def verify(url: str):
    with session_scope(url) as s:
        return service.verify(s)


def sql(url: str, statement: str, **params) -> None:
    with session_scope(url) as s:
        s.execute(text(statement), params)


def test_append_links_each_entry_to_the_previous(db_url):
    append_three(db_url)
    with session_scope(db_url) as s:
        entries = [s.execute(text(f"SELECT seq, prev_hash, hash FROM journal WHERE seq = {n}")).one() for n in (1, 2, 3)]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    result = verify(db_url)
    assert result.intact and result.count == 3


def test_an_empty_journal_is_intact(db_url):
    result = verify(db_url)
    assert result.intact and result.count == 0


def test_an_edited_payload_is_reported_at_its_entry(db_url):
    append_three(db_url)
    sql(db_url, "UPDATE journal SET payload = :p WHERE seq = 2", p='{"n":3}')
    result = verify(db_url)
    assert not result.intact and result.broken.seq == 2 and "altered" in result.broken.reason
    assert result.count == 1


def test_an_edited_actor_is_reported(db_url):
    append_three(db_url)
    sql(db_url, "UPDATE journal SET actor = 'mallory' WHERE seq = 3")
    assert verify(db_url).broken.seq == 3


def test_a_rehashed_entry_breaks_the_link_to_the_next(db_url):
    append_three(db_url)
    sql(db_url, "UPDATE journal SET hash = '" + "f" * 64 + "' WHERE seq = 1")
    assert verify(db_url).broken.seq == 1


def test_a_deleted_entry_is_reported_missing(db_url):
    append_three(db_url)
    sql(db_url, "DELETE FROM journal WHERE seq = 2")
    result = verify(db_url)
    assert result.broken.seq == 2 and "missing" in result.broken.reason


def test_a_deleted_first_entry_is_reported_missing(db_url):
    append_three(db_url)
    sql(db_url, "DELETE FROM journal WHERE seq = 1")
    assert verify(db_url).broken.seq == 1


def test_receipt_hash_can_be_recomputed_anywhere(db_url):
    append_three(db_url)
    with session_scope(db_url) as s:
        r = service.receipt(s, 3)
    ev = r["event"]
    content = {"seq": ev["seq"], "at": ev["at"], "actor": ev["actor"], "kind": ev["kind"], "loan_id": ev["loan_id"],
               "borrower_id": ev["borrower_id"], "subject": ev["subject"], "payload": ev["payload"],
               "prev": ev["prev_hash"]}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == r["hash"]
    assert r["head"]["seq"] == 3
    assert service.check_receipt(None, r) == []
    edited = json.loads(json.dumps(r))
    edited["event"]["payload"] = '{"名字":"李四"}'
    assert "was altered" in service.check_receipt(None, edited)[0]


def test_receipt_checked_against_a_tampered_journal(db_url):
    append_three(db_url)
    with session_scope(db_url) as s:
        r = service.receipt(s, 2)
    sql(db_url, "DELETE FROM journal WHERE seq = 2")
    with session_scope(db_url) as s:
        assert service.check_receipt(s, r) == ["event 2 is missing from the journal"]


# -- CLI ------------------------------------------------------------------------------------------

def test_cli_verify_receipt_and_tamper(db_url, accord, tmp_path):
    append_three(db_url)
    res = accord("journal", "verify", db=db_url)
    assert res.code == 0 and res.stdout.strip() == "intact: 3 entries", res
    res = accord("journal", "verify", "--format", "json", db=db_url)
    assert res.json() == {"intact": True, "count": 3, "broken_at": None, "reason": None, "receipts_checked": 0,
                          "receipt_problems": []}

    res = accord("journal", "receipt", "2", db=db_url)
    assert res.code == 0, res
    receipt = res.json()
    assert receipt["event"]["seq"] == 2 and receipt["event"]["kind"] == "test.second"
    good = tmp_path / "receipt.json"
    good.write_text(res.stdout, encoding="utf-8")
    res = accord("journal", "verify", "--receipts", str(good), db=db_url)
    assert res.code == 0 and "receipts: 1 checked, 0 problem(s)" in res.stdout, res

    receipt["event"]["actor"] = "mallory"
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(receipt), encoding="utf-8")
    res = accord("journal", "verify", "--receipts", str(bad), db=db_url)
    assert res.code == 1 and "receipt for event 2 was altered" in res.stdout, res

    sql(db_url, "UPDATE journal SET payload = :p WHERE seq = 2", p='{"n":99}')
    res = accord("journal", "verify", db=db_url)
    assert res.code == 1 and res.stdout.startswith("BROKEN at entry 2:"), res
    assert "Traceback" not in res.stderr
    res = accord("journal", "verify", "--format", "json", db=db_url)
    assert res.code == 1 and res.json()["broken_at"] == 2


def test_cli_receipt_errors(db_url, accord, tmp_path):
    res = accord("journal", "receipt", "999", db=db_url)
    assert res.code == 1 and res.stderr.strip() == "error: no journal event 999" and res.stdout == ""
    junk = tmp_path / "junk.json"
    junk.write_text("not json", encoding="utf-8")
    res = accord("journal", "verify", "--receipts", str(junk), db=db_url)
    assert res.code == 2 and "not a receipt file" in res.stderr and "Traceback" not in res.stderr
