"""Entry point of the ``accord`` command. Each command group lives in its own module with a
``register(app)`` function; heavy libraries are imported inside commands to keep start-up fast."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from accord.kit.errors import AccordError, ValidationFailed

app = typer.Typer(
    name="accord",
    help="Accord: humane, compliant and effective debt collection.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules under accord.cli, in the order they appear in --help.
COMMAND_MODULES = (
    "database",
    "importing",
    "run",
    "report",
    "journal",
    "ledger",
    "demo",
    "compliance",
    "intent",
    "model",
    "channels",
    "strategy",
    "cases",
    "arrangements",
    "agents",
    "dialler",
    "agencies",
    "outbox",
    "legal",
    "writeoffs",
)


@app.callback()
def _global(
    db: str = typer.Option(None, "--db", help="Database URL (default: ACCORD_DATABASE_URL or sqlite:///accord.db)."),
) -> None:
    if db:
        os.environ["ACCORD_DATABASE_URL"] = db
        from accord.config import get_settings

        get_settings.cache_clear()


for _name in COMMAND_MODULES:
    importlib.import_module(f"accord.cli.{_name}").register(app)


def fail(message: str, code: int) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    raise SystemExit(code)


def main() -> None:
    try:
        app(standalone_mode=True)
    except ValidationFailed as exc:
        for err in exc.errors:
            sys.stderr.write(f"error: {err}\n")
        fail(f"error: {exc}", exc.exit_code)
    except AccordError as exc:
        fail(f"error: {exc}", exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the contract forbids bare tracebacks
        if os.environ.get("ACCORD_DEBUG"):
            raise
        fail(f"error: {type(exc).__name__}: {exc} (set ACCORD_DEBUG=1 for a traceback)", 1)


if __name__ == "__main__":
    main()
