"""CLI: ``accord strategy validate | simulate`` and ``accord actions list`` (contracts.md "Daily actions")."""

from __future__ import annotations

from pathlib import Path

import typer

strategy_app = typer.Typer(help="Collection strategies as data.", no_args_is_help=True)
actions_app = typer.Typer(help="The contacts the daily run planned, sent or blocked.", no_args_is_help=True)


def _load(file: Path | None):  # noqa: ANN202
    from accord.strategy.schema import default_strategy, load_strategy

    return load_strategy(file) if file else default_strategy()


@strategy_app.command("validate")
def validate(file: Path = typer.Argument(..., help="Strategy YAML file.")) -> None:
    """Check a strategy file: schema, references, templates (exit 2 with the line and reason)."""
    from accord.strategy.templates import check_templates

    s = _load(file)
    check_templates(s, str(file))
    typer.echo(f"{file}: valid — {len(s.segments)} segments, {len(s.ladders)} ladders, arms "
               + ", ".join(f"{a} {share:.0%}" for a, share in s.arms))


@strategy_app.command("simulate")
def simulate_cmd(
    file: Path = typer.Argument(None, help="Strategy YAML (default: the shipped ladder)."),
    as_of: str = typer.Option(..., "--as-of"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """What the strategy would plan for a day, per segment and channel (nothing is written)."""
    from accord.cli._common import check_format, out, parse_date_arg, print_json
    from accord.kit.db import session_scope
    from accord.strategy.accounts import count_open_accounts
    from accord.strategy.service import simulate, summary

    check_format(fmt)
    day = parse_date_arg(as_of)
    s = _load(file)
    with session_scope() as session:
        _, planned = simulate(session, s, day)
        accounts = count_open_accounts(session, day)
    table = summary(planned)
    if fmt == "json":
        print_json({"as_of": str(day), "accounts": accounts, "planned": planned.height, "by_segment": table.to_dicts()})
        return
    from rich.table import Table

    t = Table(title=f"{s.name}: plan for {day} ({accounts:,} accounts, {planned.height:,} actions)")
    for c in ("segment", "channel", "actions"):
        t.add_column(c, justify="right" if c == "actions" else "left")
    for r in table.iter_rows():
        t.add_row(r[0], r[1], f"{r[2]:,}")
    out.print(t)


@strategy_app.command("results")
def results_cmd(
    experiment: str = typer.Argument(..., help="Experiment id (the strategy file's `experiment`)."),
    as_of: str = typer.Option(None, "--as-of", help="Outcomes as of this date (default: the last run)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Results per arm with 95 % confidence intervals: cure rate, collected, contacts, cost, complaints."""
    from accord.batch.repository import last_run
    from accord.cli._common import check_format, out, parse_date_arg, print_json
    from accord.kit.db import session_scope
    from accord.kit.errors import ProblemError
    from accord.strategy.results import arm_frame, experiment_accounts

    check_format(fmt)
    with session_scope() as session:
        day = parse_date_arg(as_of) if as_of else last_run(session)
        if day is None:
            raise ProblemError("no run yet: run `accord run --as-of DATE` first")
        accounts = experiment_accounts(session, experiment, day)
    if accounts.height == 0:
        raise ProblemError(f"no actions of experiment {experiment!r} up to {day}")
    arms = arm_frame(accounts)
    if fmt == "json":
        print_json({"experiment": experiment, "as_of": str(day), "arms": [a.as_dict() for a in arms]})
        return
    from rich.table import Table

    t = Table(title=f"experiment {experiment} as of {day}")
    for c in ("arm", "accounts", "cure rate (95% CI)", "vs champion (p)", "collected / account (95% CI)",
              "contacts", "cost", "complaints"):
        t.add_column(c, justify="left" if c == "arm" else "right")
    for a in arms:
        vs = "" if a.cure_diff_vs_champion is None else f"{a.cure_diff_vs_champion:+.1%} (p={a.p_value:.2f})"
        t.add_row(a.arm, f"{a.accounts:,}", f"{a.cure_rate:.1%} ({a.cure_ci[0]:.1%}–{a.cure_ci[1]:.1%})", vs,
                  f"{a.collected_per_account:,.2f} ({a.collected_ci[0]:,.2f}–{a.collected_ci[1]:,.2f})",
                  f"{a.contacts:,}", f"{a.cost:,.2f}", str(a.complaints))
    out.print(t)


@actions_app.command("list")
def list_cmd(
    date: str = typer.Option(..., "--date"),
    status: str = typer.Option(None, "--status", help="planned, sent or blocked"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Actions of a day, exactly as contracts.md "Daily actions"."""
    from accord.cli._common import check_format, out, parse_date_arg, print_json
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.strategy.service import list_actions

    check_format(fmt)
    if status and status not in ("planned", "sent", "blocked"):
        raise InputError(f"--status must be planned, sent or blocked, not {status!r}")
    day = parse_date_arg(date, "--date")
    with session_scope() as session:
        rows = [_contract(a, st, rules) for a, st, rules in list_actions(session, day, status)]
    if fmt == "json":
        print_json(rows)
        return
    from rich.table import Table

    t = Table(title=f"actions for {day}: {len(rows)}")
    for c in ("action_id", "loan_id", "channel", "template", "lang", "scheduled_at", "status", "rules", "strategy"):
        t.add_column(c)
    for r in rows[:200]:
        t.add_row(r["action_id"], r["loan_id"], r["channel"], r["template"] or "", r["lang"], r["scheduled_at"],
                  r["status"], ",".join(r["rules"]), r["strategy"])
    out.print(t)


def _contract(a, status: str, rules: list) -> dict:  # noqa: ANN001
    from zoneinfo import ZoneInfo

    local = a.scheduled_at.astimezone(ZoneInfo(a.timezone))
    return {"action_id": a.id, "loan_id": a.loan_id, "borrower_id": a.borrower_id, "case_id": a.case_id,
            "channel": a.channel, "template": a.template, "lang": a.lang, "scheduled_at": local.isoformat(),
            "status": status, "rules": rules, "strategy": a.arm}


def register(app: typer.Typer) -> None:
    app.add_typer(strategy_app, name="strategy")
    app.add_typer(actions_app, name="actions")
