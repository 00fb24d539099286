"""Render a template into the text a borrower receives (pure: no I/O beyond reading package data).

Templates run in Jinja's ``SandboxedEnvironment`` with ``StrictUndefined``: a template edited by a
non-programmer can neither reach Python internals nor silently print an empty amount. Filters:
``money`` (Decimal → 1,050.00元 / $1,050.00 / £1,050.00 in the context's currency) and ``date``
(2026年3月20日 / March 20, 2026 / 20 March 2026).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError as JinjaError, UndefinedError, pass_context
from jinja2.sandbox import SandboxedEnvironment

from accord.channels.catalog import (
    BODY_FOR_CHANNEL, POLICIES, TEMPLATES_DIR, Template, TemplateError, get_template,
)
from accord.channels.formatting import default_currency, format_date, format_money, locale_for


@dataclass(frozen=True)
class RenderedMessage:
    """What a channel sends: ``subject`` (email subject, push title, letter heading), ``text`` and
    ``html`` (email only, else None), with the choices that produced them."""

    subject: str
    text: str
    html: str | None
    template_id: str = ""
    lang: str = ""
    tone: str = ""
    channel: str = ""
    policy: str = ""


@pass_context
def _money(ctx, value: Any, currency: str | None = None) -> str:
    return format_money(value, currency or ctx.get("currency") or "CNY", ctx["_locale"])


@pass_context
def _date(ctx, value: Any) -> str:
    return format_date(value, ctx["_locale"])


def _env(autoescape: bool, money=_money, date=_date) -> SandboxedEnvironment:  # noqa: ANN001
    # Text templates use inline {% if %} inside paragraphs: keep their newlines as written.
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=autoescape,
                               trim_blocks=autoescape, lstrip_blocks=autoescape)
    env.filters["money"] = money
    env.filters["date"] = date
    return env


TEXT_ENV = _env(autoescape=False)
HTML_ENV = _env(autoescape=True)


@lru_cache(maxsize=4096)
def _compiled(source: str):
    # Compiling is the slow part of Jinja; the catalogue is small, so cache by source text.
    return TEXT_ENV.from_string(source)


@lru_cache(maxsize=1)
def _layout():
    return HTML_ENV.from_string((TEMPLATES_DIR / "_layout.html.j2").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def wording() -> dict:
    return yaml.safe_load((TEMPLATES_DIR / "_wording.yaml").read_text(encoding="utf-8"))


def is_debt_collector(context: dict) -> bool:
    """Regulation F's disclosure is for debt collectors; when the sender is unknown, disclose."""
    if "debt_collector" in context:
        return bool(context["debt_collector"])
    return context.get("collector_kind", "third_party") != "first_party"


def render_string(source: str, context: dict, where: str = "template") -> str:
    """Render one Jinja snippet with the prepared context (see ``prepare_context``)."""
    try:
        return _compiled(source).render(context).strip()
    except UndefinedError as exc:
        raise TemplateError(f"{where} needs a context value that was not given: {exc.message}") from exc
    except (JinjaError, ValueError, TypeError) as exc:
        raise TemplateError(f"{where} cannot be rendered: {exc}") from exc


def prepare_context(context: dict, *, lang: str, policy: str, channel: str = "",
                    tone: str = "neutral", first_communication: bool = False) -> dict:
    """The template context plus the values every template may use (locale, currency, flags)."""
    if policy not in POLICIES:
        raise TemplateError(f"unknown policy {policy!r} (use one of {', '.join(POLICIES)})")
    try:
        loc = locale_for(lang, policy)
    except ValueError as exc:
        raise TemplateError(str(exc)) from exc
    ctx = dict(context)
    ctx.setdefault("currency", default_currency(policy))
    ctx.setdefault("first_communication", first_communication)
    ctx.update(_locale=loc, lang=lang, policy=policy, channel=channel, tone=tone,
               debt_collector=is_debt_collector(context))
    return ctx


