"""The collection half of the daily run: plan the day's actions, pass them through the batch
compliance gate, store them (blocked ones with their rule ids, never sent), and hand the allowed
contacts to the outbox with their rendered text."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.journal.service import Event, append_many
from accord.kit.frames import bulk_insert, read_frame, reader
from accord.kit.timeutil import utcnow
from accord.strategy.models import Action
from accord.strategy.schema import CONTACT_CHANNELS, Strategy, default_strategy
from accord.strategy.service import action_ids, simulate, store_actions

GATE_TEXT_CHANNELS = ("sms", "email", "push")
QUEUED_CHANNELS = ("sms", "email", "push")


def _strategy(strategy: Strategy | None) -> Strategy:
    if strategy is not None:
        return strategy
    from accord.config import get_settings

    path = getattr(get_settings(), "strategy_file", None)
    if path:
        from accord.strategy.schema import load_strategy

        return load_strategy(path)
    return default_strategy()


def _sample_texts(planned: pl.DataFrame) -> pl.DataFrame:
    """The content check runs once per (template, language, tone, channel, policy): rendered with the
    sample context, so wording problems of a template block every contact that would use it."""
    from accord.channels import render
    from accord.channels.profile import base_context

    combos = planned.filter(pl.col("channel").is_in(list(GATE_TEXT_CHANNELS)) & pl.col("template").is_not_null()) \
        .select("template", "language", "tone", "channel", "jurisdiction").unique()
    rows = []
    for tpl, lang, tone, channel, pol in combos.iter_rows():
        try:
            text = render(tpl, lang=lang, tone=tone, channel=channel, context=base_context(lang, pol), policy=pol).text
        except Exception:  # noqa: BLE001 - a template that cannot render is blocked by the content check below
            text = None
        rows.append((tpl, lang, tone, channel, pol, text))
    return pl.DataFrame(rows, schema=["template", "language", "tone", "channel", "jurisdiction", "text"], orient="row")


def _history(session: Session, borrower_ids: list[str], as_of: date) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"borrower_id": pl.String, "at": pl.Datetime("us", "UTC"), "channel": pl.String,
                                 "direction": pl.String, "target": pl.String, "actor": pl.String,
                                 "debt_ids": pl.List(pl.String), "outcome": pl.String})
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("contact_events") or not borrower_ids:
        return empty
    since = (as_of - timedelta(days=8)).isoformat()
    with reader(session) as conn:
        # JSON as text: PostgreSQL's json arrives as an Arrow extension type Polars cannot cast.
        df = read_frame(conn, f"""SELECT borrower_id, at, channel, direction, target, actor,
                                          CAST(debt_ids AS TEXT) AS debt_ids, outcome
                                   FROM contact_events WHERE at >= '{since}'""")
    if df.height == 0:
        return empty
    at = df["at"]
    if at.dtype == pl.String:
        at = at.str.to_datetime(time_zone="UTC")
    elif at.dtype.time_zone is None:
        at = at.dt.replace_time_zone("UTC")
    return df.with_columns(at.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias("at"),
                           pl.col("debt_ids").cast(pl.String).str.json_decode(pl.List(pl.String)).alias("debt_ids")) \
        .filter(pl.col("borrower_id").is_in(borrower_ids))


def _borrowers(session: Session, acc: pl.DataFrame) -> pl.DataFrame:
    """The gate's borrower frame for the borrowers of the day's contacts: zones, holds as flags /
    cease / disputes, opt-outs and consents. Columnar: one read of their contact points, grouped into
    lists; only the few borrowers with holds are built row by row."""
    from accord.compliance.batch.frames import BORROWER_DEFAULTS

    ids = acc["borrower_id"].unique().to_list()
    b = acc.select("borrower_id", "timezone").unique("borrower_id").select(
        "borrower_id", pl.concat_list("timezone").alias("timezones"))
    facts: dict = {}
    from sqlalchemy import inspect

    if inspect(session.get_bind()).has_table("holds"):
        from accord.cases.hold_service import active_holds, gate_facts

        facts = gate_facts(active_holds(session, ids))
    rows = [{"borrower_id": bid, "flags": f.get("flags", []),
             "cease_requests": [{"received_at": _ts(c["received_at"]), "form": c["form"]}
                                for c in f.get("cease_requests", [])],
             "disputes": [{"received_at": _ts(d["received_at"]), "form": d["form"],
                           "within_validation_period": d["within_validation_period"], "resolved_at": None}
                          for d in f.get("disputes", [])]} for bid, f in facts.items()]
    held = pl.DataFrame(rows, schema={"borrower_id": pl.String, **{c: BORROWER_DEFAULTS[c][0] for c in
                                                                   ("flags", "cease_requests", "disputes")}})
    out = b.join(held, on="borrower_id", how="left").join(_contact_point_lists(session, ids), on="borrower_id",
                                                           how="left")
    # Borrowers with nothing on file get empty lists (the gate's defaults), not nulls.
    return out.with_columns(pl.col(c).fill_null(pl.lit([], dtype=BORROWER_DEFAULTS[c][0]))
                            for c in ("flags", "cease_requests", "disputes", "opt_outs", "consents"))


def _contact_point_lists(session: Session, ids: list[str]) -> pl.DataFrame:
    """Per borrower, opt-outs and consents of their contact points as the gate's list columns."""
    from accord.compliance.batch.frames import BORROWER_DEFAULTS
    from accord.kit.frames import nullable_text_sql, text_in_sql, utc_column

    schema = {"borrower_id": pl.String, "opt_outs": BORROWER_DEFAULTS["opt_outs"][0],
              "consents": BORROWER_DEFAULTS["consents"][0]}
    if not ids:
        return pl.DataFrame(schema=schema)
    d = session.get_bind().dialect.name
    with reader(session) as conn:
        cp = read_frame(conn, f"""SELECT borrower_id, kind, value, {nullable_text_sql(d, 'opted_out_at')},
                                         {nullable_text_sql(d, 'consent_at')} FROM contact_points
                                  WHERE (opted_out_at IS NOT NULL OR consent_at IS NOT NULL)
                                    AND {text_in_sql(d, 'borrower_id', ids)}""")
    if cp.height == 0:
        return pl.DataFrame(schema=schema)
    cp = cp.with_columns(utc_column(cp, "opted_out_at"), utc_column(cp, "consent_at"),
                         pl.when(pl.col("kind") == "email").then(pl.lit("email")).otherwise(pl.lit("sms"))
                         .alias("channel"), pl.col("value").alias("target"))
    opt = cp.filter(pl.col("opted_out_at").is_not_null()).group_by("borrower_id").agg(
        pl.struct("channel", "target", pl.col("opted_out_at").alias("at")).alias("opt_outs"))
    con = cp.filter(pl.col("consent_at").is_not_null()).group_by("borrower_id").agg(
        pl.struct("channel", "target", pl.col("consent_at").alias("given_at")).alias("consents"))
    return cp.select("borrower_id").unique().join(opt, on="borrower_id", how="left") \
        .join(con, on="borrower_id", how="left").cast(schema)


