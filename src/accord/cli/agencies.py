"""CLI: ``accord agency ...`` — collection agencies, placing cases with them (CN-OUT-01 notice first),
proposals from the strategy, recall / return, commission statements, and the agency user's view of
their placed cases (PIPL art. 21). Thin: parse, call ``accord.agencies.service``, print."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli._common import emit as _emit

agency_app = typer.Typer(help="Collection agencies and case placement (委外催收).", no_args_is_help=True)

FMT = typer.Option("table", "--format", help="table or json.")
BY = typer.Option("cli", "--by", help="Who does this (journal actor), e.g. manager:M1.")


def _session():  # noqa: ANN202
    from accord.kit.db import session_scope

    return session_scope()


def _date(value: str | None, name: str):  # noqa: ANN202
    from accord.cli._common import parse_date_arg

    return parse_date_arg(value, name) if value else None


@agency_app.command("add")
def add(agency_id: str = typer.Argument(..., help="Short code, e.g. huaxin (contacts carry actor agency:ID)."),
        name: str = typer.Option(..., "--name"), phone: str = typer.Option(..., "--phone"),
        rate: str = typer.Option(..., "--rate", help="Commission as a share of collections: 0.25 = 25 %."),
        bucket_rate: list[str] = typer.Option([], "--bucket-rate", help="Per-bucket rate, e.g. M4=0.30 (repeat)."),
        jurisdiction: list[str] = typer.Option(["CN"], "--jurisdiction", help="CN, US or UK (repeat)."),
        capacity: int = typer.Option(..., "--capacity", help="Maximum open placements."),
        contract: str = typer.Option(None, "--contract", help="Contract reference."),
        dpa: str = typer.Option(None, "--dpa", help="Data-processing agreement reference (PIPL art. 21)."),
        inactive: bool = typer.Option(False, "--inactive", help="Save as inactive (takes no new cases)."),
        by: str = BY, fmt: str = FMT) -> None:
    """Add or update an agency."""
    from accord.agencies import service
    from accord.cli._common import check_format
    from accord.kit.errors import InputError

    check_format(fmt)
    by_bucket = {}
    for item in bucket_rate:
        if "=" not in item:
            raise InputError(f"--bucket-rate {item!r} must look like M4=0.30")
        k, v = item.split("=", 1)
        by_bucket[k.strip()] = v.strip()
    with _session() as s:
        a = service.save_agency(s, agency_id, name=name, phone=phone, commission_rate=rate, jurisdictions=jurisdiction,
                                capacity=capacity, commission_by_bucket=by_bucket, contract_ref=contract, dpa_ref=dpa,
                                active=not inactive, actor=by)
        data = service.agency_dict(a)
    _emit(fmt, data)


@agency_app.command("list")
def list_cmd(fmt: str = FMT) -> None:
    """Agencies with their open placements."""
    from accord.agencies import service

    with _session() as s:
        rows = service.list_agencies(s)
    _emit(fmt, rows, ["agency_id", "name", "commission_rate", "jurisdictions", "capacity", "active_placements",
                      "active", "last_evaluated_on"])


@agency_app.command("show")
def show(agency_id: str = typer.Argument(...), fmt: str = FMT) -> None:
    """One agency and its placements."""
    from accord.agencies import service

    with _session() as s:
        data = service.show_agency(s, agency_id)
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, {k: v for k, v in data.items() if k != "placements"})
    _emit(fmt, data["placements"], ["placement_id", "case_id", "loan_id", "status", "handover_on", "ends_on",
                                    "end_reason"])


@agency_app.command("evaluate")
def evaluate(agency_id: str = typer.Argument(...), on: str = typer.Option(None, "--on", help="Evaluation date (default today)."),
             score: int = typer.Option(None, "--score", help="0-100."), note: str = typer.Option(None, "--note"),
             by: str = BY, fmt: str = FMT) -> None:
    """Record the agency's periodic evaluation (CN-OUT-01: at least yearly)."""
    from accord.agencies import service

    with _session() as s:
        a = service.evaluate_agency(s, agency_id, on=_date(on, "--on") or service.business_today(), score=score,
                                    note=note, actor=by)
        data = service.agency_dict(a)
    _emit(fmt, data)


