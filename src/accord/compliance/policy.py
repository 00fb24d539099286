"""Policy packs: the CN / US / UK rule sets shipped as YAML data, plus a lender's parameter overrides.

A pack lists every rule of ``docs/compliance-rules.md`` (id, title, parameters, source, tag). Each rule
may name the gate ``checks`` it enforces and the message-``content`` categories it covers, so the gate
code stays generic and a pack decides which rule id a violation is reported under.

Overrides (YAML, path from ``--overrides``, else ``ACCORD_POLICY_OVERRIDES_FILE``)::

    US:
      US-FREQ-01: {max_calls: 2}          # Massachusetts: 2 creditor calls per 7 days
      US-TIME-01: {allowed_start: "09:00", allowed_end: "20:00"}

Only parameters that the pack already has may be overridden (a typo must not silently do nothing).
The decision's ``policy_version`` then carries a short hash of the overrides, so a stored decision
says exactly which parameters it was made under.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from accord.kit.errors import InputError

POLICIES = ("CN", "US", "UK")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str
    tag: str
    parameters: MappingProxyType
    checks: tuple[str, ...] = ()
    content: tuple[str, ...] = ()
    note: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source, "tag": self.tag,
                "parameters": dict(self.parameters), "note": self.note}


@dataclass(frozen=True)
class Policy:
    """One loaded pack. ``rule_for(check)`` says which rule id enforces a check (None: not in this pack)."""

    name: str
    version: str
    title: str
    rules: tuple[Rule, ...]
    _checks: dict = field(repr=False, compare=False, hash=False)
    _content: dict = field(repr=False, compare=False, hash=False)
    _by_id: dict = field(repr=False, compare=False, hash=False)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def rule_for(self, check: str) -> str | None:
        return self._checks.get(check)

    def param(self, check: str, name: str, default: Any = None) -> Any:
        rid = self._checks.get(check)
        return default if rid is None else self._by_id[rid].parameters.get(name, default)

    def content_rule(self, category: str) -> str | None:
        return self._content.get(category)


def _read_pack(name: str) -> dict:
    text = resources.files("accord.compliance.packs").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _read_overrides(path: Path | None) -> dict:
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: policy overrides file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of policy -> rule id -> parameters")
    return data


def _build(name: str, overrides: dict, origin: str) -> Policy:
    raw = _read_pack(name)
    by_rule = overrides.get(name) or {}
    if not isinstance(by_rule, dict):
        raise InputError(f"{origin}: section {name} must map rule ids to parameters")
    known = {r["id"]: r for r in raw["rules"]}
    for rid, params in by_rule.items():
        if rid not in known:
            raise InputError(f"{origin}: {name} has no rule {rid!r}")
        if not isinstance(params, dict):
            raise InputError(f"{origin}: {rid} must map parameter names to values")
        for key in params:
            if key not in (known[rid].get("parameters") or {}):
                raise InputError(f"{origin}: rule {rid} has no parameter {key!r}")
    rules, checks, content = [], {}, {}
    for r in raw["rules"]:
        params = {**(r.get("parameters") or {}), **(by_rule.get(r["id"]) or {})}
        rule = Rule(r["id"], r["title"], r["source"], r["tag"], MappingProxyType(params),
                    tuple(r.get("checks") or ()), tuple(r.get("content") or ()), r.get("note"))
        rules.append(rule)
        for c in rule.checks:
            checks.setdefault(c, rule.id)
        for c in rule.content:
            content.setdefault(c, rule.id)
    version = str(raw["version"])
    if by_rule:
        digest = hashlib.sha256(json.dumps(by_rule, sort_keys=True, default=str).encode()).hexdigest()
        version += f"+ovr.{digest[:8]}"
    return Policy(name, version, raw["title"], tuple(rules), checks, content, {r.id: r for r in rules})


@lru_cache(maxsize=32)
def _cached(name: str, overrides_path: str | None, mtime: float | None) -> Policy:
    overrides = _read_overrides(Path(overrides_path)) if overrides_path else {}
    return _build(name, overrides, overrides_path or "overrides")


def load_policy(name: str, overrides_file: Path | str | None = None, *, use_settings: bool = True) -> Policy:
    """The pack ``name`` (CN / US / UK) with overrides from ``overrides_file`` or the settings."""
    if isinstance(name, Policy):
        return name
    key = str(name).strip().upper()
    if key not in POLICIES:
        raise InputError(f"unknown policy {name!r}; known policies: {', '.join(POLICIES)}")
    if overrides_file is None and use_settings:
        from accord.config import get_settings

        overrides_file = get_settings().policy_overrides_file
    path = str(Path(overrides_file).resolve()) if overrides_file else None
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else None
    return _cached(key, path, mtime)


def policy_from_mapping(name: str, overrides: dict) -> Policy:
    """A pack with in-memory overrides (tests, the simulation)."""
    key = str(name).strip().upper()
    if key not in POLICIES:
        raise InputError(f"unknown policy {name!r}; known policies: {', '.join(POLICIES)}")
    return _build(key, overrides, "overrides")


# Loaded policies by (name, version): lets cached functions take a hashable key instead of a Policy.
_POLICY_OBJECTS: dict[tuple[str, str], Policy] = {}


def remember(policy: Policy) -> tuple[str, str]:
    key = (policy.name, policy.version)
    _POLICY_OBJECTS.setdefault(key, policy)
    return key
