"""CLI: ``accord intent TEXT [--today DATE] [--lang zh|en]`` (contracts.md, "Reply understanding").

Prints one JSON object: ``{"intent": ..., "amount": "500.00" | null, "date": "2026-06-12" | null,
"lang": "zh"}``. ``TEXT`` may be ``-`` to read the reply from stdin (multi-line transcripts).
"""

from __future__ import annotations

import sys

import typer

from accord.kit.errors import InputError


def _today_in_business_zone():
    from datetime import datetime

    from accord.config import get_settings
    from accord.kit.timeutil import zone

    name = get_settings().business_timezone
    try:
        return datetime.now(zone(name)).date()
    except ValueError as exc:
        raise InputError(f"ACCORD_BUSINESS_TIMEZONE {name!r} is not a known IANA time zone") from exc


def intent(
    text: str = typer.Argument(..., help="The reply to understand ('-' reads it from stdin)."),
    today: str = typer.Option(None, "--today", help="Date relative dates resolve against (YYYY-MM-DD); "
                              "default: today in the business time zone."),
    lang: str = typer.Option(None, "--lang", help="zh or en; detected from the text when omitted."),
) -> None:
    """Understand a borrower's reply: intent, amount and date, as JSON."""
    from accord.cli._common import parse_date_arg, print_json
    from accord.conversations import understand
    from accord.conversations.understand import LANGS

    if lang is not None and lang not in LANGS:
        raise InputError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    day = parse_date_arg(today, "--today") if today is not None else _today_in_business_zone()
    if text == "-":
        text = sys.stdin.read()
    print_json(understand(text, today=day, lang=lang).to_contract())


def register(app: typer.Typer) -> None:
    app.command("intent")(intent)
