"""Channels: message templates, adapters (email, SMS, push, letters) and the voice robot.

Public API (imports are lazy so ``accord --help`` stays fast):

- ``render(template_id, *, lang, tone, channel, context, policy) -> RenderedMessage``
- ``list_templates() -> list[TemplateInfo]``
- ``lint_template(template_id, ...) -> list[LintIssue]``
- ``adapters.base``: ``ChannelAdapter``, ``OutboundMessage``, ``Receipt``, ``TransientSendError``,
  ``PermanentSendError``; ``adapters.registry.adapter_for(channel)`` picks the configured adapter.
- ``voice``: ``VoiceSession`` (transcript in, prompt out), ``load_flow``, ``run_call``.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "render": "accord.channels.rendering",
    "RenderedMessage": "accord.channels.rendering",
    "list_templates": "accord.channels.catalog",
    "get_template": "accord.channels.catalog",
    "TemplateInfo": "accord.channels.catalog",
    "lint_template": "accord.channels.lint",
    "lint_all": "accord.channels.lint",
    "LintIssue": "accord.channels.lint",
    "sample_context": "accord.channels.samples",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.channels' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = sorted(_LAZY)
