"""CLI: ``accord report delinquency | rolls``."""

from __future__ import annotations

import typer

report_app = typer.Typer(help="Reports on the book.", no_args_is_help=True)


@report_app.command("delinquency")
def delinquency(
    as_of: str = typer.Option(..., "--as-of"),
    fmt: str = typer.Option("table", "--format", help="json (contract), table, or summary"),
    limit: int = typer.Option(50, "--limit", help="Rows shown by --format table (most overdue first)."),
) -> None:
    """Per-loan delinquency for a date (contracts.md), or a bucket summary for people."""
    from accord.cli._common import check_format, parse_date_arg, print_json
    from accord.delinquency import report, repository
    from accord.kit.db import session_scope
    from accord.kit.errors import ProblemError

    check_format(fmt, ("json", "table", "summary"))
    day = parse_date_arg(as_of)
    with session_scope() as session:
        if not repository.has_snapshot(session, day):
            raise ProblemError(f"no delinquency snapshot for {day}; run `accord run --as-of {day}` first")
        df = repository.snapshot_frame(session, day)
    if fmt == "json":
        print_json(report.contract_rows(df))
        return
    from rich.table import Table

    from accord.cli._common import out

    if fmt == "summary":
        _print_summary(report.bucket_summary(df), day)
        return
    rows = report.contract_rows(df.sort("dpd", descending=True).head(limit))
    t = Table(title=f"Delinquency as of {day} (top {len(rows)} of {df.height} open loans by DPD)")
    for f in report.CONTRACT_FIELDS:
        t.add_column(f, justify="left" if f in ("loan_id", "bucket") else "right")
    for r in rows:
        t.add_row(*[str(r[f]) for f in report.CONTRACT_FIELDS])
    out.print(t)
    _print_summary(report.bucket_summary(df), day)


def _print_summary(summary, day) -> None:  # noqa: ANN001
    from rich.table import Table

    from accord.cli._common import out
    from accord.kit.money import fmt_minor

    t = Table(title=f"Buckets as of {day}")
    for c in ("bucket", "loans", "share", "outstanding principal", "balance share", "total overdue"):
        t.add_column(c, justify="right")
    for r in summary.iter_rows(named=True):
        t.add_row(r["bucket"], f"{r['loans']:,}", f"{r['share_count']:.1%}", fmt_minor(r["balance"]),
                  f"{r['share_balance']:.1%}", fmt_minor(r["overdue"]))
    out.print(t)


@report_app.command("rolls")
def rolls(
    start: str = typer.Option(..., "--from", help="Start date (e.g. a month-end)."),
    end: str = typer.Option(..., "--to", help="End date (e.g. the next month-end)."),
    by: str = typer.Option("count", "--by", help="count or balance"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Roll-rate (迁徙率) matrix: where each bucket's loans on --from are on --to."""
    from accord.cli._common import check_format, parse_date_arg, print_json
    from accord.delinquency import report, repository
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError, ProblemError

    check_format(fmt)
    if by not in ("count", "balance"):
        raise InputError("--by must be count or balance")
    a, b = parse_date_arg(start, "--from"), parse_date_arg(end, "--to")
    if b <= a:
        raise InputError("--to must be after --from")
    with session_scope() as session:
        for d in (a, b):
            if not repository.has_snapshot(session, d):
                raise ProblemError(f"no delinquency snapshot for {d}; run `accord run` for it first")
        m = report.roll_matrix(repository.buckets_between(session, a, b), by_balance=by == "balance")
    if fmt == "json":
        print_json(m.to_dicts())
        return
    print_roll_matrix(m, f"Roll rates {a} → {b} (by {by})")


def print_roll_matrix(m, title: str) -> None:  # noqa: ANN001
    from rich.table import Table

    from accord.cli._common import out

    t = Table(title=title)
    t.add_column("from \\ to")
    for c in m.columns[1:]:
        t.add_column(c, justify="right")
    for r in m.iter_rows():
        t.add_row(r[0], *[f"{v:.1%}" if v else "·" for v in r[1:]])
    out.print(t)


@report_app.command("kpis")
def kpis(
    start: str = typer.Option(..., "--from"),
    end: str = typer.Option(..., "--to"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Day-1 delinquency, 30-day cure rate and 90+ ratio over a window of daily snapshots."""
    from accord.cli._common import check_format, out, parse_date_arg, print_json
    from accord.delinquency import metrics, repository
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    a, b = parse_date_arg(start, "--from"), parse_date_arg(end, "--to")
    if b < a:
        raise InputError("--to must not be before --from")
    with session_scope() as session:
        k = metrics.kpis(repository.installments_due_between(session, a, b),
                         repository.snapshots_between(session, a, b), a, b)
    if fmt == "json":
        print_json(k.as_dict())
        return
    from rich.table import Table

    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    t = Table(title=f"KPIs {a} .. {b}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("basis", justify="right")
    t.add_row("day-1 delinquency (count)", pct(k.day1_delinquency_count), f"{k.installments_due:,} installments due")
    t.add_row("day-1 delinquency (amount)", pct(k.day1_delinquency_amount), "")
    t.add_row("30-day cure rate", pct(k.cure_30d), f"{k.m1_entries_judged:,} M1 entries")
    t.add_row("90+ ratio (count)", pct(k.ratio_90_plus_count), f"open loans on {b}")
    t.add_row("90+ ratio (balance)", pct(k.ratio_90_plus_balance), "")
    out.print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
