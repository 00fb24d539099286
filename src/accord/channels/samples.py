"""Sample context for template authors and the lint (data in ``templates/_samples.yaml``)."""

from __future__ import annotations

import copy
from functools import lru_cache

import yaml

from accord.channels.catalog import TEMPLATES_DIR


@lru_cache(maxsize=1)
def _samples() -> dict:
    return yaml.safe_load((TEMPLATES_DIR / "_samples.yaml").read_text(encoding="utf-8"))


def sample_context(lang: str, policy: str) -> dict:
    """A full context that every shipped template can render with (a fresh copy each call)."""
    data = _samples()
    ctx = copy.deepcopy(data["common"])
    ctx.update(copy.deepcopy(data["lang"].get(lang, data["lang"]["en"])))
    ctx.update(copy.deepcopy(data["policy"].get(policy, {})))
    if policy == "UK":
        ctx["validation"]["creditor_name"] = ctx["brand"]
    ctx.setdefault("validation", {}).setdefault("creditor_name", ctx["brand"])
    return ctx
