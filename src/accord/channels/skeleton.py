"""Many messages of one template at once: ``render`` per (template, language, tone, channel, policy)
once, then each loan's values filled in.

A message part (subject, body, prefix, footer) is rendered once with a *hole* in place of every
per-loan value, giving its fixed text between the holes; each loan's text is that fixed text with the
loan's values, formatted as the template formats them, in the holes. This is the same text ``render``
gives when the part's output around a value cannot depend on the value. That is proved from the
template's syntax tree before it is used (``_fillable``): a per-loan name may appear only as a whole
output expression, ``{{ name }}`` or ``{{ name | money }}`` / ``{{ name | date }}`` (no arguments),
never in an ``{% if %}`` test, a loop, an assignment, an attribute access or any other expression,
and the template has no statement that captures or filters its output (macros, call / filter / set
blocks, blocks, includes). Anything else, and any context key ``prepare_context`` reads
(currency, collector kind ...), falls back to ``render`` per loan. Jinja writes an output expression
as ``str(value)`` and a filter's result as ``str(filter(context, value))``, which is what the holes
are filled with; the tests compare both paths on every shipped template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import nodes, pass_context

from accord.channels.catalog import get_template
from accord.channels.formatting import format_date, format_money
from accord.channels.rendering import (
    RenderedMessage, _date, _env, _money, assemble, message_parts, render,
)

# Keys ``prepare_context`` / ``message_parts`` / the e-mail layout read or set: a per-loan value for
# one of them could change more than a hole (currency, disclosure, locale), so such rows go per loan.
_CONTEXT_KEYS = frozenset({"currency", "first_communication", "debt_collector", "collector_kind", "_locale",
                           "lang", "policy", "channel", "tone", "brand"})
# Statements that only decide or write output; any other statement (macro, call, filter / set block,
# block, include, loop, with ...) may capture or transform output, so its template goes per loan.
_STATEMENTS = (nodes.Template, nodes.Output, nodes.If)
_FILTERS = ("money", "date")
# Around a hole's index in the marked rendering; fixed text that contains it is caught (the holes
# found must be exactly those printed, in order) and its part goes per loan.
_MARK = "\x00\x1e"


class _Hole:
    """A per-loan value while a part is rendered once: prints as its marker."""

    __slots__ = ("key", "seen")

    def __init__(self, key: str, seen: list) -> None:
        self.key, self.seen = key, seen

    def __str__(self) -> str:
        self.seen.append((self.key, "str"))
        return f"{_MARK}{len(self.seen) - 1}{_MARK}"


def _marking(kind: str, real):  # noqa: ANN001, ANN202
    @pass_context
    def f(ctx, value: Any, *args: Any) -> str:  # noqa: ANN001
        if isinstance(value, _Hole):
            value.seen.append((value.key, kind))
            return f"{_MARK}{len(value.seen) - 1}{_MARK}"
        return real(ctx, value, *args)
    return f


_MARK_ENV = _env(autoescape=False, money=_marking("money", _money), date=_marking("date", _date))


@lru_cache(maxsize=1024)
def _fillable(source: str, keys: frozenset[str]) -> bool:
    """True when ``keys`` appear in ``source`` only as whole output expressions (see the module doc)."""
    tree = _MARK_ENV.parse(source)
    if any(isinstance(n, nodes.Stmt) and not isinstance(n, _STATEMENTS) for n in tree.find_all(nodes.Node)):
        return False
    allowed: set[int] = set()
    for out in tree.find_all(nodes.Output):
        for child in out.nodes:
            if isinstance(child, nodes.Name) and child.name in keys:
                allowed.add(id(child))
            elif (isinstance(child, nodes.Filter) and child.name in _FILTERS and isinstance(child.node, nodes.Name)
                  and child.node.name in keys and not child.args and not child.kwargs
                  and child.dyn_args is None and child.dyn_kwargs is None):
                allowed.add(id(child.node))
    return all(id(n) in allowed for n in tree.find_all(nodes.Name) if n.name in keys)


@lru_cache(maxsize=1024)
def _compiled(source: str):  # noqa: ANN202
    return _MARK_ENV.from_string(source)


@dataclass(frozen=True)
class _Part:
    """A rendered part: ``fmt % values`` (``%`` in the fixed text doubled), values per hole."""

    fmt: str
    holes: tuple[tuple[str, str], ...]  # (key, "str" | "money" | "date")


def _part(source: str | None, ctx: dict, keys: frozenset[str]) -> _Part | None:
    """The part's fixed text and holes; None when it must be rendered per loan."""
    if source is None:
        return _Part("", ())
    if not _fillable(source, keys):
        return None
    seen: list = []
    marked = _compiled(source).render({**ctx, **{k: _Hole(k, seen) for k in keys}})
    pieces = marked.split(_MARK)
    # Every hole printed exactly once where it was printed, in order, and no stray marker.
    if len(pieces) != 2 * len(seen) + 1 or any(pieces[2 * i + 1] != str(i) for i in range(len(seen))):
        return None
    text = pieces[0::2]
    return _Part("%s".join(t.replace("%", "%%") for t in text), tuple(seen))


