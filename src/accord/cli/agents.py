"""CLI: ``accord agent add`` and ``accord queue next | log`` — the agent's day."""

from __future__ import annotations

import typer

agent_app = typer.Typer(help="Collection agents.", no_args_is_help=True)
queue_app = typer.Typer(help="The agent work queue (ordered by expected value, gate-checked).", no_args_is_help=True)


@agent_app.command("add")
def add(
    agent_id: str = typer.Argument(...),
    name: str = typer.Option(..., "--name"),
    lang: list[str] = typer.Option(["zh"], "--lang", help="Languages the agent speaks (repeat)."),
    capacity: int = typer.Option(80, "--capacity", help="Calls per day."),
    role: str = typer.Option("agent", "--role", help="agent, agency_agent or supervisor."),
    agency: str = typer.Option(None, "--agency", help="The agency of an agency_agent (sees only its placed cases)."),
    pii: bool = typer.Option(False, "--pii/--masked", help="May see full phone numbers and ids."),
) -> None:
    """Add or update an agent."""
    from accord.agents.service import add_agent
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    for code in lang:
        if code not in ("zh", "en"):
            raise InputError(f"--lang must be zh or en, not {code!r}")
    with session_scope() as s:
        add_agent(s, agent_id, name, lang, capacity, role, agency=agency, can_see_pii=pii)
    typer.echo(f"agent {agent_id} saved")


@queue_app.command("next")
def next_cmd(
    agent: str = typer.Option(..., "--agent"),
    day: str = typer.Option(None, "--date", help="Plan date (default: today in the business zone)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """The next account to call: highest expected value the agent can serve and the gate allows now."""
    from accord.agents.service import next_for
    from accord.cli._common import check_format, parse_date_arg, print_json
    from accord.kit.db import session_scope

    check_format(fmt)
    d = parse_date_arg(day, "--date") if day else _today()
    with session_scope() as s:
        item = next_for(s, agent, d)
    if fmt == "json":
        print_json(item.as_dict() if item else None)
        return
    if item is None:
        typer.echo("nothing to call now (queue empty, capacity reached, or no one may be called at this hour)")
        return
    for k, v in item.as_dict().items():
        typer.echo(f"{k:15} {v}")


@queue_app.command("log")
def log_cmd(
    agent: str = typer.Option(..., "--agent"),
    action: str = typer.Option(..., "--action"),
    outcome: str = typer.Option(..., "--outcome"),
    notes: str = typer.Option(None, "--notes"),
    promise_amount: str = typer.Option(None, "--promise-amount"),
    promise_date: str = typer.Option(None, "--promise-date"),
    talk_seconds: int = typer.Option(None, "--talk-seconds"),
    dispute: str = typer.Option(None, "--dispute", help="A dispute or complaint raised on the call: not_my_debt, "
                                "wrong_amount, already_paid, identity_theft, service_complaint, collector_conduct."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Log a call's outcome, a promise to pay, a dispute raised on the call and notes (checked by the
    content check); the promise confirmation and dispute acknowledgement go to the outbox."""
    from accord.agents.service import log_outcome
    from accord.outbox.notices import send_notices
    from accord.cli._common import check_format, parse_date_arg, print_json
    from accord.kit.db import session_scope

    check_format(fmt)
    pd = parse_date_arg(promise_date, "--promise-date") if promise_date else None
    with session_scope() as s:
        result = log_outcome(s, agent, action, outcome, notes=notes, promise_amount=promise_amount,
                             promise_date=pd, talk_seconds=talk_seconds, dispute=dispute)
        result["notices"] = send_notices(s, result["notices"], actor=f"agent:{agent}")
    if fmt == "json":
        print_json(result)
    else:
        typer.echo(f"logged {outcome}" + (f", promise {result['promise_id']}" if result["promise_id"] else "")
                   + (f", dispute {result['dispute_id']}" if result["dispute_id"] else ""))


def _today():  # noqa: ANN202
    from datetime import datetime

    from accord.config import get_settings
    from accord.kit.timeutil import zone

    return datetime.now(zone(get_settings().business_timezone)).date()


def register(app: typer.Typer) -> None:
    app.add_typer(agent_app, name="agent")
    app.add_typer(queue_app, name="queue")
