"""CLI: ``accord case | promise | dispute | hold`` — collection cases, promises to pay, disputes and
complaints, holds. Thin: parse, call ``accord.cases.service``, print (``--format json`` for scripts)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli._common import emit as _emit
from accord.cli._common import parse_timestamp_arg as _ts

case_app = typer.Typer(help="Collection cases: list, show with timeline, sync from the delinquency snapshot.",
                       no_args_is_help=True)
promise_app = typer.Typer(help="Promises to pay: record, judge, list, reminders.", no_args_is_help=True)
dispute_app = typer.Typer(help="Disputes and complaints: open, resolve, list, survey.", no_args_is_help=True)
hold_app = typer.Typer(help="Holds on collection: open, release, list.", no_args_is_help=True)

FMT = typer.Option("table", "--format", help="table or json.")
BY = typer.Option("cli", "--by", help="Who does this (journal actor), e.g. agent:A1.")


def _sent(session, notices: list, actor: str) -> list[dict]:  # noqa: ANN001
    """Queue the borrower notices a case command produced; each as printed: the notice and its
    outbox message (``message_id``) or why it could not be queued (``skipped``)."""
    from accord.outbox.notices import send_notices

    results = send_notices(session, notices, actor=actor)
    return [{**n.as_dict(), "message_id": r["message_id"], "skipped": r["skipped"], "channel": r["channel"]}
            for n, r in zip(notices, results, strict=True)]


# -- case ---------------------------------------------------------------------------------------------

@case_app.command("sync")
def case_sync(as_of: str = typer.Option(..., "--as-of", help="Snapshot date (YYYY-MM-DD)."), fmt: str = FMT) -> None:
    """Open, move and close cases from the delinquency snapshot of --as-of (after `accord run`)."""
    from accord.cases import service
    from accord.cli._common import check_format, parse_date_arg
    from accord.kit.db import session_scope

    check_format(fmt)
    day = parse_date_arg(as_of)
    with session_scope() as session:
        counts = service.sync_cases(session, day, actor="cli")
    _emit(fmt, counts)


@case_app.command("list")
def case_list(status: str = typer.Option("open", "--status", help="open, closed or all."),
              stage: str = typer.Option(None, "--stage"), borrower: str = typer.Option(None, "--borrower"),
              loan: str = typer.Option(None, "--loan"), limit: int = typer.Option(100, "--limit"),
              offset: int = typer.Option(0, "--offset"), fmt: str = FMT) -> None:
    """List cases (open by default)."""
    from accord.cases import service
    from accord.cases.views import case_view
    from accord.cli._common import check_format
    from accord.kit.errors import InputError

    check_format(fmt)
    if status not in ("open", "closed", "all"):
        raise InputError(f"--status must be open, closed or all, not {status!r}")
    if limit < 1 or offset < 0:
        raise InputError("--limit must be at least 1 and --offset not negative")
    from accord.kit.db import session_scope

    with session_scope() as session:
        rows = [case_view(c) for c in service.list_cases(session, status=None if status == "all" else status,
                                                         stage=stage, borrower_id=borrower, loan_id=loan,
                                                         limit=limit, offset=offset)]
    _emit(fmt, rows, ["case_id", "loan_id", "borrower_id", "stage", "dpd", "owner_kind", "owner_id", "status",
                      "opened_on", "closed_on", "close_reason", "next_step"])


@case_app.command("show")
def case_show(case_id: int = typer.Argument(..., help="Case id."), fmt: str = FMT) -> None:
    """One case with its timeline (journal events, promises, disputes, holds)."""
    from accord.cases import service
    from accord.cases.views import case_view
    from accord.cli._common import check_format, out
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        data = {**case_view(service.get_case(session, case_id)), "timeline": service.timeline(session, case_id)}
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, {k: v for k, v in data.items() if k != "timeline"})
    out.print("timeline:")
    for item in data["timeline"]:
        detail = item["payload"] if item["source"] == "journal" else item["item"]
        out.print(f"  {item['at']}  {item['kind']}  {detail}", highlight=False)


@case_app.command("export")
def case_export(case_id: int = typer.Argument(..., help="Case id."),
                out_file: Path = typer.Option(..., "--out", help="The ZIP file to write."),
                lang: str = typer.Option(None, "--lang", help="zh or en for the PDF summary (default: the borrower's)."),
                identity: str = typer.Option("masked", "--identity",
                                             help="masked (default) or full: the borrower's ID number and contact "
                                                  "details in clear, for a court filing."),
                by: str = BY, fmt: str = FMT) -> None:
    """Write the case file: contract data, schedule, ledger, payments, contacts with gate decisions,
    promises, arrangements, disputes, placements, legal steps, journal receipts and a PDF summary."""
    from accord.casefile.service import export_case
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        m = export_case(session, case_id, out_file, lang=lang, identity=identity, actor=by)
    if fmt == "json":
        _emit(fmt, {k: v for k, v in m.items() if k != "files"} | {"files": sorted(m["files"])})
        return
    typer.echo(f"case {case_id}: wrote {m['path']} ({len(m['files'])} files, {m['receipts']} journal receipts, "
               f"summary in {m['language']}, identity {m['identity']}); sha256 {m['zip_sha256']}")
    typer.echo(f"check it with: accord journal verify --receipts {m['path']}")


@case_app.command("close")
def case_close(case_id: int = typer.Argument(...),
               reason: str = typer.Option(..., "--reason", help="cured, paid_off, settled or written_off."),
               on: str = typer.Option(..., "--on", help="Closing date (YYYY-MM-DD)."), by: str = BY,
               fmt: str = FMT) -> None:
    """Close a case by hand (e.g. settled or written off)."""
    from accord.cases import service
    from accord.cases.views import case_view
    from accord.cli._common import check_format, parse_date_arg
    from accord.kit.db import session_scope

    check_format(fmt)
    day = parse_date_arg(on, "--on")
    with session_scope() as session:
        data = case_view(service.close_case(session, case_id, reason, actor=by, on=day))
    _emit(fmt, data)


# -- promise ------------------------------------------------------------------------------------------

@promise_app.command("record")
def promise_record(loan: str = typer.Option(..., "--loan"), amount: str = typer.Option(..., "--amount"),
                   due: str = typer.Option(..., "--due", help="Promised date (YYYY-MM-DD)."),
                   channel: str = typer.Option(..., "--channel", help="call, sms, email, portal, ..."),
                   case_id: int = typer.Option(None, "--case"),
                   at: str = typer.Option(None, "--at", help="When it was taken (ISO timestamp with offset; default now)."),
                   by: str = BY, fmt: str = FMT) -> None:
    """Record a promise to pay; prints it and the confirmation to send."""
    from accord.cases import service
    from accord.cases.views import promise_view
    from accord.cli._common import check_format, parse_date_arg
    from accord.kit.db import session_scope

    check_format(fmt)
    due_on, taken_at = parse_date_arg(due, "--due"), _ts(at, "--at")
    with session_scope() as session:
        r = service.record_promise(session, loan_id=loan, amount=amount, due_on=due_on, channel=channel,
                                   taken_by=by, taken_at=taken_at, case_id=case_id)
        data = {**promise_view(r.promise), "superseded": r.superseded,
                "confirmation": _sent(session, [r.confirmation], by)[0]}
    _emit(fmt, data)


@promise_app.command("judge")
def promise_judge(as_of: str = typer.Option(..., "--as-of"),
                  grace_days: int = typer.Option(None, "--grace-days", help="Override the policy's grace days."),
                  shortfall: str = typer.Option(None, "--shortfall", help="Override the allowed shortfall amount."),
                  fmt: str = FMT) -> None:
    """Judge pending promises against payments: kept, partly kept, broken."""
    from dataclasses import replace

    from accord.cases import service
    from accord.cases.policy import promise_policy
    from accord.cli._common import check_format, parse_date_arg
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.kit.money import to_minor

    check_format(fmt)
    day = parse_date_arg(as_of)
    tol = promise_policy().tolerance
    if grace_days is not None:
        if grace_days < 0:
            raise InputError("--grace-days must not be negative")
        tol = replace(tol, grace_days=grace_days)
    if shortfall is not None:
        try:
            tol = replace(tol, shortfall_minor=to_minor(shortfall))
        except ValueError as exc:
            raise InputError(f"--shortfall {shortfall!r} is not an amount") from exc
    with session_scope() as session:
        j = service.judge_promises(session, day, tol, actor="cli")
    _emit(fmt, {"as_of": day.isoformat(), **j.counts})


@promise_app.command("list")
def promise_list(status: str = typer.Option(None, "--status"), case_id: int = typer.Option(None, "--case"),
                 loan: str = typer.Option(None, "--loan"), borrower: str = typer.Option(None, "--borrower"),
                 limit: int = typer.Option(1000, "--limit"), fmt: str = FMT) -> None:
    """List promises."""
    from accord.cases import repository as repo
    from accord.cases.rules import PROMISE_STATUSES, one_of
    from accord.cases.views import promise_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    if status is not None:
        one_of(status, PROMISE_STATUSES, "--status")
    with session_scope() as session:
        rows = [promise_view(p) for p in repo.list_promises(session, status=status, case_id=case_id, loan_id=loan,
                                                            borrower_id=borrower, limit=limit)]
    _emit(fmt, rows, ["promise_id", "case_id", "loan_id", "amount", "due_on", "status", "paid", "judged_on", "taken_by"])


@promise_app.command("reminders")
def promise_reminders(as_of: str = typer.Option(..., "--as-of"), fmt: str = FMT) -> None:
    """Reminders to send on --as-of for promises due the next day."""
    from accord.cases import service
    from accord.cli._common import check_format, parse_date_arg
    from accord.kit.db import session_scope

    check_format(fmt)
    day = parse_date_arg(as_of)
    with session_scope() as session:
        rows = [o.as_dict() for o in service.due_reminders(session, day)]
    _emit(fmt, rows, ["ref", "template", "channel", "borrower_id", "loan_id", "case_id"])


# -- dispute ------------------------------------------------------------------------------------------

@dispute_app.command("open")
def dispute_open(dtype: str = typer.Option(..., "--type", help="not_my_debt, wrong_amount, already_paid, "
                                           "identity_theft, service_complaint, collector_conduct."),
                 form: str = typer.Option(..., "--form", help="written or oral."),
                 channel: str = typer.Option(..., "--channel"), borrower: str = typer.Option(None, "--borrower"),
                 loan: str = typer.Option(None, "--loan"), case_id: int = typer.Option(None, "--case"),
                 received_at: str = typer.Option(None, "--received-at", help="ISO timestamp with offset; default now."),
                 within: bool = typer.Option(None, "--within-validation-period/--after-validation-period",
                                             help="US: was the validation period still running? (default: policy)"),
                 possibly_valid: bool = typer.Option(True, "--possibly-valid/--not-possibly-valid"),
                 contact_event: str = typer.Option(None, "--contact-event", help="The contact complained about."),
                 attach: list[Path] = typer.Option(None, "--attach", help="Evidence file (repeatable)."),
                 evidence_dir: Path = typer.Option(None, "--evidence-dir", help="Where evidence is stored."),
                 by: str = BY, fmt: str = FMT) -> None:
    """Open a dispute or complaint (a hold is opened where the jurisdiction requires it)."""
    from accord.cases import service
    from accord.cases.views import dispute_view, hold_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    at = _ts(received_at, "--received-at")
    with session_scope() as session:
        r = service.open_dispute(session, dtype=dtype, form=form, channel=channel, borrower_id=borrower, loan_id=loan,
                                 case_id=case_id, received_at=at, within_validation_period=within,
                                 possibly_valid=possibly_valid, contact_event_id=contact_event,
                                 attachments=list(attach or []), evidence=evidence_dir, opened_by=by)
        data = {**dispute_view(r.dispute), "hold_rule": r.hold_rule,
                "hold": hold_view(r.hold) if r.hold else None,
                "acknowledgement": _sent(session, [r.acknowledgement], by)[0] if r.acknowledgement else None}
    _emit(fmt, data)


@dispute_app.command("resolve")
def dispute_resolve(dispute_id: int = typer.Argument(...),
                    outcome: str = typer.Option(..., "--outcome", help="upheld, rejected or partially_upheld."),
                    resolution: str = typer.Option(..., "--resolution", help="What was found."),
                    at: str = typer.Option(None, "--at"), by: str = BY, fmt: str = FMT) -> None:
    """Resolve a dispute: release its hold and print the letter to send."""
    from accord.cases import service
    from accord.cases.views import dispute_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    when = _ts(at, "--at")
    with session_scope() as session:
        r = service.resolve_dispute(session, dispute_id, outcome=outcome, resolution=resolution, actor=by, at=when)
        letter, survey = _sent(session, [r.letter, r.survey], by)
        data = {**dispute_view(r.dispute), "released_holds": [h.id for h in r.released], "letter": letter,
                "survey": survey}
    _emit(fmt, data)


@dispute_app.command("list")
def dispute_list(status: str = typer.Option(None, "--status", help="open or resolved."),
                 borrower: str = typer.Option(None, "--borrower"),
                 overdue: bool = typer.Option(False, "--overdue", help="Only open ones past their SLA."),
                 now: str = typer.Option(None, "--now", help="Reference time for --overdue (default now)."),
                 limit: int = typer.Option(1000, "--limit"), fmt: str = FMT) -> None:
    """List disputes and complaints (--overdue: past their SLA, most overdue first)."""
    from accord.cases import repository as repo
    from accord.cases import service
    from accord.cases.views import dispute_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    if status not in (None, "open", "resolved"):
        raise InputError(f"--status must be open or resolved, not {status!r}")
    ref = _ts(now, "--now")
    with session_scope() as session:
        found = service.overdue_disputes(session, ref, limit) if overdue else \
            repo.list_disputes(session, status=status, borrower_id=borrower, case_id=None, overdue_at=None, limit=limit)
        rows = [dispute_view(d) for d in found if borrower is None or d.borrower_id == borrower]
    _emit(fmt, rows, ["dispute_id", "borrower_id", "loan_id", "type", "form", "received_at", "sla_due_at",
                      "status", "outcome", "hold_id"])


@dispute_app.command("survey")
def dispute_survey(dispute_id: int = typer.Argument(...), score: int = typer.Option(..., "--score", help="1 to 5."),
                   comment: str = typer.Option(None, "--comment"), fmt: str = FMT) -> None:
    """Record the borrower's satisfaction after a resolution."""
    from accord.cases import service
    from accord.cases.views import dispute_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        data = dispute_view(service.record_survey(session, dispute_id, score, comment))
    _emit(fmt, data)


