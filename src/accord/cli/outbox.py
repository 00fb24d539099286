"""CLI: ``accord outbox work | status | retry-parked | timeline`` and ``accord inbound reply | delivery``."""

from __future__ import annotations

import typer

from accord.cli._common import parse_timestamp_arg as _ts

outbox_app = typer.Typer(help="The durable outbox: send queued messages, watch and retry them.",
                         no_args_is_help=True)
inbound_app = typer.Typer(help="Inbound: replies and delivery receipts, understood and acted on.",
                          no_args_is_help=True)

ADAPTER_CHANNELS = ("email", "sms", "push", "letter")


def _adapters(channel: str | None) -> dict:
    """The configured adapter of each channel (only ``channel`` when given)."""
    from accord.channels.adapters.base import AdapterConfigError
    from accord.channels.adapters.registry import adapter_for
    from accord.cli._common import err
    from accord.kit.errors import InputError, ProblemError

    if channel and channel not in ADAPTER_CHANNELS:
        raise InputError(f"--channel must be one of {', '.join(ADAPTER_CHANNELS)}, not {channel!r}")
    out = {}
    for ch in [channel] if channel else ADAPTER_CHANNELS:
        try:
            out[ch] = adapter_for(ch)
        except (AdapterConfigError, ValueError) as exc:
            if channel:
                raise ProblemError(f"the {ch} adapter is not configured: {exc}") from exc
            err.print(f"[yellow]skipping {ch}: adapter not configured ({exc})[/yellow]")
    if not out:
        raise ProblemError("no channel adapter is configured; see `accord channels --help` for the settings")
    return out


