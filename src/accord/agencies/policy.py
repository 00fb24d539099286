"""The agency placement policy as data (``policy.yaml`` next to this file, or the file named by
``ACCORD_AGENCY_POLICY_FILE``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


from accord.kit.errors import InputError
from accord.kit.yamlfile import read_mapping

DEFAULT_FILE = Path(__file__).resolve().parent / "policy.yaml"


@dataclass(frozen=True)
class AgencyPolicy:
    notice_days: int = 3
    notice_channel: str = "sms"
    term_days: int = 90
    evaluation_max_age_days: int = 365
    blocking_holds: tuple[str, ...] = ("dispute", "legal", "cease", "bankruptcy", "attorney")
    blocking_stages: tuple[str, ...] = ("legal", "mediation")


def load_policy(path: str | Path | None = None) -> AgencyPolicy:
    path = Path(path or os.environ.get("ACCORD_AGENCY_POLICY_FILE") or DEFAULT_FILE)
    data = read_mapping(path, "agency policy")
    known = AgencyPolicy.__dataclass_fields__
    for key in data:
        if key not in known:
            raise InputError(f"{path}: unknown agency policy setting {key!r}")
    for key in ("notice_days", "term_days", "evaluation_max_age_days"):
        if key in data and (not isinstance(data[key], int) or data[key] < 0):
            raise InputError(f"{path}: {key} must be a whole number of days, not {data[key]!r}")
    for key in ("blocking_holds", "blocking_stages"):
        if key in data:
            data[key] = tuple(data[key] or ())
    return AgencyPolicy(**data)
