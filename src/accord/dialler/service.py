"""Dialler integration (外呼系统对接): the day's call actions handed to a predictive or robot dialler,
and the outcomes it reports brought back.

``export_calls`` re-runs the batch compliance gate on the day's planned calls (a hold, dispute or
opt-out may have arrived since the plan was made; a call outcome may have used up the frequency) and
returns the callable ones with the number (full for the dialler, masked for an agent's screen), the
calling window in the borrower's own zone and a priority (1 = first, by expected value).
``import_outcomes`` validates every row first (file, row and field named; nothing written when any is
bad), then records each outcome as a contact event, idempotent by action id. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agents.service import CALL_OUTCOMES
from accord.journal.service import Event, append, append_many
from accord.kit.errors import InputError, RowError, ValidationFailed
from accord.kit.timeutil import utcnow

CALL_CHANNELS = ("call", "ai_call")
ROLES = {"dialler": True, "supervisor": True, "agent": False}  # role -> sees the full number
EXPORT_COLUMNS = ("action_id", "loan_id", "borrower_id", "channel", "number", "lang", "timezone", "window_start",
                  "window_end", "priority")
IMPORT_COLUMNS = ("action_id", "outcome", "at")  # required; optional: talk_seconds, agent_id


@dataclass
class Export:
    rows: list[dict]
    blocked: dict = field(default_factory=dict)  # action id -> rule ids


def _calls(session: Session, day: date) -> pl.DataFrame:
    from accord.kit.frames import read_frame, reader

    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT a.id, a.loan_id, a.borrower_id, a.channel, a.template, a.tone, a.lang AS language, a.ladder,
                   a.step, a.scheduled_at, a.timezone, b.phone, b.email, b.jurisdiction, s.bucket, s.dpd,
                   s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue_minor
            FROM actions a JOIN borrowers b ON b.id = a.borrower_id
            JOIN loans l ON l.id = a.loan_id
            LEFT JOIN delinquency_snapshots s ON s.loan_pk = l.pk AND s.as_of = a.plan_date
            WHERE a.plan_date = '{day.isoformat()}' AND a.status = 'planned'
              AND a.channel IN ('call', 'ai_call')""")
    if df.height == 0:
        return df
    from accord.dialler.models import DiallerResult

    done = set(session.scalars(select(DiallerResult.action_id).where(DiallerResult.action_id.in_(df["id"].to_list()))))
    at = df["scheduled_at"]
    if at.dtype == pl.String:
        at = at.str.to_datetime(time_zone="UTC")
    elif getattr(at.dtype, "time_zone", None) is None:
        at = at.dt.replace_time_zone("UTC")
    return df.with_columns(at.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias("scheduled_at")).filter(
        ~pl.col("id").is_in(list(done)))


