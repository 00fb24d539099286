"""The whole daily run through the database: ledger → promises → cases → plan → gate → actions →
outbox. Resumable, idempotent, holds respected, gate blocks stored with rule ids and never queued."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from accord.batch import collection
from accord.batch.pipeline import STEPS, run_pipeline
from accord.kit.db import session_scope
from accord.simulation.service import load_demo
from accord.strategy.models import Action
from accord.strategy.schema import default_strategy
from accord.strategy.service import simulate

FIRST, DAY = date(2026, 6, 1), date(2026, 6, 2)


@pytest.fixture
def book(db_url):
    with session_scope(db_url) as s:
        load_demo(s, 1500, 5, date(2026, 6, 30))
    run_pipeline(FIRST, db_url)
    return db_url


def _count(url, model, **where):
    with session_scope(url) as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def _planned_sms(url, day):
    """What the day will send by SMS (runs the day's ledger step first, which a later run skips)."""
    run_pipeline(day, url, only_ledger=True)
    with session_scope(url) as s:
        _, planned = simulate(s, default_strategy(), day)
    return planned.filter(planned["channel"] == "sms")


def test_run_plans_gates_and_queues_and_is_idempotent(book):
    from accord.outbox.models import Message

    report = run_pipeline(DAY, book)
    assert set(report.steps) == set(STEPS[1:])  # every step after the ledger
    assert "skipped" in report.steps["scores"]  # no model registered: rule-based bands
    actions = _count(book, Action, plan_date=DAY)
    assert actions == report.steps["plan"]["planned"] + report.steps["plan"]["blocked"] > 0
    messages = _count(book, Message)
    assert messages >= report.steps["outbox"]["queued"] > 0
    from accord.cases.models import Case

    with session_scope(book) as s:  # cases that got a plan carry the strategy and the arm, for life
        stamped = s.scalars(select(Case).where(Case.arm.is_not(None))).all()
        assert stamped and all(c.strategy == "default-ladder" and c.arm in ("champion", "gentle_m1") for c in stamped)
    again = run_pipeline(DAY, book)
    assert again.ledger.already_done and again.steps == {} and set(again.skipped) == set(STEPS[1:])
    assert _count(book, Action, plan_date=DAY) == actions and _count(book, Message) == messages


def test_an_interrupted_run_resumes_at_the_unfinished_step(book, monkeypatch):
    from accord.outbox.models import Message

    def boom(*a, **k):
        raise RuntimeError("worker died")

    monkeypatch.setattr(collection, "queue_actions", boom)
    with pytest.raises(RuntimeError):
        run_pipeline(DAY, book)
    planned = _count(book, Action, plan_date=DAY)
    queued_before = _count(book, Message)
    monkeypatch.undo()
    report = run_pipeline(DAY, book)
    from accord.batch.pipeline import STEPS

    assert report.skipped == list(STEPS[1:-1]) and list(report.steps) == ["outbox"]
    assert _count(book, Action, plan_date=DAY) == planned  # nothing planned twice
    assert _count(book, Message) == queued_before + report.steps["outbox"]["queued"]


def test_no_contact_for_a_borrower_on_hold(book):
    from accord.cases.hold_service import open_hold

    sms = _planned_sms(book, DAY)
    assert sms.height > 0
    held = sms["borrower_id"][0]
    with session_scope(book) as s:
        open_hold(s, held, "cease", form="written", reason="asked us to stop", source="test")
    run_pipeline(DAY, book)
    with session_scope(book) as s:
        assert not s.scalars(select(Action).where(Action.plan_date == DAY, Action.borrower_id == held)).all()


def test_a_gate_block_is_stored_with_its_rule_and_never_queued(book):
    from accord.loans.models import ContactPoint
    from accord.outbox.models import Message

    sms = _planned_sms(book, DAY)
    target = sms.row(0, named=True)
    with session_scope(book) as s:  # the borrower opted out of texts to that number yesterday
        s.execute(update(ContactPoint).where(ContactPoint.borrower_id == target["borrower_id"],
                                             ContactPoint.kind == "mobile")
                  .values(opted_out_at=datetime.combine(DAY - timedelta(days=1), datetime.min.time()).astimezone()))
    run_pipeline(DAY, book)
    with session_scope(book) as s:
        a = s.scalars(select(Action).where(Action.plan_date == DAY, Action.borrower_id == target["borrower_id"],
                                           Action.channel == "sms")).first()
        assert a is not None and a.status == "blocked" and a.rules
        from accord.compliance.models import GateDecisionRecord
        from accord.compliance.policy import load_policy

        rec = s.scalars(select(GateDecisionRecord).where(GateDecisionRecord.action_id == a.id)).one()
        assert (rec.decision, rec.rules) == ("block", list(a.rules))
        assert rec.policy == target["jurisdiction"] and rec.policy_version == load_policy(rec.policy).version
        assert s.scalar(select(func.count()).select_from(Message).where(Message.action_id == a.id)) == 0


def test_actions_list_contract(book, accord):
    run_pipeline(DAY, book)
    res = accord("actions", "list", "--date", DAY.isoformat(), "--format", "json", db=book)
    assert res.code == 0, res
    rows = res.json()
    assert rows
    for r in rows:
        assert set(r) == {"action_id", "loan_id", "borrower_id", "case_id", "channel", "template", "lang",
                          "scheduled_at", "status", "rules", "strategy"}
        assert r["status"] in ("planned", "sent", "blocked")
        assert datetime.fromisoformat(r["scheduled_at"]).utcoffset() is not None
        assert (r["status"] == "blocked") == bool(r["rules"])
    blocked = accord("actions", "list", "--date", DAY.isoformat(), "--status", "blocked", "--format", "json", db=book)
    assert all(r["status"] == "blocked" for r in blocked.json())
    bad = accord("actions", "list", "--date", "yesterday", db=book)
    assert bad.code == 2 and "Traceback" not in bad.stderr


def test_the_plan_reads_only_reachable_accounts_and_plans_what_the_whole_book_would(book):
    """simulate() reads delinquent accounts and those due within the pre-due ladder's reach; the
    accounts a ladder day selects are exactly those of the whole-book frame."""
    import polars as pl

    from accord.strategy.accounts import count_open_accounts, load_accounts

    run_pipeline(DAY, book, only_ledger=True)
    strategy = default_strategy()
    days = sorted({st.day for steps in strategy.ladders.values() for st in steps})
    ahead = max(-d for d in days if d < 0)
    on_a_ladder_day = pl.when(pl.col("bucket") == "M0").then(-pl.col("pre_due_days")) \
        .otherwise(pl.col("days_in_bucket")).is_in(days)
    with session_scope(book) as s:
        whole = load_accounts(s, DAY)
        reach = load_accounts(s, DAY, pre_due_within=ahead)
        assert count_open_accounts(s, DAY) == whole.height
        _, planned = simulate(s, strategy, DAY)
    assert 0 < reach.height < whole.height
    assert reach.filter(on_a_ladder_day).sort("loan_pk").equals(whole.filter(on_a_ladder_day).sort("loan_pk"))
    assert planned.height > 0 and set(planned["loan_pk"]) <= set(reach["loan_pk"])


def test_strategy_simulate_cli_reports_the_whole_book_and_the_days_plan(book, accord):
    """`accord strategy simulate --format json`: accounts = open loans in the day's snapshot (not only
    the reachable ones the planner reads), planned = what simulate() plans."""
    from accord.strategy.accounts import count_open_accounts

    run_pipeline(DAY, book, only_ledger=True)
    r = accord("strategy", "simulate", "--as-of", DAY.isoformat(), "--format", "json", db=book)
    assert r.code == 0, r.stderr
    out = r.json()
    with session_scope(book) as s:
        _, planned = simulate(s, default_strategy(), DAY)
        assert out["accounts"] == count_open_accounts(s, DAY) > 0
    assert out["planned"] == planned.height > 0
    assert sum(row["actions"] for row in out["by_segment"]) == planned.height
