"""Template lint: render a template with sample context in every language, tone, channel and policy,
then check the result — required wording (our own rules) and the compliance content check
(``accord.compliance.content.check_text``, imported lazily: it belongs to the compliance feature).

A compliance officer runs it on a template file before saving it (``accord channels lint FILE``); the
test suite runs it on every shipped template and expects zero issues.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from accord.channels.catalog import (
    POLICIES, TONES, Template, TemplateError, catalogue, get_template,
)
from accord.channels.rendering import RenderedMessage, is_debt_collector, render_template
from accord.channels.samples import sample_context


@dataclass(frozen=True)
class LintIssue:
    """One problem with one rendering: ``kind`` is render | wording | content."""

    template_id: str
    lang: str
    tone: str
    channel: str
    policy: str
    kind: str
    rule: str
    category: str
    detail: str

    def __str__(self) -> str:
        return (f"{self.template_id} [{self.lang}/{self.tone}/{self.channel}/{self.policy}] "
                f"{self.kind} {self.rule or ''} {self.category}: {self.detail}").replace("  ", " ")


def content_checker() -> Callable | None:
    """The compliance content check, or None while the compliance feature does not provide it."""
    try:
        from accord.compliance.content import check_text
    except ImportError:
        return None
    return check_text


def wording_problems(msg: RenderedMessage, context: dict) -> list[tuple[str, str, str]]:
    """Required wording that a rendered message lacks, as (rule, category, detail)."""
    found: list[tuple[str, str, str]] = []
    low = msg.text.lower()
    if msg.policy == "US" and msg.channel in ("sms", "email"):
        if "reply stop" not in low:
            found.append(("US-OPTOUT-01", "required_wording", "no 'Reply STOP' opt-out line"))
    if msg.policy == "US" and msg.channel in ("sms", "email", "push", "letter"):
        if is_debt_collector(context) and "debt collector" not in low:
            found.append(("US-DISC-01", "required_wording", "no debt-collector disclosure"))
    if msg.policy == "CN" and msg.channel == "sms":
        if not msg.text.startswith(f"【{context['brand']}】"):
            found.append(("CN-SMS-BRAND", "required_wording", "SMS does not start with 【brand】"))
        if not msg.text.endswith("退订回T") and "退订回T" not in msg.text:
            found.append(("CN-SMS-OPTOUT", "required_wording", "SMS has no 退订回T"))
    return found


def _hit_fields(hit: object) -> tuple[str, str, str]:
    if isinstance(hit, dict):
        return str(hit.get("rule", "")), str(hit.get("category", "")), str(hit.get("matched", ""))
    return (str(getattr(hit, "rule", "")), str(getattr(hit, "category", "")),
            str(getattr(hit, "matched", "")))


def lint_template(template: str | Template, *, policies: Iterable[str] = POLICIES,
                  langs: Iterable[str] | None = None, tones: Iterable[str] | None = None,
                  channels: Iterable[str] | None = None, context: dict | None = None,
                  check: Callable | None | bool = True) -> list[LintIssue]:
    """Every issue of one template (an id or a parsed ``Template``) across the combinations asked.

    ``context`` replaces the sample context; ``check=False`` skips the content check; ``check=True``
    uses the compliance content check when it is installed.
    """
    tpl = get_template(template) if isinstance(template, str) else template
    checker = content_checker() if check is True else (check or None)
    issues: list[LintIssue] = []
    for policy in policies:
        for lang in langs or tpl.langs:
            ctx = context if context is not None else sample_context(lang, policy)
            for tone in tones or [t for t in TONES if t in tpl.tones]:
                for channel in channels or tpl.channels:
                    key = (tpl.id, lang, tone, channel, policy)
                    try:
                        msg = render_template(tpl, lang=lang, tone=tone, channel=channel,
                                              context=ctx, policy=policy)
                    except TemplateError as exc:
                        issues.append(LintIssue(*key, "render", "", "render_error", str(exc)))
                        continue
                    for rule, category, detail in wording_problems(msg, ctx):
                        issues.append(LintIssue(*key, "wording", rule, category, detail))
                    if checker is None:
                        continue
                    # One text per message: a subject alone would lack the footer wording.
                    text = msg.text if channel == "sms" else f"{msg.subject}\n\n{msg.text}"
                    for hit in checker(text, policy=policy, lang=lang, channel=channel):
                        rule, category, matched = _hit_fields(hit)
                        issues.append(LintIssue(*key, "content", rule, category,
                                                f"matched {matched!r}"))
    return issues


def lint_all(**kwargs) -> list[LintIssue]:
    """Lint every template in the catalogue."""
    issues: list[LintIssue] = []
    for tpl in catalogue().values():
        issues.extend(lint_template(tpl, **kwargs))
    return issues