@dataclass(frozen=True)
class Parts:
    """What a message is made of before rendering: the Jinja sources of its subject, body, required
    prefix and footer (None when the policy has none), the fixed disclosure, and the prepared context."""

    template: Template
    used_tone: str
    where: str
    ctx: dict
    subject: str
    body: str
    prefix: str | None
    footer: str | None
    disclosure: str


def message_parts(template: Template, *, lang: str, tone: str, channel: str, context: dict,
                  policy: str) -> Parts:
    if "brand" not in context:
        raise TemplateError("the context needs 'brand' (the lender's brand shown to the borrower)")
    source = template.body(channel, lang, tone)
    used_tone = template.tone_for(tone)
    where = f"template {template.id} ({lang}, {used_tone}, {channel}, {policy})"
    ctx = prepare_context(context, lang=lang, policy=policy, channel=channel, tone=used_tone,
                          first_communication=template.first_communication)
    # The prefix, disclosure and footer this policy requires on this channel.
    rules = wording()["policies"][policy].get(channel) or {}
    disclosure = ""
    if rules.get("disclosure") and ctx["debt_collector"]:
        which = "first" if ctx["first_communication"] else "subsequent"
        disclosure = wording()["disclosure"][which][lang]
    return Parts(template, used_tone, where, ctx, template.subject[lang], source,
                 rules["prefix"][lang] if "prefix" in rules else None,
                 rules["footer"][lang] if "footer" in rules else None, disclosure)


def assemble(parts: Parts, *, lang: str, channel: str, subject: str, body: str, prefix: str, footer: str,
             ctx: dict) -> tuple[str, str | None]:
    """(text, html) of the message from its rendered parts (``ctx``: the prepared context, for the
    e-mail layout)."""
    disclosure = parts.disclosure
    if BODY_FOR_CHANNEL[channel] == "short":
        # One line for SMS / push; Chinese runs on without spaces.
        sep = "" if lang == "zh" else " "
        return sep.join(part for part in (prefix + body, disclosure, footer) if part), None
    tail = [part for part in (disclosure, footer) if part]
    text = "\n\n".join([prefix + body, *tail]) if tail else prefix + body
    return text, _html(subject, prefix + body, tail, ctx) if channel == "email" else None


def _html(subject: str, body: str, footer: list[str], ctx: dict) -> str:
    paragraphs = [p.splitlines() for p in body.split("\n\n") if p.strip()]
    return _layout().render(subject=subject, paragraphs=paragraphs, footer=footer,
                            brand=ctx.get("brand", ""), lang=ctx["lang"]).strip()


def render_template(template: Template, *, lang: str, tone: str, channel: str, context: dict,
                    policy: str) -> RenderedMessage:
    """Render a ``Template`` object (for templates not yet in the catalogue, e.g. while linting)."""
    p = message_parts(template, lang=lang, tone=tone, channel=channel, context=context, policy=policy)
    ctx, where = p.ctx, p.where
    subject = render_string(p.subject, ctx, where)
    body = render_string(p.body, ctx, where)
    prefix = render_string(p.prefix, ctx, where) if p.prefix is not None else ""
    footer = render_string(p.footer, ctx, where) if p.footer is not None else ""
    text, html = assemble(p, lang=lang, channel=channel, subject=subject, body=body, prefix=prefix, footer=footer,
                          ctx=ctx)
    return RenderedMessage(subject, text, html, template.id, lang, p.used_tone, channel, policy)


def render(template_id: str, *, lang: str, tone: str = "neutral", channel: str, context: dict,
           policy: str) -> RenderedMessage:
    """Render catalogue template ``template_id`` for one language, tone, channel and policy.

    Raises ``TemplateError`` (an ``InputError``) naming the template and the missing context field.
    """
    return render_template(get_template(template_id), lang=lang, tone=tone, channel=channel,
                           context=context, policy=policy)


def template_dir() -> Path:
    return TEMPLATES_DIR
