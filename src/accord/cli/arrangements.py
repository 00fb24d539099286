"""CLI: ``accord arrangement`` — repayment arrangements: offers for a loan, propose, approve, accept,
show, list, cancel. Thin: parse, call ``accord.arrangements.service``, print (``--format json``:
money as two-decimal strings)."""

from __future__ import annotations

import typer

from accord.cli._common import emit as _emit

app = typer.Typer(help="Repayment arrangements: plans (分期), extensions (展期), settlements (减免), "
                       "hardship holidays and re-ageing.", no_args_is_help=True)

FMT = typer.Option("table", "--format", help="table or json.")
BY = typer.Option("cli", "--by", help="Who does this (journal actor), e.g. agent:A1.")
ON = typer.Option(None, "--on", help="Business date (YYYY-MM-DD; default today in the borrower's zone).")
INCOME = typer.Option(None, "--income", help="Stated monthly income.")
EXPENSES = typer.Option(None, "--expenses", help="Stated monthly essential expenses.")
HARDSHIP = typer.Option(None, "--hardship", help="Hardship answers, comma-separated (job_loss, illness, ...).")


def _money(value: str | None, name: str) -> int | None:
    from accord.kit.errors import InputError
    from accord.kit.money import to_minor

    if value is None:
        return None
    try:
        m = to_minor(value)
    except ValueError:
        raise InputError(f"{name}: {value!r} is not an amount") from None
    if m < 0:
        raise InputError(f"{name}: must not be negative")
    return m


def _finances(income: str | None, expenses: str | None, hardship: str | None):  # noqa: ANN202
    from accord.arrangements.offers import HARDSHIP_REASONS, Finances
    from accord.kit.errors import InputError

    reasons = tuple(r.strip() for r in (hardship or "").split(",") if r.strip())
    for r in reasons:
        if r not in HARDSHIP_REASONS:
            raise InputError(f"--hardship: {r!r} is not one of {', '.join(HARDSHIP_REASONS)}")
    if expenses is not None and income is None:
        raise InputError("--expenses: give --income too (disposable income = income - expenses)")
    return Finances(_money(income, "--income"), _money(expenses, "--expenses"), reasons)


def _day(on: str | None):  # noqa: ANN202
    from accord.cli._common import parse_date_arg

    return parse_date_arg(on, "--on") if on else None


def _terms(text: str) -> dict:
    """``--terms`` as a JSON object or ``key=value,key=value``."""
    import json

    from accord.kit.errors import InputError

    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"--terms: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict):
            raise InputError("--terms: must be a JSON object")
        return data
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise InputError(f"--terms: {part!r} is not key=value")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@app.command("offers")
def offers_cmd(loan: str = typer.Argument(..., help="Loan id."), income: str = INCOME, expenses: str = EXPENSES,
               hardship: str = HARDSHIP, limit: int = typer.Option(None, "--limit", help="At most this many."),
               on: str = ON, fmt: str = FMT) -> None:
    """Options the borrower qualifies for, ranked (affordable first, then by NPV to the lender)."""
    from accord.arrangements import service
    from accord.cli._common import check_format, out
    from accord.kit.db import session_scope

    check_format(fmt)
    fin = _finances(income, expenses, hardship)
    with session_scope() as session:
        data = service.offers(session, loan, fin, today=_day(on), limit=limit)
    data.pop("_objects")
    if fmt == "json":
        _emit(fmt, data)
        return
    out.print(f"loan {loan}: balance {data['balance']}, {data['bucket']} (dpd {data['dpd']}), continuing "
              f"collection NPV {data['continue_npv']}, disposable income {data['disposable_income']}", highlight=False)
    rows = [{**o, "terms": ", ".join(f"{k}={v}" for k, v in o["terms"].items())} for o in data["offers"]]
    _emit(fmt, rows, ["option", "kind", "terms", "monthly_payment", "total", "waived", "npv", "npv_gain",
                      "affordability", "affordable", "approval"])