def _read_cases_file(path: Path) -> list[int]:
    from accord.kit.errors import InputError

    if not path.is_file():
        raise InputError(f"{path}: cases file not found")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        value = line.split(",")[0].strip()
        if not value or value.startswith("#") or (n == 1 and value.lower() == "case_id"):
            continue
        if not value.isdigit():
            raise InputError(f"{path}, row {n}, field case_id: {value!r} is not a case id")
        out.append(int(value))
    if not out:
        raise InputError(f"{path}: no case ids")
    return out


@agency_app.command("place")
def place(agency_id: str = typer.Argument(...),
          case: list[int] = typer.Option([], "--case", help="Case id (repeat)."),
          cases_file: Path = typer.Option(None, "--cases-file", help="One case id a line (CSV with case_id first)."),
          proposal: list[str] = typer.Option([], "--proposal", help="A strategy proposal id to confirm (repeat)."),
          on: str = typer.Option(None, "--on", help="Placement (notice) date; default today."),
          skip_ineligible: bool = typer.Option(False, "--skip-ineligible", help="Place the eligible cases, list the rest."),
          by: str = BY, fmt: str = FMT) -> None:
    """Place cases with an agency: each is notified now and handed over N days after the notice."""
    from accord.agencies import service
    from accord.cli._common import check_format
    from accord.kit.errors import InputError
    from accord.outbox.notices import send_notices

    check_format(fmt)
    ids = list(case) + (_read_cases_file(cases_file) if cases_file else [])
    if proposal and ids:
        raise InputError("give either --proposal or --case / --cases-file, not both")
    day = _date(on, "--on")
    with _session() as s:
        if proposal:
            r = service.place_proposals(s, agency_id, proposal, actor=by, on=day, skip_ineligible=skip_ineligible)
        else:
            r = service.place_cases(s, agency_id, ids, actor=by, on=day, skip_ineligible=skip_ineligible)
        sent = send_notices(s, r.notices, actor=by)
        service.record_notices(s, r.placements, sent, actor=by)
        data = {"placed": [{**service.placement_dict(p), "notice": n} for p, n in zip(r.placements, sent, strict=True)],
                "refused": r.refused}
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, [{**p, "notice": p["notice"]["message_id"] or p["notice"]["skipped"]} for p in data["placed"]],
          ["placement_id", "case_id", "loan_id", "status", "handover_on", "commission_rate", "notice"])
    for r_ in data["refused"]:
        typer.echo(f"case {r_['case_id']} not placed: {'; '.join(r_['reasons'])}", err=True)


@agency_app.command("proposals")
def proposals_cmd(day: str = typer.Option(None, "--date", help="Plan date (default: every open proposal)."),
                  fmt: str = FMT) -> None:
    """The strategy's agency placement proposals waiting for a manager."""
    from accord.agencies import service

    with _session() as s:
        rows = service.proposals(s, _date(day, "--date"))
    _emit(fmt, rows, ["proposal_id", "plan_date", "case_id", "loan_id", "bucket", "dpd", "segment"])


@agency_app.command("dismiss")
def dismiss(proposal_id: str = typer.Argument(...), reason: str = typer.Option(..., "--reason"), by: str = BY,
            fmt: str = FMT) -> None:
    """Decline a placement proposal."""
    from accord.agencies import service

    with _session() as s:
        data = service.dismiss_proposal(s, proposal_id, reason=reason, actor=by)
    _emit(fmt, data)


def _placement_id(s, placement: int | None, case_id: int | None) -> int:  # noqa: ANN001
    from accord.agencies import service
    from accord.kit.errors import InputError, ProblemError

    if (placement is None) == (case_id is None):
        raise InputError("give --placement ID or --case ID")
    if placement is not None:
        return placement
    active = [p for p in service.list_placements(s, case_id=case_id) if p["status"] in ("notified", "handed_over")]
    if not active:
        raise ProblemError(f"case {case_id} has no active placement")
    return active[0]["placement_id"]


