"""The template catalogue: YAML files under ``channels/templates/`` (one per template id).

A compliance officer edits these files; a lender may add or override templates in the folder named by
``ACCORD_TEMPLATES_DIR`` (same file format, same id replaces the shipped one). Each file holds a
subject per language and bodies per language and tone: ``short`` for SMS / push, ``long`` for email /
letter. Required wording (disclosures, opt-out lines, brand) is NOT written in the templates: it is
added per policy and channel from ``templates/_wording.yaml`` so no template can forget it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from accord.kit.errors import InputError

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANGS = ("zh", "en")
TONES = ("gentle", "neutral", "firm")
CHANNELS = ("sms", "push", "email", "letter")
POLICIES = ("CN", "US", "UK")
# Which body a channel uses: SMS and push are short, email and letter long.
BODY_FOR_CHANNEL = {"sms": "short", "push": "short", "email": "long", "letter": "long"}


class TemplateError(InputError):
    """A template id, language, tone, channel or context that cannot be rendered (exit 2)."""


@dataclass(frozen=True)
class Template:
    """One message template: a purpose at a stage, in several languages and tones."""

    id: str
    purpose: str
    stage: str
    description: str
    channels: tuple[str, ...]
    tones: tuple[str, ...]
    langs: tuple[str, ...]
    first_communication: bool
    subject: dict[str, str]
    # bodies[kind][lang][tone] -> Jinja source; kind is "short" or "long"
    bodies: dict[str, dict[str, dict[str, str]]] = field(repr=False)
    source: str = ""

    def tone_for(self, tone: str) -> str:
        """The tone actually used: a single-tone template (a legal notice) ignores the request."""
        if tone not in TONES:
            raise TemplateError(f"unknown tone {tone!r} (use one of {', '.join(TONES)})")
        if tone in self.tones:
            return tone
        if len(self.tones) == 1:
            return self.tones[0]
        raise TemplateError(f"template {self.id} has no tone {tone!r} (it has {', '.join(self.tones)})")

    def body(self, channel: str, lang: str, tone: str) -> str:
        if channel not in self.channels:
            raise TemplateError(
                f"template {self.id} is not for channel {channel!r} (it is for {', '.join(self.channels)})")
        if lang not in self.langs:
            raise TemplateError(f"template {self.id} has no language {lang!r}")
        return self.bodies[BODY_FOR_CHANNEL[channel]][lang][self.tone_for(tone)]


# What list_templates() returns: the catalogue without the Jinja source.
@dataclass(frozen=True)
class TemplateInfo:
    id: str
    purpose: str
    stage: str
    description: str
    channels: tuple[str, ...]
    langs: tuple[str, ...]
    tones: tuple[str, ...]
    source: str


def _per_tone(value: object, tones: tuple[str, ...], where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {t: value for t in tones}
    if not isinstance(value, dict) or set(value) != set(tones):
        raise TemplateError(f"{where}: give one text, or one per tone ({', '.join(tones)})")
    return {t: str(value[t]) for t in tones}


def parse_template(data: dict, source: str = "<memory>") -> Template:
    """Validate one template document (the parsed YAML) and build a ``Template``."""
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: a template file must be a YAML mapping")
    missing = [k for k in ("id", "purpose", "channels", "subject") if k not in data]
    if missing:
        raise TemplateError(f"{source}: missing field(s) {', '.join(missing)}")
    tid = str(data["id"])
    channels = tuple(data["channels"])
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise TemplateError(f"{source}: unknown channel(s) {', '.join(bad)}")
    tones = tuple(data.get("tones") or ("neutral",))
    if any(t not in TONES for t in tones):
        raise TemplateError(f"{source}: tones must be among {', '.join(TONES)}")
    subject = {str(k): str(v) for k, v in data["subject"].items()}
    langs = tuple(lang for lang in LANGS if lang in subject)
    if not langs:
        raise TemplateError(f"{source}: subject needs at least one of {', '.join(LANGS)}")
    bodies: dict[str, dict[str, dict[str, str]]] = {}
    for kind in sorted({BODY_FOR_CHANNEL[c] for c in channels}):
        section = data.get(kind)
        if not isinstance(section, dict):
            raise TemplateError(f"{source}: channels {', '.join(channels)} need a '{kind}' body")
        bodies[kind] = {}
        for lang in langs:
            if lang not in section:
                raise TemplateError(f"{source}: '{kind}' has no text for language {lang}")
            bodies[kind][lang] = _per_tone(section[lang], tones, f"{source}: {kind}.{lang}")
    return Template(
        id=tid, purpose=str(data["purpose"]), stage=str(data.get("stage", "")),
        description=str(data.get("description", "")).strip(), channels=channels, tones=tones,
        langs=langs, first_communication=bool(data.get("first_communication", False)),
        subject=subject, bodies=bodies, source=source,
    )


def load_template_file(path: Path | str) -> Template:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read template ({exc})") from exc
    template = parse_template(data, str(path))
    if template.id != path.stem:
        raise TemplateError(f"{path}: id {template.id!r} must match the file name")
    return template


def _template_files(folder: Path) -> list[Path]:
    # Files starting with "_" hold shared data (wording, samples), not templates.
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


@lru_cache(maxsize=8)
def _catalogue(extra_dir: str | None) -> dict[str, Template]:
    found = {t.id: t for t in map(load_template_file, _template_files(TEMPLATES_DIR))}
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise TemplateError(f"ACCORD_TEMPLATES_DIR {extra_dir} is not a folder")
        found.update({t.id: t for t in map(load_template_file, _template_files(folder))})
    return found


def catalogue() -> dict[str, Template]:
    """Every template by id: the shipped ones, overridden by ``ACCORD_TEMPLATES_DIR``."""
    return _catalogue(os.environ.get("ACCORD_TEMPLATES_DIR") or None)


def get_template(template_id: str) -> Template:
    found = catalogue().get(template_id)
    if found is None:
        raise TemplateError(
            f"unknown template {template_id!r} (run 'accord channels templates' to list them)")
    return found


def list_templates() -> list[TemplateInfo]:
    return [
        TemplateInfo(t.id, t.purpose, t.stage, t.description, t.channels, t.langs, t.tones, t.source)
        for t in sorted(catalogue().values(), key=lambda t: t.id)
    ]