def _formatter(kind: str, ctx: dict):  # noqa: ANN202
    """How a hole of ``kind`` prints a value: what Jinja prints for ``{{ v }}`` / ``{{ v | filter }}``."""
    if kind == "money":
        currency, locale = ctx.get("currency") or "CNY", ctx["_locale"]  # as _money reads the context
        return lambda v: str(format_money(v, currency, locale))
    if kind == "date":
        locale = ctx["_locale"]
        return lambda v: str(format_date(v, locale))
    return str


def render_many(template_id: str, *, lang: str, tone: str, channel: str, policy: str, base: dict,
                columns: Mapping[str, Sequence]) -> list[RenderedMessage | None]:
    """``render(template_id, ..., context={**base, **row})`` for each row of ``columns`` (per-loan
    values by key, equal lengths); None where ``render`` raises. Byte-identical to ``render``."""
    texts = render_texts(template_id, lang=lang, tone=tone, channel=channel, policy=policy, base=base,
                         columns=columns)
    if all(t is None for t in texts):
        return [None] * len(texts)
    used_tone = get_template(template_id).tone_for(tone)  # rendered rows prove both exist
    return [None if t is None else RenderedMessage(*t, template_id, lang, used_tone, channel, policy) for t in texts]


def render_texts(template_id: str, *, lang: str, tone: str, channel: str, policy: str, base: dict,
                 columns: Mapping[str, Sequence]) -> list[tuple[str, str, str | None] | None]:
    """``render_many`` as (subject, text, html) per row: no object per message (the daily run
    renders 100,000 and keeps only the text)."""
    keys = frozenset(columns)
    n = len(next(iter(columns.values()))) if columns else 0

    def one(i: int) -> tuple[str, str, str | None] | None:
        try:
            m = render(template_id, lang=lang, tone=tone, channel=channel, policy=policy,
                       context={**base, **{k: columns[k][i] for k in keys}})
        except Exception:  # noqa: BLE001 - a message that cannot be rendered is reported as None
            return None
        return m.subject, m.text, m.html

    parts = _skeleton(template_id, lang, tone, channel, policy, base, keys)
    if parts is None:
        return [one(i) for i in range(n)]
    p, named = parts
    # Each (key, kind) the parts print, formatted once per row over the whole column.
    values: dict[tuple[str, str], list] = {}
    bad: set[int] = set()
    for key, kind in {h for part in named.values() for h in part.holes}:
        fmt, col, formatted = _formatter(kind, p.ctx), columns[key], []
        for i in range(n):
            try:
                formatted.append(fmt(col[i]))
            except Exception:  # noqa: BLE001 - the reference render raises: let it say so
                formatted.append("")
                bad.add(i)
        values[(key, kind)] = formatted
    texts = {}
    for name, part in named.items():
        cols = [values[h] for h in part.holes]
        texts[name] = [(part.fmt % row).strip() for row in zip(*cols, strict=True)] if cols \
            else [(part.fmt % ()).strip()] * n
    html_ctx = {"lang": lang, "brand": p.ctx.get("brand", "")}  # what the e-mail layout reads
    out: list[tuple[str, str, str | None] | None] = []
    for i, (subject, body, prefix, footer) in enumerate(zip(texts["subject"], texts["body"], texts["prefix"],
                                                            texts["footer"], strict=True)):
        if i in bad:
            out.append(one(i))
        else:
            out.append((subject, *assemble(p, lang=lang, channel=channel, subject=subject, body=body, prefix=prefix,
                                           footer=footer, ctx=html_ctx)))
    return out


def _skeleton(template_id: str, lang: str, tone: str, channel: str, policy: str, base: dict,
              keys: frozenset[str]):  # noqa: ANN202
    """(message parts, {part name: _Part}) for the combination, or None to render per loan."""
    if keys & _CONTEXT_KEYS:
        return None
    try:
        p = message_parts(get_template(template_id), lang=lang, tone=tone, channel=channel,
                          context={**base, **dict.fromkeys(keys)}, policy=policy)
        named = {name: _part(src, p.ctx, keys) for name, src in
                 (("subject", p.subject), ("body", p.body), ("prefix", p.prefix), ("footer", p.footer))}
    except Exception:  # noqa: BLE001 - whatever stops the fixed rendering, render() per loan reports it
        return None
    if any(v is None for v in named.values()):
        return None
    return p, named
