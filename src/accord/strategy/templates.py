"""Check that every template a strategy names exists for its channel (when the channels feature's
template registry is available)."""

from __future__ import annotations

from accord.kit.errors import InputError
from accord.strategy.schema import Strategy


def known_templates() -> set[str] | None:
    try:
        from accord.channels import templates as registry  # noqa: PLC0415
    except ImportError:
        return None
    lister = getattr(registry, "list_templates", None)
    if lister is None:
        return None
    out = set()
    for t in lister():
        out.add(t if isinstance(t, str) else getattr(t, "id", None) or getattr(t, "template_id", None) or str(t))
    return out


def check_templates(strategy: Strategy, source: str) -> None:
    known = known_templates()
    if known is None:
        return
    for ladder, steps in strategy.ladders.items():
        for i, st in enumerate(steps):
            if st.template and st.template not in known:
                raise InputError(f"{source}: ladder {ladder}, step {i + 1}: unknown template {st.template!r}")
