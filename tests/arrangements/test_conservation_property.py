"""Money conservation through every restructure, on the database: random books (method, rate, term,
penalty, partial payments), run to a random day, then a random arrangement of any kind accepted
(approved first when above the automatic bounds). Per component, owed before = owed after + waived,
``verify_ledger`` finds nothing, and it still finds nothing after the daily run goes on."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.arrangements import service
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from accord.kit.migrate import upgrade
from arrangements_helpers import loan, make_book, owed, pay, run, verify, waived
from fixtures.book import wipe

TERMS = {
    "plan": st.fixed_dictionaries({"instalments": st.integers(1, 12), "scope": st.sampled_from(["overdue", "outstanding"]),
                                   "waive_penalty": st.booleans()}),
    "extension": st.fixed_dictionaries({"months": st.integers(1, 4)}),
    "settlement": st.fixed_dictionaries({"discount": st.sampled_from(["0.05", "0.15", "0.30", "0.45"]),
                                         "instalments": st.integers(1, 4)}),
    "holiday": st.fixed_dictionaries({"months": st.integers(1, 4), "token": st.sampled_from(["0", "1.00", "25.00"]),
                                      "waive_penalty": st.booleans()}),
    "reage": st.fixed_dictionaries({"spread_months": st.integers(1, 8)}),
}


@st.composite
def scenarios(draw):
    method = draw(st.sampled_from(["annuity", "equal_principal", "interest_only", "bullet"]))
    term = draw(st.integers(2, 12))
    row = loan("L1", principal=f"{draw(st.integers(500, 20000))}.00", annual_rate=draw(st.sampled_from(["0", "0.12", "0.24"])),
               term_months=term, repayment_method=method, penalty_rate_daily=draw(st.sampled_from(["0", "0.0005"])),
               grace_days=draw(st.integers(0, 3)))
    day = date(2026, 1, 15) + timedelta(days=draw(st.integers(20, 30 * term)))
    payments = [pay(f"P{k}", "L1", (date(2026, 1, 16) + timedelta(days=draw(st.integers(0, (day - date(2026, 1, 16)).days)))).isoformat(),
                    f"{draw(st.integers(1, 3000))}.{draw(st.integers(0, 99)):02d}")
                for k in range(draw(st.integers(0, 3)))]
    kind = draw(st.sampled_from(list(TERMS)))
    return row, payments, day, kind, draw(TERMS[kind]), draw(st.integers(0, 60))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sc=scenarios())
def test_money_is_conserved_through_random_restructures(sc, tmp_path_factory):
    row, payments, day, kind, terms, later = sc
    folder = tmp_path_factory.mktemp("book")
    url = f"sqlite:///{folder / 'accord.db'}"
    upgrade(url)
    wipe(url)
    make_book(url, folder / "files", [row], payments)
    run(url, day)
    before, waived_before = owed(url), waived(url)
    try:
        with session_scope(url) as s:
            a = service.propose(s, "L1", kind, terms, actor="agent:A1", today=day)
            if a.approval_needed == "manager":
                service.approve(s, a.id, by="manager:M1")
            service.accept(s, a.id, actor="borrower", today=day)
    except (ProblemError, InputError) as exc:
        event(f"refused: {str(exc)[:40]}")
        assert owed(url) == before and verify(url) == []  # refused: nothing changed
        return
    event(f"accepted {kind}")
    after, w = owed(url), waived(url)
    for c in before:
        assert before[c] == after[c] + (w[c] - waived_before[c]), c
    assert verify(url) == []
    run(url, day + timedelta(days=later + 1))
    from accord.arrangements.monitoring import monitor

    with session_scope(url) as s:
        monitor(s, day + timedelta(days=later + 1))
    assert verify(url) == []
