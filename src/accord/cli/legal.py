"""CLI: ``accord legal open | step | show | list`` — the mediation and legal track of a case. Thin:
parse, call ``accord.legal.service``, print (``--format json`` for scripts)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli._common import emit as _emit

legal_app = typer.Typer(help="Mediation and legal track: matters per case, their steps and documents.",
                        no_args_is_help=True)

FMT = typer.Option("table", "--format", help="table or json.")
BY = typer.Option("cli", "--by", help="Who does this (journal actor), e.g. agent:A1.")
ON = typer.Option(None, "--on", help="Date of the step (YYYY-MM-DD; default today in the business time zone).")
DOCS = typer.Option(None, "--document", help="A document file (repeatable); stored by content hash.")
EVIDENCE = typer.Option(None, "--evidence-dir", help="Where documents are stored (default ACCORD_EVIDENCE_DIR or ./evidence).")


def _day(value: str | None):  # noqa: ANN202
    from accord.cli._common import parse_date_arg

    if value:
        return parse_date_arg(value, "--on")
    from accord.config import get_settings
    from accord.kit.timeutil import utcnow, zone

    return utcnow().astimezone(zone(get_settings().business_timezone)).date()


def _minor(value: str | None, name: str) -> int | None:
    from accord.kit.errors import InputError
    from accord.kit.money import to_minor

    if value is None:
        return None
    try:
        return to_minor(value)
    except ValueError as exc:
        raise InputError(f"{name} {value!r} is not an amount") from exc


def _show(fmt: str, data: dict) -> None:
    from accord.cli._common import check_format, out

    check_format(fmt)
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, {k: v for k, v in data.items() if k != "steps"})
    out.print("steps:")
    for s in data.get("steps", []):
        docs = ", ".join(f"{d['name']} {d['sha256'][:12]}" for d in s["documents"])
        out.print(f"  {s['seq']}. {s['on']}  {s['kind']} → {s['to_state']}"
                  + (f"  amount {s['amount']}" if s["amount"] else "") + (f"  {s['forum']}" if s["forum"] else "")
                  + (f"  {s['case_number']}" if s["case_number"] else "") + (f"  [{docs}]" if docs else ""),
                  highlight=False)


@legal_app.command("open")
def legal_open(case_id: int = typer.Argument(..., help="Case id."),
               track: str = typer.Option(..., "--track", help="mediation or lawsuit."),
               mediator: str = typer.Option(None, "--mediator", help="The mediator (mediation)."),
               court: str = typer.Option(None, "--court", help="The court (lawsuit)."),
               case_number: str = typer.Option(None, "--case-number", help="Court or mediation case number (案号)."),
               claim: str = typer.Option(None, "--claim", help="Amount claimed."),
               note: str = typer.Option(None, "--note"), on: str = ON, document: list[Path] = DOCS,
               evidence_dir: Path = EVIDENCE, by: str = BY, fmt: str = FMT) -> None:
    """Open a mediation (requested) or a lawsuit (filed) on a case; contacts stop where the policy says."""
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.legal import service

    check_format(fmt)
    day, claim_minor = _day(on), _minor(claim, "--claim")
    with session_scope() as session:
        r = service.open_matter(session, case_id, track, on=day, forum=mediator or court, case_number=case_number,
                                claim_minor=claim_minor, note=note, documents=list(document or []),
                                evidence=evidence_dir, actor=by)
        data = service.show_matter(session, r.matter.id)
    _show(fmt, data)


@legal_app.command("step")
def legal_step(matter_id: int = typer.Argument(..., help="Legal matter id."),
               to: str = typer.Option(..., "--to", help="Next state (e.g. accepted, hearing, judgment, enforcement, "
                                                        "concluded, agreement, failed, withdrawn) or preservation."),
               amount: str = typer.Option(None, "--amount", help="Amount of the step (judgment, agreement, preservation)."),
               court: str = typer.Option(None, "--court"), mediator: str = typer.Option(None, "--mediator"),
               case_number: str = typer.Option(None, "--case-number"), note: str = typer.Option(None, "--note"),
               on: str = ON, document: list[Path] = DOCS, evidence_dir: Path = EVIDENCE, by: str = BY,
               fmt: str = FMT) -> None:
    """Record the next step of a matter; an invalid step is refused with the allowed ones."""
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.legal import service

    check_format(fmt)
    day, minor = _day(on), _minor(amount, "--amount")
    with session_scope() as session:
        service.record_step(session, matter_id, to, on=day, forum=court or mediator, case_number=case_number,
                            amount_minor=minor, note=note, documents=list(document or []), evidence=evidence_dir,
                            actor=by)
        data = service.show_matter(session, matter_id)
    _show(fmt, data)


@legal_app.command("show")
def legal_show(matter_id: int = typer.Argument(..., help="Legal matter id."), fmt: str = FMT) -> None:
    """One matter with all its steps and documents."""
    from accord.kit.db import session_scope
    from accord.legal import service

    with session_scope() as session:
        data = service.show_matter(session, matter_id)
    _show(fmt, data)


@legal_app.command("list")
def legal_list(status: str = typer.Option("open", "--status", help="open, closed or all."),
               track: str = typer.Option(None, "--track"), case_id: int = typer.Option(None, "--case"),
               loan: str = typer.Option(None, "--loan"), borrower: str = typer.Option(None, "--borrower"),
               limit: int = typer.Option(100, "--limit"), offset: int = typer.Option(0, "--offset"),
               fmt: str = FMT) -> None:
    """List legal matters (open by default)."""
    from accord.cli._common import check_format
    from accord.cli._common import emit
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.legal import service

    check_format(fmt)
    if status not in ("open", "closed", "all"):
        raise InputError(f"--status must be open, closed or all, not {status!r}")
    if limit < 1 or offset < 0:
        raise InputError("--limit must be at least 1 and --offset not negative")
    with session_scope() as session:
        rows = service.list_matters(session, status=None if status == "all" else status, track=track,
                                    case_id=case_id, loan_id=loan, borrower_id=borrower, limit=limit, offset=offset)
    emit(fmt, rows, ["matter_id", "case_id", "loan_id", "track", "state", "status", "forum", "case_number",
                     "claim", "judgment", "opened_on", "closed_on", "hold_id"])


def register(app: typer.Typer) -> None:
    app.add_typer(legal_app, name="legal")
