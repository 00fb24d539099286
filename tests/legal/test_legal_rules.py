"""The legal track's state machines: allowed steps only, refusals name the state and the next steps."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.kit.errors import InputError, ProblemError
from accord.legal.rules import INITIAL, PRESERVATION, TRACKS, TRANSITIONS, all_steps, check_step, is_terminal

D = date(2026, 3, 1)


def test_a_full_lawsuit_and_a_mediation():
    state = INITIAL["lawsuit"]
    for to in ("accepted", PRESERVATION, "hearing", "hearing", "judgment", "enforcement", PRESERVATION, "concluded"):
        if check_step("lawsuit", state, to, D, D):
            state = to
    assert state == "concluded" and is_terminal("lawsuit", state)
    state = INITIAL["mediation"]
    for to in ("accepted", "agreement"):
        assert check_step("mediation", state, to, D, D)
        state = to
    assert is_terminal("mediation", state)


def test_invalid_steps_name_the_current_state_and_the_allowed_ones():
    with pytest.raises(ProblemError) as exc:
        check_step("lawsuit", "filed", "judgment", D, D)
    assert str(exc.value) == ("the lawsuit is filed: it cannot move to judgment "
                              "(allowed next: accepted, withdrawn, preservation)")
    with pytest.raises(ProblemError, match="the mediation is agreement: it cannot move to failed "
                                           "\\(allowed next: none: the matter is closed\\)"):
        check_step("mediation", "agreement", "failed", D, D)
    with pytest.raises(ProblemError, match="property preservation is not possible now"):
        check_step("lawsuit", "concluded", PRESERVATION, D, D)
    with pytest.raises(InputError, match="'preservation' is not a step of a mediation"):
        check_step("mediation", "requested", PRESERVATION, D, D)
    with pytest.raises(InputError, match="before the previous step"):
        check_step("lawsuit", "filed", "accepted", date(2026, 2, 1), D)


@given(st.sampled_from(TRACKS), st.lists(st.integers(0, 20), max_size=12))
def test_random_walks_stay_inside_the_machine(track, picks):
    """Whatever is asked, a matter only ever moves along an allowed edge, and nothing leaves a final state."""
    state = INITIAL[track]
    for k in picks:
        to = all_steps(track)[k % len(all_steps(track))]
        try:
            changed = check_step(track, state, to, D, D)
        except ProblemError:
            assert to not in TRANSITIONS[track][state]
            continue
        if changed:
            assert to in TRANSITIONS[track][state]
            state = to
        else:
            assert to == PRESERVATION and track == "lawsuit"
    assert state in TRANSITIONS[track]