def export_calls(session: Session, day: date, role: str = "dialler", actor: str = "dialler") -> Export:
    """The day's callable call actions, gate re-checked now, ordered by priority."""
    from accord.agents.masking import mask_phone
    from accord.agents.ranking import expected_value
    from accord.batch.collection import gate
    from accord.strategy.schedule import Window

    if role not in ROLES:
        raise InputError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    calls = _calls(session, day)
    if calls.height == 0:
        return Export([])
    dec = gate(session, calls.drop("id"), calls.select("borrower_id", "timezone"), day)
    calls = calls.join(dec, on="id", how="left").with_columns(pl.col("allowed").fill_null(True))
    calls = _held(session, calls)
    blocked = {i: list(r or []) for i, r in calls.filter(~pl.col("allowed")).select("id", "rules").iter_rows()}
    ok = calls.filter(pl.col("allowed")).with_columns(
        pl.when(pl.col("dpd").fill_null(0) > 30).then(pl.lit("high")).otherwise(pl.lit("medium")).alias("score_band"),
        pl.col("overdue_minor").fill_null(0))
    ok = expected_value(ok).sort(["ev", "id"], descending=[True, False]).with_row_index("priority", offset=1)
    end = Window().end
    full = ROLES[role]
    rows = []
    for r in ok.iter_rows(named=True):
        tz = ZoneInfo(r["timezone"])
        start = r["scheduled_at"].astimezone(tz)
        stop = datetime.combine(day, time(end // 60, end % 60), tzinfo=tz)
        rows.append({"action_id": r["id"], "loan_id": r["loan_id"], "borrower_id": r["borrower_id"],
                     "channel": r["channel"], "number": r["phone"] if full else mask_phone(r["phone"]),
                     "lang": r["language"], "timezone": r["timezone"], "window_start": start.isoformat(),
                     "window_end": max(stop, start).isoformat(), "priority": int(r["priority"])})
    append(session, "dialler.exported", actor=actor, subject=f"dialler:{day.isoformat()}",
           payload={"date": day.isoformat(), "role": role, "exported": len(rows), "blocked": blocked})
    return Export(rows, blocked)


def _held(session: Session, calls: pl.DataFrame) -> pl.DataFrame:
    """Holds the gate has no field for (legal, opt-out, ...) stop a call too, as they stop the plan:
    a hold without a loan covers all the borrower's loans, one with a loan only that loan."""
    from accord.cases.service import active_holds

    holds = active_holds(session, calls["borrower_id"].unique().to_list())
    if holds.height == 0:
        return calls
    wide = holds.filter(pl.col("loan_id").is_null()).group_by("borrower_id").agg(pl.col("kind").alias("_k1"))
    one = holds.filter(pl.col("loan_id").is_not_null()).group_by("loan_id").agg(pl.col("kind").alias("_k2"))
    calls = calls.join(wide, on="borrower_id", how="left").join(one, on="loan_id", how="left")
    kinds = pl.concat_list(pl.col("_k1").fill_null([]), pl.col("_k2").fill_null([])).list.unique().list.sort()
    held = kinds.list.len() > 0
    return calls.with_columns(
        (pl.col("allowed") & ~held).alias("allowed"),
        pl.when(held).then(pl.concat_list(pl.col("rules").fill_null([]),
                                          kinds.list.eval(pl.format("HOLD:{}", pl.element()))))
        .otherwise(pl.col("rules")).alias("rules")).drop("_k1", "_k2")


def write_export(rows: list[dict], path) -> None:  # noqa: ANN001
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        import json

        p.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix == ".csv":
        pl.DataFrame(rows, schema={c: (pl.Int64 if c == "priority" else pl.String) for c in EXPORT_COLUMNS},
                     orient="row").write_csv(p)
    else:
        raise InputError(f"--out {p}: use a .csv or .json file name")


def read_outcomes(path) -> list[dict]:  # noqa: ANN001
    """Rows of a dialler's outcome file (CSV or JSON list of objects), all values as text."""
    import json
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise InputError(f"{p}: expected a JSON list of objects")
        rows = [{k: None if v is None else str(v) for k, v in x.items()} for x in data]
        cols = set().union(*(r.keys() for r in rows)) if rows else set(IMPORT_COLUMNS)
    elif p.suffix.lower() == ".csv":
        try:
            df = pl.read_csv(p, infer_schema=False)
        except Exception as exc:  # noqa: BLE001 - any unreadable CSV is unusable input
            raise InputError(f"{p}: not a readable CSV file ({exc})") from exc
        rows, cols = df.to_dicts(), set(df.columns)
    else:
        raise InputError(f"{p}: use a .csv or .json file")
    missing = [c for c in IMPORT_COLUMNS if c not in cols]
    if missing:
        raise InputError(f"{p}: missing column(s) {', '.join(missing)} (need {', '.join(IMPORT_COLUMNS)})")
    return rows


@dataclass
class Imported:
    recorded: int = 0
    already: int = 0
    by_outcome: dict = field(default_factory=dict)


def import_outcomes(session: Session, path, actor: str = "dialler") -> Imported:  # noqa: ANN001
    """Record a dialler's call outcomes; every bad row is reported (file, row, field) and then nothing
    is written. A row already imported with the same outcome and time is skipped."""
    from pathlib import Path

    from accord.dialler.models import DiallerResult
    from accord.kit.timeutil import parse_timestamp
    from accord.loans.models import Borrower
    from accord.outbox.models import ContactEvent
    from accord.strategy.models import Action

    name = Path(path).name
    rows = read_outcomes(path)
    ids = sorted({(r.get("action_id") or "").strip() for r in rows} - {""})
    actions = {a.id: a for i in range(0, len(ids), 5000)
               for a in session.scalars(select(Action).where(Action.id.in_(ids[i:i + 5000])))}
    done = {d.action_id: d for i in range(0, len(ids), 5000)
            for d in session.scalars(select(DiallerResult).where(DiallerResult.action_id.in_(ids[i:i + 5000])))}
    errors: list[RowError] = []
    good: list[tuple[int, Action, str, datetime, int | None, str | None]] = []
    seen: dict[str, int] = {}
    for n, r in enumerate(rows, start=2):  # row 1 is the header (JSON: the first object is row 2 too)
        aid = (r.get("action_id") or "").strip()
        outcome = (r.get("outcome") or "").strip()
        a = actions.get(aid)
        if not aid:
            errors.append(RowError(name, n, "action_id", "is empty"))
            continue
        if a is None:
            errors.append(RowError(name, n, "action_id", f"unknown action {aid!r}"))
            continue
        if a.channel not in CALL_CHANNELS:
            errors.append(RowError(name, n, "action_id", f"action {aid!r} is a {a.channel} action, not a call"))
            continue
        if aid in seen:
            errors.append(RowError(name, n, "action_id", f"{aid!r} appears again (first on row {seen[aid]})"))
            continue
        seen[aid] = n
        if outcome not in CALL_OUTCOMES:
            errors.append(RowError(name, n, "outcome", f"{outcome!r} is not a call outcome "
                                                       f"({', '.join(CALL_OUTCOMES)})"))
            continue
        try:
            at = parse_timestamp((r.get("at") or "").strip())
        except ValueError as exc:
            errors.append(RowError(name, n, "at", str(exc)))
            continue
        if at.astimezone(ZoneInfo(a.timezone)).date() != a.plan_date:
            errors.append(RowError(name, n, "at", f"{at.isoformat()} is not on the action's day {a.plan_date} "
                                                  f"in the borrower's zone ({a.timezone})"))
            continue
        talk = (r.get("talk_seconds") or "").strip()
        if talk and not talk.isdigit():
            errors.append(RowError(name, n, "talk_seconds", f"{talk!r} is not a whole number of seconds"))
            continue
        prev = done.get(aid)
        if prev is not None and (prev.outcome != outcome or prev.at != at):
            errors.append(RowError(name, n, "outcome", f"action {aid!r} already has outcome {prev.outcome!r} at "
                                                       f"{prev.at.isoformat()} (from {prev.source} row {prev.row})"))
            continue
        agent = (r.get("agent_id") or "").strip() or None
        good.append((n, a, outcome, at, int(talk) if talk else None, agent))
    if errors:
        raise ValidationFailed(errors)
    result = Imported()
    phones = dict(session.execute(select(Borrower.id, Borrower.phone).where(
        Borrower.id.in_(sorted({a.borrower_id for _, a, *_ in good})))).all()) if good else {}
    now = utcnow()
    events = []
    for n, a, outcome, at, talk, agent in good:
        if a.id in done:
            result.already += 1
            continue
        who = "robot" if a.channel == "ai_call" else f"agent:{agent or 'dialler'}"
        ev = ContactEvent(at=at, channel=a.channel, direction="outbound", target=phones.get(a.borrower_id) or "borrower",
                          actor=who, borrower_id=a.borrower_id, loan_ids=[a.loan_id], debt_ids=[a.loan_id],
                          outcome=outcome, talk_seconds=talk)
        session.add(ev)
        session.flush()
        session.add(DiallerResult(action_id=a.id, contact_event_id=ev.id, outcome=outcome, at=at, source=name, row=n,
                                  imported_at=now))
        result.recorded += 1
        result.by_outcome[outcome] = result.by_outcome.get(outcome, 0) + 1
        # "call.logged" on the action: the agents' queue no longer hands it out.
        events.append(Event("call.logged", {"action_id": a.id, "contact_event_id": ev.id, "outcome": outcome,
                                            "source": f"{name}:{n}"},
                            actor=who, loan_id=a.loan_id, borrower_id=a.borrower_id, subject=f"action:{a.id}"))
    if events:
        append_many(session, events, at=now)
    return result
