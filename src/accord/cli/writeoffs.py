"""CLI: ``accord writeoff LOAN --reason R`` and ``accord writeoff recoveries | sale-flag | list`` —
write-off (核销), recoveries after write-off and the debt-sale flag. Thin: parse, call
``accord.writeoffs.service``, print (``--format json`` for scripts)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli._common import emit as _emit
from typer.core import TyperGroup

from accord.writeoffs.rules import REASONS


class _LoanOrCommand(TyperGroup):
    """``accord writeoff LOAN ...`` is ``accord writeoff apply LOAN ...``: a first argument that is not
    a sub-command is the loan to write off."""

    def resolve_command(self, ctx, args):  # noqa: ANN001, ANN201
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "apply", self.commands["apply"], args
        return super().resolve_command(ctx, args)


writeoff_app = typer.Typer(cls=_LoanOrCommand, no_args_is_help=True,
                           help="Write-off (核销): `accord writeoff LOAN --reason R`; recoveries after write-off; "
                                "the debt-sale flag.")

FMT = typer.Option("table", "--format", help="table or json.")
BY = typer.Option("cli", "--by", help="Who does this (journal actor), e.g. user:finance1.")


def _day(value: str | None, name: str = "--on"):  # noqa: ANN202
    from accord.cli._common import parse_date_arg

    if value:
        return parse_date_arg(value, name)
    from accord.config import get_settings
    from accord.kit.timeutil import utcnow, zone

    return utcnow().astimezone(zone(get_settings().business_timezone)).date()


@writeoff_app.command("apply")
def writeoff_apply(loan: str = typer.Argument(..., help="Loan id."),
                   reason: str = typer.Option(..., "--reason", help=", ".join(REASONS) + "."),
                   on: str = typer.Option(None, "--on", help="Write-off date (default today in the business zone)."),
                   note: str = typer.Option(None, "--note"), by: str = BY, fmt: str = FMT) -> None:
    """Write an open loan off: postings per installment, loan written_off, case closed, journalled."""
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.money import fmt_minor
    from accord.writeoffs import service
    from accord.writeoffs.views import write_off_view

    check_format(fmt)
    day = _day(on)
    with session_scope() as session:
        r = service.write_off(session, loan, reason, on=day, by=by, note=note)
        data = {**write_off_view(r.write_off), "cancelled_promises": r.cancelled_promises,
                "installments": [{"installment_no": ln["installment_no"],
                                  **{c: fmt_minor(ln[c]) for c in ("principal", "interest", "fee", "penalty")}}
                                 for ln in r.lines]}
    if fmt == "json":
        _emit(fmt, data)
        return
    _emit(fmt, {k: v for k, v in data.items() if k != "installments"})


@writeoff_app.command("recoveries")
def writeoff_recoveries(start: str = typer.Option(..., "--from", help="First applied date (YYYY-MM-DD)."),
                        end: str = typer.Option(..., "--to", help="Last applied date (YYYY-MM-DD)."),
                        fmt: str = FMT) -> None:
    """Recoveries after write-off applied in a period: per loan, per reason, per month."""
    from accord.cli._common import check_format, out
    from accord.kit.db import session_scope
    from accord.writeoffs import service

    check_format(fmt)
    a, b = _day(start, "--from"), _day(end, "--to")
    with session_scope() as session:
        data = service.recoveries_report(session, a, b)
    if fmt == "json":
        _emit(fmt, data)
        return
    out.print(f"recoveries {data['from']} .. {data['to']}: {data['recoveries']}, total {data['total']}",
              highlight=False)
    _emit(fmt, data["per_loan"], ["loan_id", "reason", "recoveries", "amount", "excess", "written_off", "after_sale"])
    _emit(fmt, data["per_reason"], ["reason", "recoveries", "amount"])
    _emit(fmt, data["per_month"], ["month", "recoveries", "amount"])


@writeoff_app.command("sale-flag")
def writeoff_sale_flag(loan: str = typer.Argument(..., help="Loan id."),
                       buyer: str = typer.Option(..., "--buyer", help="Who buys the debt."),
                       price: str = typer.Option(..., "--price", help="Sale price."),
                       evidence: Path = typer.Option(..., "--evidence", help="The case-file export zip."),
                       on: str = typer.Option(None, "--on", help="Sale date (default today)."),
                       evidence_dir: Path = typer.Option(None, "--evidence-dir", help="Where evidence is stored."),
                       by: str = BY, fmt: str = FMT) -> None:
    """Flag a written-off loan (or an open one, where the policy allows) as sold, with its evidence file."""
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.kit.money import to_minor
    from accord.writeoffs import service
    from accord.writeoffs.views import sale_view

    check_format(fmt)
    try:
        price_minor = to_minor(price)
    except ValueError as exc:
        raise InputError(f"--price {price!r} is not an amount") from exc
    day = _day(on)
    with session_scope() as session:
        data = sale_view(service.flag_sale(session, loan, buyer=buyer, price_minor=price_minor, evidence=evidence,
                                           on=day, by=by, evidence_store=evidence_dir))
    _emit(fmt, data)


@writeoff_app.command("list")
def writeoff_list(for_sale: bool = typer.Option(False, "--for-sale", help="Only loans flagged for sale."),
                  limit: int = typer.Option(100, "--limit"), offset: int = typer.Option(0, "--offset"),
                  fmt: str = FMT) -> None:
    """Written-off loans with what was recovered since and the sale flag."""
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.writeoffs import service

    check_format(fmt)
    if limit < 1 or offset < 0:
        raise InputError("--limit must be at least 1 and --offset not negative")
    with session_scope() as session:
        rows = service.list_write_offs(session, for_sale=for_sale, limit=limit, offset=offset)
    if fmt != "json":
        rows = [{**r, "buyer": (r["sale"] or {}).get("buyer"), "price": (r["sale"] or {}).get("price")} for r in rows]
    _emit(fmt, rows, ["write_off_id", "loan_id", "reason", "written_off_on", "total", "recovered", "buyer", "price"])


def register(app: typer.Typer) -> None:
    app.add_typer(writeoff_app, name="writeoff")
