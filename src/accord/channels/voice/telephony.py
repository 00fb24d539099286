"""Telephony adapter interface and a loopback implementation for tests and demos.

A real adapter (a SIP/VoIP provider) dials, plays prompt audio (or provider-side TTS) and returns
speech-recognition transcripts; ``run_call`` drives a ``VoiceSession`` over any of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from accord.channels.voice.engine import CallResult, End, VoiceSession
from accord.channels.voice.flow import CALL_OUTCOMES


class Hangup(Exception):
    """The callee hung up while the robot was listening."""


@runtime_checkable
class CallLeg(Protocol):
    """An answered call."""

    def play(self, text: str, audio: str | None = None) -> None: ...

    def listen(self, timeout: float) -> str | None:
        """The transcript of what the callee said; None for silence. Raises ``Hangup``."""

    def hangup(self) -> None: ...


@runtime_checkable
class Telephony(Protocol):
    def dial(self, to: str, *, caller_id: str = "") -> CallLeg | str:
        """An answered ``CallLeg``, or a call outcome when nobody answered (busy, no_answer ...)."""


@dataclass
class CallRecord:
    to: str
    outcome: str
    result: CallResult | None
    played: list[str] = field(default_factory=list)


HANGUP = object()  # put in a loopback script: the callee hangs up here


class LoopbackLeg:
    def __init__(self, script: Iterable[object]):
        self._script = list(script)
        self.played: list[str] = []
        self.closed = False

    def play(self, text: str, audio: str | None = None) -> None:
        self.played.append(text)

    def listen(self, timeout: float) -> str | None:
        if not self._script:
            raise Hangup()
        item = self._script.pop(0)
        if item is HANGUP:
            raise Hangup()
        return None if item is None else str(item)

    def hangup(self) -> None:
        self.closed = True


class LoopbackTelephony:
    """Feeds scripted transcripts: ``{number: ["是我", "明天还500", None, ...]}`` (None = silence;
    running out of script = the callee hangs up), or ``{number: "no_answer"}`` for a call nobody
    answers."""

    def __init__(self, scripts: dict[str, object]):
        self.scripts = scripts
        self.legs: dict[str, LoopbackLeg] = {}

    def dial(self, to: str, *, caller_id: str = "") -> CallLeg | str:
        script = self.scripts.get(to, "not_in_service")
        if isinstance(script, str):
            if script not in CALL_OUTCOMES:
                raise ValueError(f"unknown call outcome {script!r}")
            return script
        leg = LoopbackLeg(script)  # type: ignore[arg-type]
        self.legs[to] = leg
        return leg


def run_call(telephony: Telephony, to: str, session: VoiceSession, *, tts=None,
             listen_timeout: float = 6.0) -> CallRecord:
    """Dial ``to`` and run ``session`` until the flow ends or the callee hangs up."""
    leg = telephony.dial(to)
    if isinstance(leg, str):
        return CallRecord(to, leg, None)
    played: list[str] = []

    def say(text: str) -> None:
        if text:
            audio = str(tts.synthesize(text, session.flow.lang)) if tts is not None else None
            leg.play(text, audio)
            played.append(text)

    step = session.start()
    say(step.text)
    try:
        while not isinstance(step, End):
            step = session.hear(leg.listen(listen_timeout))
            say(step.text)
    except Hangup:
        step = session.hangup()
    finally:
        leg.hangup()
    return CallRecord(to, step.result.outcome, step.result, played)
