"""CLI: ``accord channels`` — send a test message, list and render templates, lint them, and try a
voice-robot call flow. Thin: parse, call ``accord.channels``, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

channels_app = typer.Typer(help="Message templates, channel adapters and the voice robot.",
                           no_args_is_help=True)


def _check_format(fmt: str) -> None:
    from accord.kit.errors import InputError

    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r} is not one of text, json")


def _load_context(path: Path | None, lang: str, policy: str) -> dict:
    from accord.channels.samples import sample_context
    from accord.kit.errors import InputError

    ctx = sample_context(lang, policy)
    if path is not None:
        try:
            extra = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: cannot read the context JSON ({exc})") from exc
        if not isinstance(extra, dict):
            raise InputError(f"{path}: the context must be a JSON object")
        ctx.update(extra)
    return ctx


@channels_app.command("send-test")
def send_test(
    channel: str = typer.Option(..., "--channel", help="email, sms or push"),
    to: str = typer.Option(..., "--to", help="Email address, phone number or device token"),
    lang: str = typer.Option("en", "--lang", help="zh or en"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Send one test message through the configured adapter; prints the Message-ID / provider id."""
    from accord.channels.service import send_test as do_send

    _check_format(fmt)
    got = do_send(channel, to, lang=lang)
    if fmt == "json":
        print(json.dumps({"channel": channel, "to": to, "provider_id": got.provider_id,
                          "status": got.status, "at": got.at.isoformat()}, ensure_ascii=False))
    else:
        print(got.provider_id)


@channels_app.command("templates")
def templates(fmt: str = typer.Option("text", "--format", help="text or json")) -> None:
    """List message templates: id, purpose, stage, channels, languages, tones."""
    from accord.channels.catalog import list_templates

    _check_format(fmt)
    rows = list_templates()
    if fmt == "json":
        print(json.dumps([{"id": t.id, "purpose": t.purpose, "stage": t.stage,
                           "channels": list(t.channels), "langs": list(t.langs),
                           "tones": list(t.tones), "description": t.description} for t in rows],
                         ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("template", "purpose", "stage", "channels", "langs", "tones")
    for t in rows:
        table.add_row(t.id, t.purpose, t.stage, ",".join(t.channels), ",".join(t.langs),
                      ",".join(t.tones))
    Console(width=140).print(table)


@channels_app.command("render")
def render(
    template: str = typer.Argument(..., help="Template id (see 'accord channels templates')"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    tone: str = typer.Option("neutral", "--tone", help="gentle, neutral or firm"),
    policy: str = typer.Option("CN", "--policy", help="CN, US or UK"),
    channel: str = typer.Option("", "--channel", help="sms, push, email or letter (default: the first)"),
    context: Path = typer.Option(None, "--context", help="JSON file with values over the sample context"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Render a template with sample context (for template authors); exit 1 on lint issues."""
    from accord.channels.catalog import get_template
    from accord.channels.lint import content_checker, lint_template
    from accord.channels.rendering import render as do_render
    from accord.kit.errors import ProblemError

    _check_format(fmt)
    tpl = get_template(template)
    channel = channel or tpl.channels[0]
    ctx = _load_context(context, lang, policy)
    msg = do_render(template, lang=lang, tone=tone, channel=channel, context=ctx, policy=policy)
    issues = lint_template(tpl, policies=[policy], langs=[lang], tones=[msg.tone],
                           channels=[channel], context=ctx)
    if fmt == "json":
        print(json.dumps({"template": msg.template_id, "lang": lang, "tone": msg.tone,
                          "channel": channel, "policy": policy, "subject": msg.subject,
                          "text": msg.text, "html": msg.html,
                          "issues": [str(i) for i in issues]}, ensure_ascii=False))
    else:
        print(f"Subject: {msg.subject}\n\n{msg.text}")
    if content_checker() is None:
        sys.stderr.write("note: the compliance content check is not installed; wording only\n")
    if issues:
        for issue in issues:
            sys.stderr.write(f"issue: {issue}\n")
        raise ProblemError(f"template {template} has {len(issues)} lint issue(s)")


@channels_app.command("lint")
def lint(files: list[Path] = typer.Argument(None, help="Template YAML files (default: every template)")) -> None:
    """Check templates (files about to be saved, or the whole catalogue) in every language, tone,
    channel and policy: rendering, required wording, compliance content check."""
    from accord.channels.catalog import load_template_file
    from accord.channels.lint import content_checker, lint_all, lint_template
    from accord.kit.errors import ProblemError

    issues = ([i for f in files for i in lint_template(load_template_file(f))] if files
              else lint_all())
    if content_checker() is None:
        sys.stderr.write("note: the compliance content check is not installed; wording only\n")
    for issue in issues:
        print(issue)
    if issues:
        raise ProblemError(f"{len(issues)} template lint issue(s)")
    print("ok: no issues")


@channels_app.command("call-sim")
def call_sim(
    stage: str = typer.Option("overdue", "--stage", help="Call flow stage (overdue, pre_due)"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    policy: str = typer.Option("CN", "--policy", help="CN, US or UK"),
    today: str = typer.Option(None, "--today", help="Date the call happens (ISO)"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Run the voice robot on transcripts read from stdin (one utterance per line; an empty line is
    silence) and print the dialogue and the call outcome."""
    from datetime import date

    from accord.channels.samples import sample_context
    from accord.channels.voice import VoiceSession, load_flow
    from accord.channels.voice.telephony import LoopbackTelephony, run_call
    from accord.kit.errors import InputError
    from accord.kit.timeutil import parse_date

    _check_format(fmt)
    try:
        day = parse_date(today) if today else date.today()
    except ValueError as exc:
        raise InputError(f"--today: {exc}") from exc
    script = [line.rstrip("\n") or None for line in sys.stdin]
    session = VoiceSession(load_flow(stage, lang), sample_context(lang, policy), today=day,
                           policy=policy)
    record = run_call(LoopbackTelephony({"sim": script}), "sim", session)
    res = record.result
    promise = res.promise
    summary = {"outcome": record.outcome, "result": res.result,
               "promise": {"amount": f"{promise.amount:.2f}", "date": promise.date.isoformat()}
               if promise else None,
               "dialogue": [{"speaker": t.speaker, "text": t.text, "state": t.state}
                            for t in session.transcript]}
    if fmt == "json":
        print(json.dumps(summary, ensure_ascii=False))
        return
    for turn in session.transcript:
        print(f"{'robot ' if turn.speaker == 'robot' else 'callee'}: {turn.text}")
    print(f"-> outcome {record.outcome}, result {res.result}"
          + (f", promise {summary['promise']['amount']} by {summary['promise']['date']}" if promise else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(channels_app, name="channels")