def _ts(v):  # noqa: ANN001, ANN202
    from accord.kit.timeutil import parse_timestamp

    return parse_timestamp(v) if isinstance(v, str) else v


def gate(session: Session, planned: pl.DataFrame, acc: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Decisions per planned contact: id, allowed, rules. Tasks (plan offers, reviews) are not contacts."""
    from accord.compliance.batch import evaluate_batch

    contacts = planned.filter(pl.col("channel").is_in(list(CONTACT_CHANNELS)))
    if contacts.height == 0:
        return pl.DataFrame(schema={"id": pl.String, "allowed": pl.Boolean, "rules": pl.List(pl.String)})
    texts = _sample_texts(contacts)
    contacts = contacts.join(texts, on=["template", "language", "tone", "channel", "jurisdiction"], how="left") \
        if texts.height else contacts.with_columns(pl.lit(None, pl.String).alias("text"))
    contacts = contacts.with_columns(action_ids(contacts, as_of))
    history = _history(session, contacts["borrower_id"].unique().to_list(), as_of)
    borrowers = _borrowers(session, acc.filter(pl.col("borrower_id").is_in(contacts["borrower_id"].unique().to_list())))
    out = []
    for pol in contacts["jurisdiction"].unique().to_list():
        part = contacts.filter(pl.col("jurisdiction") == pol)
        frame = part.select(
            "borrower_id", pl.col("scheduled_at").alias("at"), "channel",
            # The borrower's own number or address, so consents and opt-outs per address apply.
            pl.when(pl.col("channel").is_in(["sms", "call", "ai_call"]) & pl.col("phone").is_not_null())
            .then(pl.col("phone")).when((pl.col("channel") == "email") & pl.col("email").is_not_null())
            .then(pl.col("email")).otherwise(pl.lit("borrower")).alias("target"),
            pl.concat_list(pl.col("loan_id")).alias("debt_ids"),
            "text", pl.col("language").alias("lang"),
            pl.when(pl.col("bucket") == "M0").then(pl.lit("reminder")).otherwise(pl.lit("collection")).alias("purpose"),
            pl.col("id").alias("action_id"))
        dec = evaluate_batch(pol, frame, history, borrowers.filter(pl.col("borrower_id").is_in(part["borrower_id"].unique().to_list())))
        out.append(dec.select(pl.col("action_id").alias("id"), (pl.col("decision") == "allow").alias("allowed"),
                              pl.col("rules").cast(pl.List(pl.String))))
    return pl.concat(out)


def plan_and_gate(session: Session, as_of: date, strategy: Strategy | None = None) -> dict:
    from accord.strategy.accounts import count_open_accounts

    s = _strategy(strategy)
    acc, planned = simulate(session, s, as_of)
    accounts = count_open_accounts(session, as_of)
    if planned.height == 0:
        return {"accounts": accounts, "planned": 0, "blocked": 0}
    decisions = gate(session, planned, acc, as_of)
    report = store_actions(session, planned, as_of, s, decisions)
    if report.already_planned:
        return {"accounts": accounts, "already_planned": True}
    _record_decisions(session, as_of)
    _stamp_cases(session, planned, s)
    return {"accounts": accounts, "planned": report.planned, "blocked": report.blocked,
            "by_segment": report.by_segment, "by_channel": report.by_channel}


def _stamp_cases(session: Session, planned: pl.DataFrame, strategy: Strategy) -> None:
    """A case keeps the strategy and arm it was first assigned for its whole life."""
    from sqlalchemy import inspect, text

    if not inspect(session.get_bind()).has_table("cases"):
        return
    rows = planned.filter(pl.col("case_id").is_not_null()).select("case_id", "arm").unique("case_id")
    if rows.height:
        session.execute(text("UPDATE cases SET strategy = :s, arm = :a WHERE id = :i AND arm IS NULL"),
                        [{"s": strategy.name, "a": a, "i": int(c)} for c, a in rows.iter_rows()])


def _record_decisions(session: Session, as_of: date) -> None:
    """Every gate decision stored with its rule ids and journalled (in bulk: one event per action)."""
    from accord.loans.models import Borrower

    rows = session.execute(select(Action.id, Action.borrower_id, Action.loan_id, Action.channel, Action.scheduled_at,
                                  Action.status, Action.rules, Action.lang, Borrower.jurisdiction)
                           .join(Borrower, Borrower.id == Action.borrower_id).where(Action.plan_date == as_of)).all()
    contacts = [r for r in rows if r.channel in CONTACT_CHANNELS]
    now = utcnow()
    if contacts:
        from accord.compliance.policy import load_policy

        # The pack each decision was made under, with its version (overrides included).
        versions = {j: load_policy(j).version for j in {r.jurisdiction for r in contacts}}
        df = pl.DataFrame({
            "at": [now] * len(contacts), "policy": [r.jurisdiction for r in contacts],
            "policy_version": [versions[r.jurisdiction] for r in contacts],
            "decision": ["allow" if r.status == "planned" else "block" for r in contacts],
            "rules": [_json_list(r.rules) for r in contacts], "messages": ["[]"] * len(contacts),
            "action_id": [r.id for r in contacts], "borrower_id": [r.borrower_id for r in contacts],
            "channel": [r.channel for r in contacts], "planned_at": [r.scheduled_at for r in contacts]},
            schema_overrides={"at": pl.Datetime("us", "UTC"), "planned_at": pl.Datetime("us", "UTC")})
        bulk_insert(session, "gate_decisions", df)
    append_many(session, [Event("action.blocked" if r.status == "blocked" else "action.planned", actor="strategy",
                                loan_id=r.loan_id, borrower_id=r.borrower_id, subject=f"action:{r.id}",
                                payload={"action_id": r.id, "channel": r.channel, "scheduled_at": r.scheduled_at,
                                         "rules": list(r.rules or [])}) for r in rows], at=now)


def _json_list(v) -> str:  # noqa: ANN001
    import json

    return json.dumps(list(v or []))


def queue_actions(session: Session, as_of: date) -> dict:
    """Allowed contact actions of the day become outbox messages with their real text."""
    from accord.channels import render
    from accord.channels.profile import base_context
    from accord.outbox.service import enqueue

    # Texts, e-mails and pushes go to the outbox now; robot and agent calls and letters stay planned
    # work items for the dialler, the agents' queue and the letter run.
    # Plain rows, not ORM objects: 100,000 of them on a large day.
    rows = session.execute(select(Action.id, Action.loan_pk, Action.loan_id, Action.borrower_id, Action.case_id,
                                  Action.channel, Action.template, Action.tone, Action.lang, Action.target,
                                  Action.scheduled_at)
                           .where(Action.plan_date == as_of, Action.status == "planned",
                                  Action.channel.in_(list(QUEUED_CHANNELS)))).all()
    if not rows:
        return {"queued": 0}
    facts = _facts(session, [a.loan_pk for a in rows], as_of)
    items, skipped = [], 0
    bases: dict[tuple[str, str], dict] = {}  # one base context per (language, pack): it is a deep copy each call
    for a in rows:
        f = facts.get(a.loan_pk)
        if f is None or not a.target or not a.template:
            skipped += 1
            continue
        key = (a.lang, f["jurisdiction"])
        if key not in bases:
            bases[key] = base_context(*key)
        ctx = {**bases[key], **f["context"]}
        try:
            msg = render(a.template, lang=a.lang, tone=a.tone, channel=a.channel, context=ctx, policy=f["jurisdiction"])
        except Exception:  # noqa: BLE001 - a message that cannot be rendered is not sent
            skipped += 1
            continue
        items.append({"idempotency_key": a.id, "borrower_id": a.borrower_id, "loan_id": a.loan_id,
                      "case_id": a.case_id, "action_id": a.id, "channel": a.channel, "target": a.target,
                      "body": msg.text, "subject": msg.subject, "html": msg.html, "template": a.template,
                      "lang": a.lang, "not_before": a.scheduled_at})
    # The action stays "planned" while its message waits in the outbox; `accord actions list` reads
    # the message's fate (sent, or blocked by the gate at send time) from the outbox.
    enqueue(session, items, actor="batch", returning=False)
    return {"queued": len(items), "skipped": skipped}


def _facts(session: Session, loan_pks: list[int], as_of: date) -> dict:
    """Per loan, the values a message needs: name, amounts, due date, jurisdiction."""
    from accord.kit.money import fmt_minor

    pks = ",".join(str(int(p)) for p in set(loan_pks))
    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT s.loan_pk, l.id AS loan_id, b.name, b.jurisdiction, s.dpd,
                   s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue,
                   s.outstanding_principal, s.penalty
            FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk JOIN borrowers b ON b.id = l.borrower_id
            WHERE s.as_of = '{as_of.isoformat()}' AND s.loan_pk IN ({pks})""")
    out = {}
    for r in df.iter_rows(named=True):
        out[r["loan_pk"]] = {"jurisdiction": r["jurisdiction"], "context": {
            "borrower_name": r["name"], "loan_ref": r["loan_id"], "dpd": int(r["dpd"]),
            "amount_due": fmt_minor(r["overdue"]), "outstanding_balance": fmt_minor(r["outstanding_principal"]),
            "penalty_accrued": fmt_minor(r["penalty"]), "due_date": as_of - timedelta(days=int(r["dpd"]))}}
    return out
