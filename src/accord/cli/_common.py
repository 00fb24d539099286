"""Small helpers shared by CLI modules."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

from rich.console import Console

from accord.kit.errors import InputError

# Human output and progress go to stderr so that --format json keeps stdout clean.
err = Console(stderr=True)
out = Console()


def parse_date_arg(value: str, name: str = "--as-of") -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    if fmt not in allowed:
        raise InputError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None, default=str) + "\n")


def parse_timestamp_arg(value: str | None, name: str) -> datetime | None:
    """An ISO timestamp with an offset (naive refused, exit 2), or None."""
    from accord.kit.timeutil import parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from exc


def emit(fmt: str, data, columns: list[str] | None = None, title: str | None = None) -> None:  # noqa: ANN001
    """JSON on stdout, or a table (a list of objects) / key-value lines (one object)."""
    check_format(fmt)
    if fmt == "json":
        print_json(data)
        return
    from rich.table import Table

    if isinstance(data, list):
        cols = columns or (list(data[0]) if data else [])
        t = Table(title=title)
        for c in cols:
            t.add_column(c)
        for row in data:
            t.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in cols])
        out.print(t)
        if not data:
            out.print("(none)")
    else:
        for k, v in data.items():
            out.print(f"{k}: {v}", highlight=False)
