"""Legal-track policy as data: whether automatic contacts stop while a matter of a track is open, per
jurisdiction. Shipped in ``accord/legal/data/legal.yaml``; ``ACCORD_LEGAL_POLICY_FILE`` replaces it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from accord.kit.errors import InputError
from accord.kit.yamlfile import read_yaml
from accord.legal.rules import TRACKS

DEFAULT = Path(__file__).resolve().parent / "data" / "legal.yaml"


@dataclass(frozen=True)
class LegalPolicy:
    contacts_stop: dict  # jurisdiction (or "default") -> {track: bool}

    def stops_contacts(self, jurisdiction: str, track: str) -> bool:
        rules = self.contacts_stop.get(jurisdiction) or self.contacts_stop["default"]
        return bool(rules.get(track, self.contacts_stop["default"].get(track, True)))


@lru_cache(maxsize=4)
def _load(path: Path) -> LegalPolicy:
    data = read_yaml(path, "legal policy")
    stop = (data or {}).get("contacts_stop") if isinstance(data, dict) else None
    if not isinstance(stop, dict) or "default" not in stop:
        raise InputError(f"{path}: the legal policy needs contacts_stop with a default entry")
    out = {}
    for code, rules in stop.items():
        if not isinstance(rules, dict) or any(t not in TRACKS or not isinstance(v, bool) for t, v in rules.items()):
            raise InputError(f"{path}: contacts_stop.{code} must map tracks ({', '.join(TRACKS)}) to true / false")
        out[str(code)] = dict(rules)
    return LegalPolicy(out)


def legal_policy() -> LegalPolicy:
    given = os.environ.get("ACCORD_LEGAL_POLICY_FILE")
    return _load(Path(given) if given else DEFAULT)
