"""The lender's own details in every message: brand, collector name, phone numbers, service hours,
payment link. ``ACCORD_LENDER_PROFILE`` points at a YAML file shaped like the sample context
(``common`` / ``lang`` / ``policy`` sections); its values replace the samples', so a lender's real
messages never carry the demo brand. Without a profile the samples are used (demo and tests).

Example::

    lang:
      zh: {brand: 安信借, collector_name: 安信借客户服务中心, service_hours: 每天9:00至21:00}
      en: {brand: Anxin Lending, collector_name: Anxin Customer Care, service_hours: 9am to 9pm daily}
    policy:
      CN: {pay_url: "https://pay.anxin.example/l", contact_phone: 400-800-1234}
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


from accord.channels.samples import sample_context
from accord.kit.errors import InputError
from accord.kit.yamlfile import read_yaml

SECTIONS = ("common", "lang", "policy")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    data = read_yaml(path, "lender profile") or {}
    if not isinstance(data, dict) or set(data) - set(SECTIONS):
        raise InputError(f"{path}: a lender profile has only the sections {', '.join(SECTIONS)}")
    for key in ("lang", "policy"):
        for name, values in (data.get(key) or {}).items():
            if not isinstance(values, dict):
                raise InputError(f"{path}: {key}.{name} must be a mapping of names to values")
    return data


def lender_profile() -> dict:
    path = os.environ.get("ACCORD_LENDER_PROFILE")
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise InputError(f"ACCORD_LENDER_PROFILE: no file {path}")
    return _load(str(p), p.stat().st_mtime)


def base_context(lang: str, policy: str) -> dict:
    """The context a real message starts from: samples, then the lender's profile over them."""
    ctx = sample_context(lang, policy)
    prof = lender_profile()
    ctx.update(prof.get("common") or {})
    ctx.update((prof.get("lang") or {}).get(lang) or {})
    ctx.update((prof.get("policy") or {}).get(policy) or {})
    return ctx
