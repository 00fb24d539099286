"""Small helpers shared by CLI modules."""

from __future__ import annotations

import json
import sys
from datetime import date

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