@outbox_app.command("work")
def work(
    worker: str = typer.Option(..., "--worker", help="Worker id (recorded on every message it claims)."),
    channel: str = typer.Option(None, "--channel", help="Only this channel (email, sms, push, letter)."),
    once: bool = typer.Option(False, "--once", help="One round: claim, send and record one batch, then stop."),
    until_idle: bool = typer.Option(False, "--until-idle", help="Stop when nothing is due."),
    threads: int = typer.Option(1, "--threads", min=1, max=64, help="Sending threads in this process."),
    batch: int = typer.Option(20, "--batch", min=1, max=1000, help="Messages claimed per round."),
    lease: float = typer.Option(120.0, "--lease", min=1, help="Seconds a claim lasts before another worker may take it."),
    rate: list[str] = typer.Option(None, "--rate", help="Rate limit CHANNEL=MESSAGES_PER_SECOND (repeatable)."),
    in_doubt: str = typer.Option("park", "--in-doubt", help="Messages a dead worker left mid-send: park, resend, assume_sent."),
    max_attempts: int = typer.Option(5, "--max-attempts", min=1, help="Sends before a failing message is parked."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Send queued messages through the configured adapters until stopped (Ctrl-C)."""
    from accord.cli._common import check_format, err, print_json
    from accord.config import get_settings
    from accord.kit.errors import InputError
    from accord.outbox.ratelimit import parse_rates
    from accord.outbox.states import IN_DOUBT_POLICIES, RetryPolicy
    from accord.outbox.worker import WorkerConfig, run_worker

    check_format(fmt)
    if in_doubt not in IN_DOUBT_POLICIES:
        raise InputError(f"--in-doubt must be one of {', '.join(IN_DOUBT_POLICIES)}, not {in_doubt!r}")
    try:
        rates = parse_rates(rate)
    except ValueError as exc:
        raise InputError(f"--rate: {exc}") from exc
    config = WorkerConfig(batch=batch, lease_seconds=lease, in_doubt_policy=in_doubt, rates=rates,
                          retry=RetryPolicy(max_attempts=max_attempts))
    adapters = _adapters(channel)
    err.print(f"worker {worker}: sending {', '.join(adapters)}" + (" (one round)" if once else ""))
    try:
        tally = run_worker(get_settings().database_url, worker, adapters, channel=channel, threads=threads,
                           once=once, until_idle=until_idle, config=config)
    finally:
        for a in adapters.values():
            a.close()
    if fmt == "json":
        print_json({"worker": worker, **tally.as_dict()})
    else:
        typer.echo("  ".join(f"{k} {v}" for k, v in tally.as_dict().items()))


@outbox_app.command("status")
def status(fmt: str = typer.Option("table", "--format")) -> None:
    """Message counts by status and by channel."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.outbox.service import status_counts

    check_format(fmt)
    with session_scope() as s:
        counts = status_counts(s)
    if fmt == "json":
        print_json(counts)
        return
    from rich.table import Table

    from accord.cli._common import out

    statuses = [st for st, n in counts["by_status"].items() if n]
    table = Table("channel", *statuses, "total")
    for ch, row in sorted(counts["by_channel"].items()):
        table.add_row(ch, *(str(row.get(st, 0)) for st in statuses), str(sum(row.values())))
    table.add_row("all", *(str(counts["by_status"][st]) for st in statuses), str(counts["total"]))
    out.print(table)


@outbox_app.command("retry-parked")
def retry_parked_cmd(
    include_in_doubt: bool = typer.Option(False, "--include-in-doubt",
                                          help="Also requeue messages a dead worker left in doubt (check the provider first)."),
    channel: str = typer.Option(None, "--channel"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Put parked messages back in the queue with a fresh attempt budget."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.outbox.service import retry_parked

    check_format(fmt)
    with session_scope() as s:
        ids = retry_parked(s, include_in_doubt=include_in_doubt, channel=channel, actor="cli")
    if fmt == "json":
        print_json({"requeued": ids})
    else:
        typer.echo(f"requeued {len(ids)} message(s)")


@outbox_app.command("timeline")
def timeline_cmd(borrower: str = typer.Argument(..., help="Borrower id."),
                 fmt: str = typer.Option("table", "--format")) -> None:
    """A borrower's contacts, replies and journal events in time order."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError
    from accord.outbox import repository as repo
    from accord.outbox.timeline import timeline

    check_format(fmt)
    with session_scope() as s:
        if repo.borrower(s, borrower) is None:
            raise InputError(f"borrower {borrower!r} does not exist")
        items = timeline(s, borrower)
    if fmt == "json":
        print_json(items)
        return
    for i in items:
        what = {"contact": lambda: f"{i['direction']} {i['channel']} {i['outcome'] or ''}",
                "reply": lambda: f"{i['channel']} reply: {i['intent']} {i['text']!r}",
                "journal": lambda: f"{i['kind']} ({i['actor']})"}[i["type"]]()
        typer.echo(f"{i['at']}  {i['type']:<8} {what}")


@inbound_app.command("reply")
def reply(
    text: str = typer.Argument(..., help="The reply text."),
    channel: str = typer.Option("sms", "--channel", help="sms, email, portal, call or ai_call."),
    sender: str = typer.Option(None, "--from", help="The number / address the reply came from."),
    borrower: str = typer.Option(None, "--borrower", help="Borrower id (portal chat, or to disambiguate)."),
    at: str = typer.Option(None, "--at", help="When it was received (ISO 8601 with offset; default now)."),
    lang: str = typer.Option(None, "--lang", help="zh or en (detected when omitted)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Store a reply on the borrower's timeline, classify it and act on it."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError, ProblemError
    from accord.outbox.inbound import INBOUND_CHANNELS, UnknownSender, receive_reply

    check_format(fmt)
    if channel not in INBOUND_CHANNELS:
        raise InputError(f"--channel must be one of {', '.join(INBOUND_CHANNELS)}, not {channel!r}")
    if lang not in (None, "zh", "en"):
        raise InputError(f"--lang must be zh or en, not {lang!r}")
    if not sender and not borrower:
        raise InputError("give --from NUMBER_OR_ADDRESS (or --borrower ID for portal chat)")
    if not text.strip():
        raise InputError("the reply TEXT is empty")
    when = _ts(at, "--at")
    try:
        with session_scope() as s:
            result = receive_reply(s, channel=channel, text=text, sender=sender, borrower_id=borrower, at=when,
                                   lang=lang)
    except UnknownSender as exc:
        raise ProblemError(f"--from: {exc}") from exc
    if fmt == "json":
        print_json(result.as_dict())
        return
    c = result.classification
    typer.echo(f"borrower {result.borrower_id}: {c['intent']} (amount {c['amount']}, date {c['date']}, {c['lang']})")
    for a in result.actions:
        typer.echo(f"  {a['action']} -> {a['record']} ({a['journal']})")


@inbound_app.command("delivery")
def delivery(
    provider_id: str = typer.Argument(..., help="The provider's message id from the send receipt."),
    status: str = typer.Argument(..., help="delivered or undelivered."),
    reason: str = typer.Option("", "--reason"),
    at: str = typer.Option(None, "--at"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Record a delivery receipt for a sent message."""
    from accord.cli._common import check_format, print_json
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError, ProblemError
    from accord.outbox.inbound import record_delivery

    check_format(fmt)
    if status not in ("delivered", "undelivered"):
        raise InputError(f"STATUS must be delivered or undelivered, not {status!r}")
    try:
        with session_scope() as s:
            result = record_delivery(s, provider_id, status, at=_ts(at, "--at"), reason=reason)
    except LookupError as exc:
        raise ProblemError(str(exc).strip("'\"")) from exc
    if fmt == "json":
        print_json(result)
    else:
        typer.echo(f"message {result['message_id']}: {result['status']}")


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(inbound_app, name="inbound")