@app.command("propose")
def propose_cmd(loan: str = typer.Argument(..., help="Loan id."),
                kind: str = typer.Option(None, "--kind", help="plan, extension, settlement, holiday or reage."),
                terms: str = typer.Option(None, "--terms", help="JSON object or key=value,... (see README)."),
                option: int = typer.Option(None, "--option", help="Take option N of `offers` instead."),
                income: str = INCOME, expenses: str = EXPENSES, hardship: str = HARDSHIP, by: str = BY,
                on: str = ON, fmt: str = FMT) -> None:
    """Offer an arrangement to the borrower (needs a manager's approval above the automatic bounds)."""
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    if (option is None) == (kind is None):
        raise InputError("give either --kind (with --terms) or --option N")
    with session_scope() as session:
        if option is not None:
            a = service.propose_option(session, loan, option, _finances(income, expenses, hardship), actor=by,
                                       today=_day(on))
        else:
            a = service.propose(session, loan, kind, _terms(terms or ""), actor=by, today=_day(on))
        data = arrangement_view(a)
    _emit(fmt, data)


@app.command("approve")
def approve_cmd(arrangement_id: int = typer.Argument(...),
                by: str = typer.Option(..., "--by", help="The approving manager."), fmt: str = FMT) -> None:
    """A manager approves an arrangement above the automatic bounds (never beyond the hard limits)."""
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        data = arrangement_view(service.approve(session, arrangement_id, by=by))
    _emit(fmt, data)


@app.command("accept")
def accept_cmd(arrangement_id: int = typer.Argument(...),
               request_id: str = typer.Option(None, "--request-id", help="Idempotency key: a repeat is a no-op."),
               by: str = BY, on: str = ON, fmt: str = FMT) -> None:
    """The borrower accepts: the ledger is restructured and the confirmation is sent."""
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        r = service.accept(session, arrangement_id, actor=by, request_id=request_id, today=_day(on))
        data = {**arrangement_view(r.arrangement), "repeated": r.repeated, "confirmation": None}
        if r.confirmation is not None:
            from accord.outbox.notices import send_notices

            (sent,) = send_notices(session, [r.confirmation], actor=by)
            data["confirmation"] = sent
    _emit(fmt, data)


@app.command("show")
def show_cmd(arrangement_id: int = typer.Argument(...), fmt: str = FMT) -> None:
    """One arrangement with terms, approvals, restructure and history."""
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        data = arrangement_view(service.get(session, arrangement_id))
    _emit(fmt, data)


@app.command("list")
def list_cmd(loan: str = typer.Option(None, "--loan"), status: str = typer.Option(None, "--status"),
             limit: int = typer.Option(200, "--limit"), offset: int = typer.Option(0, "--offset"),
             fmt: str = FMT) -> None:
    """Arrangements, optionally of one loan and / or in one status."""
    from accord.arrangements import service
    from accord.arrangements.models import STATUSES
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    if status is not None and status not in STATUSES:
        raise InputError(f"--status {status!r} is not one of {', '.join(STATUSES)}")
    if limit < 1 or offset < 0:
        raise InputError("--limit must be at least 1 and --offset not negative")
    with session_scope() as session:
        rows = [arrangement_view(a) for a in service.list_arrangements(session, loan_id=loan, status=status,
                                                                       limit=limit, offset=offset)]
    _emit(fmt, rows, ["arrangement_id", "loan_id", "kind", "status", "approval_needed", "approved", "start_on",
                      "ends_on", "missed", "close_reason"])


@app.command("cancel")
def cancel_cmd(arrangement_id: int = typer.Argument(...),
               reason: str = typer.Option("cancelled", "--reason"), by: str = BY, fmt: str = FMT) -> None:
    """Withdraw an offer not yet accepted."""
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view
    from accord.cli._common import check_format
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as session:
        data = arrangement_view(service.cancel(session, arrangement_id, actor=by, reason=reason))
    _emit(fmt, data)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="arrangement")
