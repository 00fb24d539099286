"""`accord case export` from the outside: a complete, verifiable case file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from cases_helpers import borrower, loan, make_book, pay  # noqa: E402
from fixtures.book import run  # noqa: E402

NID = "110101199001011234"


@pytest.fixture
def case(db_url, tmp_path, accord):
    make_book(db_url, tmp_path / "book", loans=[loan("L1"), loan("L9", borrower_id="B2")],
              payments=[pay("P1", "L1", "2026-02-15", "1100.16"), pay("P2", "L1", "2026-03-20", "300.00")],
              borrowers=[borrower("B1", national_id=NID, phone="+8613800001111", email="zhang@example.cn"),
                         borrower("B2", name="Other Person")])
    run(db_url, "2026-03-20")
    assert accord("case", "sync", "--as-of", "2026-03-20", db=db_url).code == 0
    (c,) = [x for x in accord("case", "list", "--format", "json", db=db_url).json() if x["loan_id"] == "L1"]
    res = accord("promise", "record", "--loan", "L1", "--amount", "500", "--due", "2026-03-25", "--channel", "call",
                 "--at", "2026-03-20T10:00:00+08:00", "--by", "agent:A1", db=db_url)
    assert res.code == 0, res
    res = accord("dispute", "open", "--borrower", "B1", "--loan", "L1", "--type", "wrong_amount", "--form", "written",
                 "--channel", "email", "--received-at", "2026-03-20T11:00:00+08:00", "--format", "json", db=db_url)
    assert res.code == 0, res
    return db_url, c["case_id"]


def _zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_export_holds_every_part_and_verifies(accord, case, tmp_path):
    db, case_id = case
    out = tmp_path / "file.zip"
    res = accord("case", "export", str(case_id), "--out", str(out), "--lang", "en", "--format", "json", db=db)
    assert res.code == 0, res
    files = _zip(out)
    for name in ("manifest.json", "case.json", "loan.json", "borrower.json", "schedule.csv", "ledger.csv",
                 "payments.csv", "contacts.json", "promises.json", "disputes.json", "holds.json", "summary.pdf"):
        assert name in files, name
    manifest = json.loads(files["manifest.json"])
    # Every file is listed with its hash, and the hashes are right.
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    assert all(hashlib.sha256(files[n]).hexdigest() == h for n, h in manifest["files"].items())
    assert files["summary.pdf"].startswith(b"%PDF")
    # Payments and the ledger in decimal money; only this loan's rows.
    payments = list(csv.DictReader(io.StringIO(files["payments.csv"].decode())))
    assert [(p["id"], p["amount_minor"]) for p in payments] == [("P1", "1100.16"), ("P2", "300.00")]
    ledger = list(csv.DictReader(io.StringIO(files["ledger.csv"].decode())))
    assert ledger and all(r["loan_pk"] == payments[0]["loan_pk"] for r in ledger)
    assert sum(1 for r in ledger if r["payment_id"] == "P1") >= 1
    promises = json.loads(files["promises.json"])
    assert promises[0]["amount_minor"] == "500.00"
    contacts = json.loads(files["contacts.json"])
    assert any(n["template"] == "promise_confirmation" for n in contacts["notices"])
    # Masked by default: no ID number or phone in clear anywhere in the file.
    blob = b"".join(files.values())
    assert NID.encode() not in blob and b"13800001111" not in blob
    assert json.loads(files["borrower.json"])[0]["national_id"] == "1101**********1234"
    # The receipts check out against the journal, and cover the loan's events.
    receipts = [n for n in files if n.startswith("receipts/")]
    kinds = {json.loads(files[n])["event"]["kind"] for n in receipts}
    assert {"promise.recorded", "dispute.opened", "case.opened"} <= kinds
    assert all(json.loads(files[n])["event"]["loan_id"] in ("L1", None) for n in receipts)
    res = accord("journal", "verify", "--receipts", str(out), "--format", "json", db=db)
    assert res.code == 0, res
    assert res.json()["receipts_checked"] == len(receipts) and res.json()["receipt_problems"] == []
    # The export itself is journalled.
    shown = accord("case", "show", str(case_id), "--format", "json", db=db).json()
    assert "case.exported" in {i["kind"] for i in shown["timeline"]}


def test_a_tampered_receipt_is_caught(accord, case, tmp_path):
    db, case_id = case
    out = tmp_path / "file.zip"
    assert accord("case", "export", str(case_id), "--out", str(out), "--lang", "en", db=db).code == 0
    files = _zip(out)
    name = next(n for n in files if n.startswith("receipts/") and b"promise.recorded" in files[n])
    data = json.loads(files[name])
    data["event"]["payload"] = data["event"]["payload"].replace("500.00", "50.00")
    files[name] = json.dumps(data).encode()
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in files.items():
            z.writestr(n, b)
    res = accord("journal", "verify", "--receipts", str(bad), "--format", "json", db=db)
    assert res.code != 0
    assert any("altered" in p for p in res.json()["receipt_problems"])


def test_full_identity_and_chinese_summary(accord, case, tmp_path):
    from accord.channels.adapters.fonts import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    db, case_id = case
    out = tmp_path / "court.zip"
    res = accord("case", "export", str(case_id), "--out", str(out), "--identity", "full", "--format", "json", db=db)
    assert res.code == 0, res
    files = _zip(out)
    assert json.loads(files["manifest.json"])["language"] == "zh"  # the borrower's language
    assert json.loads(files["borrower.json"])[0]["national_id"] == NID
    summary = files["summary.txt"].decode()
    assert "案件证据包摘要" in summary and "张三" in summary and NID in summary
    assert files["summary.pdf"].startswith(b"%PDF")


@pytest.mark.parametrize("args,code,message", [
    (["999", "--out", "x.zip"], 1, "no case 999"),
    (["1", "--out", "x.zip", "--identity", "everything"], 2, "--identity"),
    (["1", "--out", "x.zip", "--lang", "fr"], 2, "--lang"),
])
def test_bad_requests_are_refused(accord, case, tmp_path, args, code, message):
    db, _ = case
    res = accord("case", "export", *args, db=db)
    assert res.code == code and message in res.stderr, res
    assert not (tmp_path / "x.zip").exists()


def test_arrangements_legal_steps_and_write_off_are_in_the_file(accord, case, tmp_path):
    db, case_id = case
    on = ("--on", "2026-03-20")
    r = accord("arrangement", "propose", "L1", "--option", "1", "--income", "8000", "--expenses", "3000", *on,
               "--by", "agent:A1", "--format", "json", db=db)
    assert r.code == 0, r
    assert accord("arrangement", "accept", str(r.json()["arrangement_id"]), *on, db=db).code == 0
    r = accord("legal", "open", str(case_id), "--track", "mediation", "--mediator", "人民调解委员会", *on, db=db)
    assert r.code == 0, r
    out = tmp_path / "file.zip"
    assert accord("case", "export", str(case_id), "--out", str(out), "--lang", "en", db=db).code == 0
    files = _zip(out)
    arrangements, legal = json.loads(files["arrangements.json"]), json.loads(files["legal.json"])
    assert len(arrangements) == 1 and arrangements[0]["loan_id"] == "L1"
    assert len(legal) == 1 and "mediation" in json.dumps(legal)
    assert json.loads(files["placements.json"]) == [] and json.loads(files["writeoffs.json"]) == []
    ledger = list(csv.DictReader(io.StringIO(files["ledger.csv"].decode())))
    assert {"restructure"} <= {r["kind"] for r in ledger}
    summary = files["summary.txt"].decode()
    assert "Arrangements: 1 record(s)" in summary and "Mediation and legal: 1 record(s)" in summary
    kinds = {json.loads(files[n])["event"]["kind"] for n in files if n.startswith("receipts/")}
    assert any(k.startswith("arrangement.") for k in kinds) and any(k.startswith("legal.") for k in kinds)
    assert accord("journal", "verify", "--receipts", str(out), db=db).code == 0
