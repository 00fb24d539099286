"""The collection half of the daily run: plan the day's actions, pass them through the batch
compliance gate, store them (blocked ones with their rule ids, never sent), and hand the allowed
contacts to the outbox with their rendered text."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
from sqlalchemy.orm import Session

from accord.kit.frames import bulk_insert, read_frame, reader
from accord.kit.timeutil import utcnow
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
    from accord.kit.frames import utc_column

    return df.with_columns(utc_column(df, "at"),
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
    _record_decisions(session, as_of, planned, decisions)
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


def _record_decisions(session: Session, as_of: date, planned: pl.DataFrame, decisions: pl.DataFrame) -> None:
    """Every gate decision stored with its rule ids and journalled (in bulk: one event per action).
    Built from the frames ``store_actions`` just wrote (same ids, statuses and rules), not read back."""
    from accord.journal.service import append_columns, object_json, payload_json, timestamp_texts

    df = planned.with_columns(action_ids(planned, as_of)).join(
        decisions.select("id", "allowed", "rules"), on="id", how="left").with_columns(
        pl.col("allowed").fill_null(True), pl.col("rules").fill_null([])).sort("id")
    # The few distinct rule lists, encoded once each: as the payload's canonical JSON and as the
    # decision row's JSON text (json.dumps, as it always was).
    distinct = df.select("rules").unique()
    lists = distinct["rules"].to_list()
    df = df.join(distinct.with_columns(pl.Series("rules_json", [payload_json(r) for r in lists], dtype=pl.String),
                                       pl.Series("rules_text", [json.dumps(r) for r in lists], dtype=pl.String)),
                 on="rules", how="left", maintain_order="left")
    now = utcnow()
    contact = df.filter(pl.col("channel").is_in(list(CONTACT_CHANNELS)))
    if contact.height:
        from accord.compliance.policy import load_policy

        # The pack each decision was made under, with its version (overrides included).
        versions = {j: load_policy(j).version for j in contact["jurisdiction"].unique().to_list()}
        bulk_insert(session, "gate_decisions", contact.select(
            pl.lit(now, pl.Datetime("us", "UTC")).alias("at"), pl.col("jurisdiction").alias("policy"),
            pl.col("jurisdiction").replace_strict(versions, return_dtype=pl.String).alias("policy_version"),
            pl.when(pl.col("allowed")).then(pl.lit("allow")).otherwise(pl.lit("block")).alias("decision"),
            pl.col("rules_text").alias("rules"), pl.lit("[]").alias("messages"), pl.col("id").alias("action_id"),
            "borrower_id", "channel",
            pl.col("scheduled_at").dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias("planned_at")))
    ids = df["id"].to_list()
    # canonical_json of {action_id, channel, rules, scheduled_at} as always; a timestamp as its
    # isoformat text, which is what canonical_json writes for one.
    write = object_json("action_id", "channel", "rules", "scheduled_at", encoded=("rules",))
    payloads = [write(i, ch, r, at) for i, ch, r, at in
                zip(ids, df["channel"].to_list(), df["rules_json"].to_list(),
                    timestamp_texts(df["scheduled_at"]).to_list(), strict=True)]
    append_columns(session, kind=["action.planned" if a else "action.blocked" for a in df["allowed"].to_list()],
                   actor="strategy", loan_id=df["loan_id"].to_list(), borrower_id=df["borrower_id"].to_list(),
                   subject=[f"action:{i}" for i in ids], payload=payloads, at=now)


# The per-loan values a message's template may use (``_facts``), filled in per loan by the renderer.
FACT_KEYS = ("borrower_name", "loan_ref", "dpd", "amount_due", "outstanding_balance", "penalty_accrued", "due_date")


def queue_actions(session: Session, as_of: date) -> dict:
    """Allowed contact actions of the day become outbox messages with their real text."""
    from accord.channels.profile import base_context
    from accord.channels.skeleton import render_texts
    from accord.outbox.service import enqueue_frame

    # Texts, e-mails and pushes go to the outbox now; robot and agent calls and letters stay planned
    # work items for the dialler, the agents' queue and the letter run. Read by column (the plan step
    # has committed): 100,000 of them on a large day.
    acts = _queued_actions(session, as_of)
    if acts.height == 0:
        return {"queued": 0}
    df = acts.join(_facts(session, acts["loan_pk"].unique().to_list(), as_of), on="loan_pk", how="left")
    ready = df.filter(pl.col("jurisdiction").is_not_null() & pl.col("target").is_not_null() & (pl.col("target") != "")
                      & pl.col("template").is_not_null() & (pl.col("template") != ""))
    combo = ["template", "lang", "tone", "channel", "jurisdiction"]
    frames, bases = [], {}  # one base context per (language, pack): it is a deep copy each call
    for (tpl, lang, tone, channel, pol), part in ready.group_by(combo, maintain_order=True):
        if (lang, pol) not in bases:
            bases[(lang, pol)] = base_context(lang, pol)
        msgs = render_texts(tpl, lang=lang, tone=tone, channel=channel, policy=pol, base=bases[(lang, pol)],
                            columns={k: part[k].to_list() for k in FACT_KEYS})
        # A message that cannot be rendered (None) is not sent.
        frames.append(part.with_columns(
            pl.Series("subject", [m and m[0] for m in msgs], dtype=pl.String),
            pl.Series("body", [m and m[1] for m in msgs], dtype=pl.String),
            pl.Series("html", [m and m[2] for m in msgs], dtype=pl.String)).filter(pl.col("body").is_not_null()))
    items = pl.concat(frames).sort("id") if frames else None
    if items is None or items.height == 0:
        return {"queued": 0, "skipped": acts.height}
    # The action stays "planned" while its message waits in the outbox; `accord actions list` reads
    # the message's fate (sent, or blocked by the gate at send time) from the outbox.
    enqueue_frame(session, items.select(
        pl.col("id").alias("idempotency_key"), "borrower_id", "loan_id", "case_id", pl.col("id").alias("action_id"),
        "channel", "target", "body", "subject", "html", "template", "lang",
        pl.col("scheduled_at").alias("not_before")), actor="batch")
    return {"queued": items.height, "skipped": acts.height - items.height}


def _queued_actions(session: Session, as_of: date) -> pl.DataFrame:
    from accord.kit.frames import nullable_text_sql, utc_column

    d = session.get_bind().dialect.name
    with reader(session) as conn:
        df = read_frame(conn, f"""SELECT id, loan_pk, loan_id, borrower_id, {nullable_text_sql(d, 'case_id')},
                                         channel, {nullable_text_sql(d, 'template')}, tone, lang,
                                         {nullable_text_sql(d, 'target')}, scheduled_at
                                  FROM actions WHERE plan_date = '{as_of.isoformat()}' AND status = 'planned'
                                    AND channel IN ({', '.join(f"'{c}'" for c in QUEUED_CHANNELS)})""")
    schema = {"id": pl.String, "loan_pk": pl.Int64, "loan_id": pl.String, "borrower_id": pl.String,
              "case_id": pl.String, "channel": pl.String, "template": pl.String, "tone": pl.String,
              "lang": pl.String, "target": pl.String, "scheduled_at": pl.Datetime("us", "UTC")}
    if df.height == 0:
        return pl.DataFrame(schema=schema)
    df = df.with_columns(utc_column(df, "scheduled_at"))
    if d == "sqlite":  # '' stood for NULL in the read (see nullable_text_sql)
        df = df.with_columns(pl.col(c).cast(pl.String).replace("", None) for c in ("case_id", "template", "target"))
    return df.cast(schema)


def _facts(session: Session, loan_pks: list[int], as_of: date) -> pl.DataFrame:
    """Per loan (``loan_pk``), its jurisdiction and the values a message needs (``FACT_KEYS``): name,
    amounts as contract text ("1050.00"), days past due and the due date they count from."""
    from accord.kit.frames import int_in_sql

    d = session.get_bind().dialect.name
    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT s.loan_pk, l.id AS loan_ref, b.name AS borrower_name, b.jurisdiction, s.dpd,
                   s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue,
                   s.outstanding_principal, s.penalty
            FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk JOIN borrowers b ON b.id = l.borrower_id
            WHERE s.as_of = '{as_of.isoformat()}' AND {int_in_sql(d, 's.loan_pk', loan_pks)}""")
    dpd = pl.col("dpd").cast(pl.Int64)
    return df.select(pl.col("loan_pk").cast(pl.Int64), pl.col("jurisdiction").cast(pl.String),
                     pl.col("borrower_name").cast(pl.String), pl.col("loan_ref").cast(pl.String), dpd.alias("dpd"),
                     minor_text("overdue").alias("amount_due"),
                     minor_text("outstanding_principal").alias("outstanding_balance"),
                     minor_text("penalty").alias("penalty_accrued"),
                     (pl.lit(as_of) - pl.duration(days=dpd)).cast(pl.Date).alias("due_date"))


def minor_text(column: str) -> pl.Expr:
    """``kit.money.fmt_minor`` by column: integer minor units as contract text ("-1050.07")."""
    m = pl.col(column).cast(pl.Int64)
    return pl.concat_str(pl.when(m < 0).then(pl.lit("-")).otherwise(pl.lit("")), (m.abs() // 100).cast(pl.String),
                         pl.lit("."), (m.abs() % 100).cast(pl.String).str.zfill(2)).alias(column)
