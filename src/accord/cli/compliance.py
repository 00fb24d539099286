"""CLI: ``accord compliance check | lint | explain | replay`` — the compliance gate from the outside.

``check`` follows contracts.md ("Compliance check"): one planned contact with its context as JSON (a
file or stdin) in, the decision as JSON out; exit 0 whenever a decision was made, 2 for invalid input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

compliance_app = typer.Typer(help="The compliance gate: check a planned contact, lint texts, explain packs, "
                                  "replay past contacts.", no_args_is_help=True)

OVERRIDES_HELP = "YAML file overriding pack parameters (default: ACCORD_POLICY_OVERRIDES_FILE)."


@compliance_app.command("check")
def check(
    file: Path = typer.Argument(None, help="JSON file with the planned contact and its context (stdin when omitted)."),
    overrides: Path = typer.Option(None, "--overrides", help=OVERRIDES_HELP),
) -> None:
    """Decide one planned contact: prints {"decision", "violations", "policy", ...} as JSON."""
    from accord.cli._common import print_json
    from accord.compliance import evaluate, load_policy, parse_check
    from accord.kit.errors import InputError

    if file is None:
        origin, text = "stdin", sys.stdin.read()
    else:
        if not file.is_file():
            raise InputError(f"{file}: no such file")
        origin, text = str(file), file.read_text(encoding="utf-8")
    req = parse_check(text, origin)
    policy = load_policy(req.policy, overrides)
    print_json(evaluate(policy, req.context, req.planned).as_dict())


@compliance_app.command("lint")
def lint(
    text_or_file: str = typer.Argument(..., help="The message text, or a file holding it."),
    policy: str = typer.Option(..., "--policy", help="CN, US or UK."),
    lang: str = typer.Option(None, "--lang", help="zh or en (detected when omitted)."),
    channel: str = typer.Option(None, "--channel", help="sms, email... turns on required wording (US)."),
    law_firm: bool = typer.Option(False, "--law-firm", help="The collector is a law firm."),
    statute_barred: bool = typer.Option(False, "--statute-barred", help="The debt is statute-barred."),
    first: bool = typer.Option(False, "--first", help="First communication (US full disclosure)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Check a template's words: prints every hit; exit 1 when there is any, 0 when clean."""
    from accord.cli._common import check_format, print_json
    from accord.compliance import load_policy
    from accord.compliance.content import check_text
    from accord.compliance.schema import CHANNELS
    from accord.kit.errors import InputError

    check_format(fmt)
    if lang not in (None, "zh", "en"):
        raise InputError(f"--lang must be zh or en, not {lang!r}")
    if channel is not None and channel not in CHANNELS:
        raise InputError(f"--channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    path = Path(text_or_file)
    try:
        is_file = len(text_or_file) < 4096 and path.is_file()
    except OSError:
        is_file = False
    text = path.read_text(encoding="utf-8") if is_file else text_or_file
    pol = load_policy(policy)
    hits = check_text(text, policy=pol, lang=lang, channel=channel, collector_is_law_firm=law_firm,
                      statute_barred=statute_barred, first_communication=first)
    if fmt == "json":
        print_json([{"category": h.category, "rule": h.rule, "start": h.start, "end": h.end,
                     "matched": h.matched, "message": h.message} for h in hits])
    elif not hits:
        typer.echo(f"clean under {pol.name}")
    else:
        from rich.table import Table

        from accord.cli._common import out

        table = Table(title=f"{len(hits)} hit(s) under {pol.name}")
        for col in ("category", "rule", "span", "matched"):
            table.add_column(col)
        for h in hits:
            table.add_row(h.category, h.rule, f"{h.start}-{h.end}", h.matched or h.message)
        out.print(table)
    if hits:
        raise typer.Exit(1)


@compliance_app.command("explain")
def explain(
    policy: str = typer.Option(None, "--policy", help="CN, US or UK (all packs when omitted)."),
    overrides: Path = typer.Option(None, "--overrides", help=OVERRIDES_HELP),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """List a pack's rules with their parameters and sources."""
    from accord.cli._common import check_format, print_json
    from accord.compliance.policy import POLICIES, load_policy

    check_format(fmt)
    packs = [load_policy(policy, overrides)] if policy else [load_policy(p, overrides) for p in POLICIES]
    data = [{"policy": p.name, "version": p.version, "title": p.title, "rules": [r.as_dict() for r in p.rules]}
            for p in packs]
    if fmt == "json":
        print_json(data[0] if policy else data)
        return
    from rich.table import Table

    from accord.cli._common import out

    for p in data:
        table = Table(title=f"{p['policy']} {p['version']}: {p['title']}", show_lines=True)
        for col in ("rule", "tag", "title", "parameters", "source"):
            table.add_column(col, overflow="fold")
        for r in p["rules"]:
            params = ", ".join(f"{k}={v}" for k, v in r["parameters"].items()) or "—"
            table.add_row(r["id"], r["tag"], r["title"], params, r["source"])
        out.print(table)


@compliance_app.command("replay")
def replay(
    history_file: Path = typer.Argument(..., help="CSV or JSON lines of past contacts (see docs)."),
    policy: str = typer.Option(..., "--policy", help="CN, US or UK."),
    borrowers: Path = typer.Option(None, "--borrowers", help="JSON lines of borrower objects (consents, flags...)."),
    overrides: Path = typer.Option(None, "--overrides", help=OVERRIDES_HELP),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Re-check past contacts and report every one the gate would have blocked, by rule (exit 0)."""
    from accord.cli._common import check_format, print_json
    from accord.compliance.policy import load_policy
    from accord.compliance.replay import replay as run_replay

    check_format(fmt)
    report = run_replay(load_policy(policy, overrides), history_file, borrowers)
    if fmt == "json":
        print_json(report.as_dict())
        return
    from rich.table import Table

    from accord.cli._common import out

    out.print(f"{report.checked} outbound contact(s) checked under {report.policy} {report.policy_version}; "
              f"{len(report.blocked)} would have been blocked.")
    if report.by_rule:
        summary = Table(title="Blocked contacts by rule")
        summary.add_column("rule")
        summary.add_column("contacts", justify="right")
        for rule, n in report.by_rule.items():
            summary.add_row(rule, str(n))
        out.print(summary)
        detail = Table(title="Blocked contacts")
        for col in ("row", "borrower", "at", "channel", "target", "rules", "why"):
            detail.add_column(col, overflow="fold")
        for b in report.blocked:
            detail.add_row(str(b["row"]), b["borrower_id"], b["at"], b["channel"], b["target"],
                           ", ".join(b["rules"]), "; ".join(b["messages"]))
        out.print(detail)


def register(app: typer.Typer) -> None:
    app.add_typer(compliance_app, name="compliance")
