"""CLI: ``accord ledger verify`` — balances re-derived from postings must match the book."""

from __future__ import annotations

import typer

ledger_app = typer.Typer(help="The ledger of postings.", no_args_is_help=True)


@ledger_app.command("verify")
def verify(fmt: str = typer.Option("table", "--format")) -> None:
    """Check that every installment's paid amounts, every loan's credit and every applied payment
    agree with the postings (exit 1 on any mismatch)."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.ledger.verify import verify_ledger

    check_format(fmt)
    with session_scope() as session:
        checked, problems = verify_ledger(session)
    if fmt == "json":
        print_json({"checked": checked, "consistent": not problems, "mismatches": [str(p) for p in problems]})
    else:
        typer.echo(f"consistent: {checked} rows checked" if not problems else
                   f"INCONSISTENT ({len(problems)} shown):\n" + "\n".join(f"  {p}" for p in problems))
    if problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
