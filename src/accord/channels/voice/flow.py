"""Call flows as data: ``flows/<stage>.<lang>.yaml``, a state machine a compliance officer can read.

A state either speaks and waits (``say`` + ``on``: answer → next state) or decides at once
(``decide: promise`` with ``date_missing`` / ``out_of_window`` / ``ok`` targets), or ends the call
(``end: {result: ...}``). ``global_on`` answers (stop, agent, ...) work in every waiting state unless
the state maps them itself. Silence re-prompts with ``no_input``; an answer the state does not expect
re-prompts with ``reprompt``; after ``max_retries`` of either the flow goes to ``silence_target`` /
``unclear_target``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from accord.channels.voice.answers import ANSWERS
from accord.kit.errors import InputError

FLOWS_DIR = Path(__file__).parent / "flows"
CALL_OUTCOMES = ("busy", "not_in_service", "no_answer", "rejected", "voicemail_no_message",
                 "voicemail_message", "limited_content_message", "answered_dropped",
                 "conversation", "wrong_number")


class FlowError(InputError):
    """A flow file that cannot be used (unknown state, answer or outcome)."""


@dataclass(frozen=True)
class State:
    name: str
    say: str = ""
    on: dict[str, str] = field(default_factory=dict)
    reprompt: str = ""
    no_input: str = ""
    decide: str = ""
    targets: dict[str, str] = field(default_factory=dict)
    end: dict[str, str] | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    stage: str
    lang: str
    start: str
    states: dict[str, State]
    global_on: dict[str, str]
    max_retries: int = 2
    silence_target: str = ""
    unclear_target: str = ""
    promise_window_days: int = 14

    def state(self, name: str) -> State:
        return self.states[name]


def parse_flow(data: dict, source: str = "<memory>") -> Flow:
    """Validate a flow document: every target exists, answers and outcomes are known."""
    try:
        states = {}
        for name, spec in data["states"].items():
            spec = spec or {}
            targets = {k: spec[k] for k in ("date_missing", "out_of_window", "ok") if k in spec}
            # YAML 1.1 reads a bare `on:` key as the boolean True.
            on = spec.get("on", spec.get(True, {}))
            states[name] = State(name=name, say=str(spec.get("say", "")), on=dict(on or {}),
                                 reprompt=str(spec.get("reprompt", "")),
                                 no_input=str(spec.get("no_input", "")),
                                 decide=str(spec.get("decide", "")), targets=targets,
                                 end=spec.get("end"))
        flow = Flow(id=str(data["id"]), stage=str(data["stage"]), lang=str(data["lang"]),
                    start=str(data["start"]), states=states,
                    global_on=dict(data.get("global_on", {})),
                    max_retries=int(data.get("max_retries", 2)),
                    silence_target=str(data["silence_target"]),
                    unclear_target=str(data["unclear_target"]),
                    promise_window_days=int(data.get("promise_window_days", 14)))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FlowError(f"{source}: not a valid call flow ({type(exc).__name__}: {exc})") from exc
    names = set(states)
    refs = [flow.start, flow.silence_target, flow.unclear_target, *flow.global_on.values()]
    for st in states.values():
        refs += [*st.on.values(), *st.targets.values()]
        unknown = set(st.on) - set(ANSWERS)
        if unknown:
            raise FlowError(f"{source}: state {st.name} expects unknown answer(s) {sorted(unknown)}")
        if st.end is not None and st.end.get("outcome", "conversation") not in CALL_OUTCOMES:
            raise FlowError(f"{source}: state {st.name} ends with unknown outcome {st.end['outcome']!r}")
        if st.decide and st.decide != "promise":
            raise FlowError(f"{source}: state {st.name} decides on unknown {st.decide!r}")
        if not (st.say or st.decide or st.end is not None):
            raise FlowError(f"{source}: state {st.name} neither speaks, decides nor ends")
    missing = sorted({r for r in refs if r not in names})
    if missing:
        raise FlowError(f"{source}: unknown state(s) {', '.join(missing)}")
    return flow


@lru_cache(maxsize=32)
def load_flow(stage: str, lang: str) -> Flow:
    path = FLOWS_DIR / f"{stage}.{lang}.yaml"
    if not path.is_file():
        raise FlowError(f"no call flow for stage {stage!r} in language {lang!r} ({path.name})")
    return parse_flow(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def list_flows() -> list[tuple[str, str]]:
    """(stage, lang) of every shipped flow."""
    return sorted(tuple(p.stem.split(".", 1)) for p in FLOWS_DIR.glob("*.yaml")
                  if not p.name.startswith("_"))
