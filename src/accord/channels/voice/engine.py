"""The voice robot's engine: transcript in, prompt out. Pure (no audio, no network): a telephony
adapter plays the prompts and feeds back what speech recognition heard.

    session = VoiceSession(load_flow("overdue", "en"), context, today=date(2026, 3, 20), policy="US")
    prompt = session.start()
    step = session.hear("yes, speaking")   # Prompt, or End (the call is over) with .result
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from accord.channels.rendering import prepare_context, render_string
from accord.channels.voice.answers import Heard, classify
from accord.channels.voice.flow import Flow, State


@dataclass(frozen=True)
class Promise:
    amount: Decimal
    date: date


@dataclass(frozen=True)
class CallResult:
    """How the call ended. ``outcome`` is a call outcome of contracts.md; ``result`` the flow's end
    (promise, plan_accepted, handoff, opt_out, callback, paid_claimed, dispute, wrong_number,
    third_party, no_response, hung_up)."""

    outcome: str
    result: str
    promise: Promise | None = None
    handoff: bool = False
    opt_out: bool = False
    identity_confirmed: bool = False
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prompt:
    text: str
    state: str
    done: bool = False


@dataclass(frozen=True)
class End:
    text: str
    state: str
    result: CallResult
    done: bool = True


@dataclass
class Turn:
    speaker: str  # "robot" or "callee"
    text: str
    state: str
    answer: str = ""


@dataclass
class VoiceSession:
    """One call. ``understand`` is "auto" (accord.conversations when installed), None (keyword
    fallback only) or a callable ``(text, today=, lang=) -> obj with .intent .amount .date``."""

    flow: Flow
    context: dict
    today: date
    policy: str = "CN"
    understand: Callable | None | str = "auto"
    transcript: list[Turn] = field(default_factory=list)
    result: CallResult | None = None
    _state: str = ""
    _retries: int = 0
    _spoke: bool = False
    _identity: bool = False
    _amount: Decimal | None = None
    _date: date | None = None
    _path: list[str] = field(default_factory=list)

    # -- public API -------------------------------------------------------------------------------
    def start(self) -> Prompt | End:
        if self._state:
            raise RuntimeError("the session has already started")
        return self._enter(self.flow.start)

    def hear(self, transcript: str | None) -> Prompt | End:
        """What the callee said (None or "" = silence / no input) → the robot's next prompt."""
        if self.result is not None:
            raise RuntimeError("the call is over")
        if not self._state:
            raise RuntimeError("call start() first")
        heard = classify(transcript, lang=self.flow.lang, today=self.today,
                         understand=self.understand)
        if transcript and transcript.strip():
            self.transcript.append(Turn("callee", transcript, self._state, heard.answer))
        state = self.flow.state(self._state)
        if heard.answer == "silence":
            return self._retry(state, state.no_input or state.say, self.flow.silence_target)
        target = state.on.get(heard.answer) or self.flow.global_on.get(heard.answer)
        if target is None:
            return self._retry(state, state.reprompt or state.say, self.flow.unclear_target)
        self._spoke = True
        if self._state == self.flow.start and heard.answer == "yes":
            self._identity = True
        if heard.answer == "promise" or heard.amount is not None or heard.date is not None:
            self._amount = heard.amount if heard.amount is not None else self._amount
            self._date = heard.date if heard.date is not None else self._date
        return self._enter(target)

    def hangup(self) -> End:
        """The callee hung up (or the line dropped) before the flow ended."""
        if self.result is None:
            self._finish({"result": "hung_up"}, self._state or self.flow.start)
        return End("", self._state, self.result)

    @property
    def state(self) -> str:
        return self._state

    # -- machinery --------------------------------------------------------------------------------
    def _ctx(self) -> dict:
        ctx = prepare_context(self.context, lang=self.flow.lang, policy=self.policy,
                              channel="ai_call")
        if self._amount is not None or self._date is not None:
            ctx["promise"] = {"amount": self._amount if self._amount is not None
                              else self.context.get("amount_due"), "date": self._date}
        return ctx

    def _say(self, source: str, state: str) -> str:
        text = render_string(source, self._ctx(), f"call flow {self.flow.id} state {state}")
        self.transcript.append(Turn("robot", text, state))
        return text

    def _retry(self, state: State, source: str, give_up: str) -> Prompt | End:
        self._retries += 1
        if self._retries > self.flow.max_retries:
            return self._enter(give_up)
        return Prompt(self._say(source, state.name), state.name)

    def _enter(self, name: str) -> Prompt | End:
        for _ in range(len(self.flow.states) + 1):  # decide states chain; never loop forever
            state = self.flow.state(name)
            self._state, self._retries = name, 0
            self._path.append(name)
            if state.decide == "promise":
                name = self._decide_promise(state)
                continue
            text = self._say(state.say, name) if state.say else ""
            if state.end is not None:
                self._finish(state.end, name)
                return End(text, name, self.result)
            return Prompt(text, name)
        raise RuntimeError(f"call flow {self.flow.id} loops through decide states")

    def _decide_promise(self, state: State) -> str:
        if self._date is None:
            return state.targets["date_missing"]
        if self._amount is None and self.context.get("amount_due") is not None:
            # "I'll pay on Friday" means the amount we just told them.
            self._amount = Decimal(str(self.context["amount_due"]))
        latest = self.today + timedelta(days=self.flow.promise_window_days)
        if not (self.today <= self._date <= latest) or not self._amount or self._amount <= 0:
            self._date = None if not (self.today <= self._date <= latest) else self._date
            return state.targets["out_of_window"]
        return state.targets["ok"]

    def _finish(self, end: dict, name: str) -> None:
        result = str(end.get("result", "no_commitment"))
        outcome = end.get("outcome")
        if outcome is None:
            outcome = "conversation" if self._spoke else "answered_dropped"
        promise = None
        if result == "promise" and self._amount is not None and self._date is not None:
            promise = Promise(self._amount, self._date)
        self.result = CallResult(outcome=str(outcome), result=result, promise=promise,
                                 handoff=result == "handoff", opt_out=result == "opt_out",
                                 identity_confirmed=self._identity, states=tuple(self._path))
