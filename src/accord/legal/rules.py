"""Pure rules of the legal track: tracks, states, allowed transitions and step validation. No I/O."""

from __future__ import annotations

from datetime import date

from accord.kit.errors import InputError, ProblemError

TRACKS = ("mediation", "lawsuit")
PRESERVATION = "preservation"  # 财产保全: a step on a lawsuit that does not change its state

# The state a matter opens in, per track.
INITIAL = {"mediation": "requested", "lawsuit": "filed"}

# Allowed next states per track and state. Terminal states have none. A lawsuit may go from acceptance
# straight to judgment (small-claims and internet-court procedures without a hearing), hold several
# hearings, and conclude after a judgment that is paid without enforcement.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "mediation": {
        "requested": ("accepted", "failed", "withdrawn"),
        "accepted": ("agreement", "failed", "withdrawn"),
        "agreement": (), "failed": (), "withdrawn": (),
    },
    "lawsuit": {
        "filed": ("accepted", "withdrawn"),
        "accepted": ("hearing", "judgment", "withdrawn"),
        "hearing": ("hearing", "judgment", "withdrawn"),
        "judgment": ("enforcement", "concluded"),
        "enforcement": ("concluded",),
        "concluded": (), "withdrawn": (),
    },
}

# Where a preservation step may be recorded (from filing until enforcement ends).
PRESERVATION_STATES = ("filed", "accepted", "hearing", "judgment", "enforcement")

# Steps whose amount is the judgment amount (the claim is the amount given when the matter opens).
JUDGMENT_STEPS = {"judgment"}


def check_track(track: str) -> str:
    if track not in TRACKS:
        raise InputError(f"track {track!r} is not one of {', '.join(TRACKS)}")
    return track


def is_terminal(track: str, state: str) -> bool:
    return not TRANSITIONS[track][state]


def all_steps(track: str) -> tuple[str, ...]:
    """Every step name of a track (its states, and preservation for lawsuits)."""
    names = tuple(TRANSITIONS[track])
    return (*names, PRESERVATION) if track == "lawsuit" else names


def check_step(track: str, state: str, to: str, on: date, last_on: date) -> bool:
    """Validate moving a matter in ``state`` to ``to`` on ``on``; returns True when the step changes
    the state (False for a preservation step). An invalid step is refused naming the current state and
    the steps allowed from it; a date before the previous step is refused too."""
    if to not in all_steps(track):
        raise InputError(f"{to!r} is not a step of a {track} (steps: {', '.join(all_steps(track))})")
    allowed = TRANSITIONS[track][state]
    allowed_text = ", ".join((*allowed, *((PRESERVATION,) if track == "lawsuit" and state in PRESERVATION_STATES
                                          else ()))) or "none: the matter is closed"
    if to == PRESERVATION:
        if state not in PRESERVATION_STATES:
            raise ProblemError(f"the {track} is {state}: property preservation is not possible now "
                               f"(allowed next: {allowed_text})")
    elif to not in allowed:
        raise ProblemError(f"the {track} is {state}: it cannot move to {to} (allowed next: {allowed_text})")
    if on < last_on:
        raise InputError(f"step date {on} is before the previous step of the matter ({last_on})")
    return to != PRESERVATION
