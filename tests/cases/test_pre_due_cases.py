"""Pre-due cases through `accord run`: an account whose next installment is at risk gets a case (stage
pre_due, bucket M0) a few days before the due date and the pre-due reminder; the case closes when the
installment is paid, or — unpaid — continues as the M1 case (no second case)."""

from __future__ import annotations

from fixtures.book import borrower, installments, loan, payment, write_book

DUE = "2026-05-15"


def _amount(inst: dict) -> str:
    minor = inst["principal_due"] + inst["interest_due"] + inst["fee_due"]
    return f"{minor // 100}.{minor % 100:02d}"


def _book(accord, db_url, tmp_path):
    """B1 paid 2 of its last 3 installments late; B2 always on time; B3 on time but has paid part of
    the installment due on 05-15 in advance (a partial payment). Nobody pays that installment unless a
    test says so."""
    people = [borrower(b, phone=f"+861380000000{i}") for i, b in enumerate(("B1", "B2", "B3"), start=1)]
    loans = [loan("L1"), loan("L2", borrower_id="B2"), loan("L3", borrower_id="B3")]
    write_book(tmp_path / "book", borrowers=people, loans=loans)
    assert accord("import", str(tmp_path / "book"), db=db_url).code == 0
    inst = installments(db_url, "L2")
    amt = [_amount(i) for i in inst]
    due = [i["due_on"].isoformat() for i in inst]
    pays = [payment("P11", "L1", "2026-02-20T10:00:00+08:00", "1150.00"),
            payment("P12", "L1", "2026-03-22T10:00:00+08:00", "1150.00"),
            payment("P13", "L1", "2026-04-15T10:00:00+08:00", amt[2])]
    pays += [payment(f"P2{k}", "L2", f"{due[k]}T09:00:00+08:00", amt[k]) for k in range(3)]
    pays += [payment(f"P3{k}", "L3", f"{due[k]}T09:00:00+08:00", amt[k]) for k in range(3)]
    pays.append(payment("P3P", "L3", "2026-05-10T09:00:00+08:00", "300.00"))
    write_book(tmp_path / "pays", payments=pays)
    assert accord("import", str(tmp_path / "pays"), db=db_url).code == 0
    return amt


def _cases(accord, db_url) -> dict:
    r = accord("case", "list", "--status", "all", "--format", "json", db=db_url)
    assert r.code == 0, r
    out: dict = {}
    for c in r.json():
        out.setdefault(c["loan_id"], []).append(c)
    return out


def _run(accord, db_url, day):
    r = accord("run", "--as-of", day, "--format", "json", db=db_url)
    assert r.code == 0, r
    return r.json()


def test_at_risk_accounts_get_a_pre_due_case_and_the_pre_due_reminder(accord, db_url, tmp_path):
    amt = _book(accord, db_url, tmp_path)
    rep = _run(accord, db_url, "2026-05-11")  # four days before: outside the 3-day window
    assert rep["steps"]["cases"]["opened"] == 0
    rep = _run(accord, db_url, "2026-05-12")
    assert rep["steps"]["cases"]["opened_pre_due"] == 2
    cases = _cases(accord, db_url)
    assert set(cases) == {"L1", "L3"}  # B2's history is clean: no case
    for lid in ("L1", "L3"):
        (c,) = cases[lid]
        assert (c["stage"], c["bucket"], c["dpd"], c["status"], c["opened_on"]) == ("pre_due", "M0", 0, "open",
                                                                                     "2026-05-12")
    acts = accord("actions", "list", "--date", "2026-05-12", "--format", "json", db=db_url).json()
    pre = [a for a in acts if a["template"] == "pre_due_reminder"]
    assert {a["loan_id"] for a in pre} == {"L1", "L3"} and {a["channel"] for a in pre} == {"sms"}
    assert all(a["case_id"] == str(cases[a["loan_id"]][0]["case_id"]) for a in pre)

    # B3 pays the rest before the due date: its pre-due case closes as paid; B1 does not pay.
    write_book(tmp_path / "rest", payments=[payment("P3R", "L3", "2026-05-13T09:00:00+08:00", amt[3])])
    assert accord("import", str(tmp_path / "rest"), db=db_url).code == 0
    _run(accord, db_url, "2026-05-14")
    cases = _cases(accord, db_url)
    (l3,) = cases["L3"]
    assert (l3["status"], l3["close_reason"]) == ("closed", "paid")
    push = accord("actions", "list", "--date", "2026-05-14", "--format", "json", db=db_url).json()
    assert [(a["loan_id"], a["channel"]) for a in push if a["template"] == "pre_due_reminder"] == [("L1", "push")]

    # Unpaid on the due date: the same case continues as the M1 case, and M1's ladder takes over.
    _run(accord, db_url, "2026-05-16")
    cases = _cases(accord, db_url)
    (l1,) = cases["L1"]
    assert (l1["stage"], l1["bucket"], l1["dpd"], l1["status"], l1["opened_on"]) == ("M1", "M1", 1, "open",
                                                                                     "2026-05-12")
    m1 = accord("actions", "list", "--date", "2026-05-16", "--format", "json", db=db_url).json()
    assert {a["case_id"] for a in m1 if a["loan_id"] == "L1"} == {str(l1["case_id"])}
    # B2 (clean history) did not pay either: an ordinary M1 case from the first day past due.
    assert [(c["stage"], c["opened_on"]) for c in cases["L2"]] == [("M1", "2026-05-16")]


def test_pre_due_policy_days_and_rule_come_from_the_policy_file(accord, db_url, tmp_path):
    _book(accord, db_url, tmp_path)
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "pre_due.yaml").write_text("days_before: 5\nthreshold: 0.5\nrule: {last_installments: 3, "
                                         "late_of_last: 2, partial_payment: false}\n")
    env = {"ACCORD_CASES_POLICY_DIR": str(policy)}
    r = accord("run", "--as-of", "2026-05-10", "--format", "json", db=db_url, env=env)
    assert r.code == 0, r
    cases = _cases(accord, db_url)
    # Five days ahead now counts; the partial payment alone no longer makes B3 at risk.
    assert set(cases) == {"L1"} and cases["L1"][0]["stage"] == "pre_due"