# -- hold ---------------------------------------------------------------------------------------------

@hold_app.command("open")
def hold_open(borrower: str = typer.Option(..., "--borrower"),
              kind: str = typer.Option(..., "--kind", help="dispute, cease, opt_out, legal, vulnerability, "
                                       "bankruptcy, attorney, mental_capacity."),
              form: str = typer.Option("written", "--form"), reason: str = typer.Option(None, "--reason"),
              loan: str = typer.Option(None, "--loan"), case_id: int = typer.Option(None, "--case"),
              at: str = typer.Option(None, "--at"), by: str = BY, fmt: str = FMT) -> None:
    """Open a hold on collection contacts."""
    from accord.cases import service
    from accord.cases.views import hold_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    when = _ts(at, "--at")
    with session_scope() as session:
        data = hold_view(service.open_hold(session, borrower, kind, form=form, reason=reason, source=by,
                                           case_id=case_id, loan_id=loan, actor=by, at=when))
    _emit(fmt, data)


@hold_app.command("release")
def hold_release(hold_id: int = typer.Argument(...), reason: str = typer.Option(None, "--reason"),
                 at: str = typer.Option(None, "--at"), by: str = BY, fmt: str = FMT) -> None:
    """Release a hold."""
    from accord.cases import service
    from accord.cases.views import hold_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    when = _ts(at, "--at")
    with session_scope() as session:
        data = hold_view(service.release_hold(session, hold_id, reason=reason, actor=by, at=when))
    _emit(fmt, data)


@hold_app.command("list")
def hold_list(borrower: str = typer.Option(None, "--borrower"),
              active: bool = typer.Option(False, "--active", help="Only holds still in force."),
              limit: int = typer.Option(1000, "--limit"), fmt: str = FMT) -> None:
    """List holds."""
    from accord.cases import repository as repo
    from accord.cases.views import hold_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        rows = [hold_view(h) for h in repo.holds(session, borrower_id=borrower, active_only=active, limit=limit)]
    _emit(fmt, rows, ["hold_id", "borrower_id", "loan_id", "kind", "form", "opened_at", "released_at", "source"])


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    app.add_typer(promise_app, name="promise")
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(hold_app, name="hold")