@agency_app.command("recall")
def recall(placement: int = typer.Option(None, "--placement"), case_id: int = typer.Option(None, "--case"),
           reason: str = typer.Option(..., "--reason"), by: str = BY, fmt: str = FMT) -> None:
    """Take a case back from the agency (the queue owner is restored)."""
    from accord.agencies import service

    with _session() as s:
        p = service.recall(s, _placement_id(s, placement, case_id), reason=reason, actor=by)
        data = service.placement_dict(p)
    _emit(fmt, data)


@agency_app.command("return")
def return_cmd(placement: int = typer.Option(None, "--placement"), case_id: int = typer.Option(None, "--case"),
               reason: str = typer.Option(..., "--reason"), by: str = BY, fmt: str = FMT) -> None:
    """The agency hands a case back."""
    from accord.agencies import service

    with _session() as s:
        p = service.return_placement(s, _placement_id(s, placement, case_id), reason=reason, actor=by)
        data = service.placement_dict(p)
    _emit(fmt, data)


@agency_app.command("placements")
def placements(agency: str = typer.Option(None, "--agency"), status: str = typer.Option(None, "--status"),
               case_id: int = typer.Option(None, "--case"), fmt: str = FMT) -> None:
    """Placements with their status history."""
    from accord.agencies import service

    with _session() as s:
        rows = service.list_placements(s, agency_id=agency, status=status, case_id=case_id, with_history=True)
    _emit(fmt, rows, ["placement_id", "agency_id", "case_id", "loan_id", "status", "handover_on", "handed_over_at",
                      "ends_on", "ended_at", "end_reason"])


@agency_app.command("advance")
def advance(as_of: str = typer.Option(..., "--as-of"), by: str = BY, fmt: str = FMT) -> None:
    """Hand over, return and expire placements for --as-of (the daily run does this in its cases step)."""
    from accord.agencies import service

    with _session() as s:
        data = service.advance_placements(s, _date(as_of, "--as-of"), actor=by)
    _emit(fmt, data)


@agency_app.command("statement")
def statement(agency_id: str = typer.Argument(...), date_from: str = typer.Option(..., "--from"),
              date_to: str = typer.Option(..., "--to"),
              fmt: str = typer.Option("table", "--format", help="table, json or csv.")) -> None:
    """Collections attributed to the agency and its commission, for payments dated --from..--to."""
    from accord.agencies import service
    from accord.cli._common import check_format

    check_format(fmt, ("table", "json", "csv"))
    with _session() as s:
        data = service.statement(s, agency_id, _date(date_from, "--from"), _date(date_to, "--to"))
    if fmt == "csv":
        import csv
        import sys

        cols = ["placement_id", "case_id", "loan_id", "currency", "commission_rate", "status", "handed_over_at",
                "ended_at", "payments", "collected", "commission"]
        w = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for line in data["lines"]:
            w.writerow({c: line[c] for c in cols})
        return
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, data["lines"], ["placement_id", "case_id", "loan_id", "commission_rate", "payments", "collected",
                               "commission"])
    _emit(fmt, data["totals"], ["currency", "payments", "collected", "commission"])


@agency_app.command("cases")
def cases(user: str = typer.Option(..., "--user", help="The agency user (an agent with role agency_agent)."),
          fmt: str = FMT) -> None:
    """The cases currently placed with the user's agency (minimised fields only)."""
    from accord.agencies import service

    with _session() as s:
        rows = service.agency_cases(s, user)
    _emit(fmt, rows, ["case_id", "loan_id", "borrower_name", "phone", "amount_due", "dpd", "language", "holds"])


@agency_app.command("case")
def case(case_id: int = typer.Argument(...), user: str = typer.Option(..., "--user"), fmt: str = FMT) -> None:
    """One placed case as the agency user may see it (refused unless placed with their agency)."""
    from accord.agencies import service

    with _session() as s:
        data = service.agency_view(s, user, case_id)
    _emit(fmt, data)


def register(app: typer.Typer) -> None:
    app.add_typer(agency_app, name="agency")
