"""CLI: ``accord journal verify | receipt``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

journal_app = typer.Typer(help="The evidence journal: verify the hash chain, issue receipts.", no_args_is_help=True)


@journal_app.command("verify")
def verify(
    receipts: Path = typer.Option(None, "--receipts", help="A receipt JSON file, or a ZIP of receipts, to check."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Walk the chain: report the first altered or missing entry (exit 1) or 'intact' with the count."""
    from accord.cli._common import check_format, print_json
    from accord.journal import service
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    with session_scope() as session:
        result = service.verify(session)
        problems: list[str] = []
        checked = 0
        if receipts:
            for data in _load_receipts(receipts, InputError):
                checked += 1
                problems.extend(service.check_receipt(session, data))
    ok = result.intact and not problems
    if fmt == "json":
        print_json({"intact": result.intact, "count": result.count,
                    "broken_at": result.broken.seq if result.broken else None,
                    "reason": result.broken.reason if result.broken else None,
                    "receipts_checked": checked, "receipt_problems": problems})
    else:
        if result.intact:
            typer.echo(f"intact: {result.count} entries")
        else:
            typer.echo(f"BROKEN at entry {result.broken.seq}: {result.broken.reason} "
                       f"({result.count} entries verified before it)")
        if receipts:
            typer.echo(f"receipts: {checked} checked, {len(problems)} problem(s)")
            for p in problems:
                typer.echo(f"  {p}")
    if not ok:
        raise typer.Exit(1)


def _load_receipts(path: Path, InputError):  # noqa: ANN001, N803
    import zipfile

    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    if name.endswith(".json") and "receipt" in name.lower():
                        data = json.loads(zf.read(name))
                        yield from (data if isinstance(data, list) else [data])
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            yield from (data if isinstance(data, list) else [data])
    except (json.JSONDecodeError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: not a receipt file ({exc})") from exc


@journal_app.command("receipt")
def receipt(event_id: int = typer.Argument(..., help="Journal sequence number.")) -> None:
    """Print a receipt that lets anyone check this event later."""
    from accord.cli._common import print_json
    from accord.journal import service
    from accord.kit.db import session_scope
    from accord.kit.errors import ProblemError

    with session_scope() as session:
        try:
            data = service.receipt(session, event_id)
        except LookupError as exc:
            raise ProblemError(str(exc)) from exc
    print_json(data)


def register(app: typer.Typer) -> None:
    app.add_typer(journal_app, name="journal")
