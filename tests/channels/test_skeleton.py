"""Rendering many messages at once (``render_many``) gives every borrower byte for byte the message
``render`` gives, for every shipped template × language × tone × channel × policy and any per-loan
values; templates the fast path cannot prove equal fall back to ``render`` per loan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from accord.channels.catalog import POLICIES, TONES, catalogue
from accord.channels.profile import base_context
from accord.channels.rendering import render
from accord.channels.skeleton import _skeleton, render_many

KEYS = ("borrower_name", "loan_ref", "dpd", "amount_due", "outstanding_balance", "penalty_accrued", "due_date")
COMBOS = [(t.id, lang, tone, ch, pol) for t in catalogue().values() for lang in t.langs for tone in TONES
          for ch in t.channels for pol in POLICIES]

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["%s", "100%", "%(x)s", " padded ", "\n", "a\n\nb", "{{ brand }}", "\x00\x1e0\x00\x1e", "张三"]))
MONEY = st.one_of(
    st.integers(-10**9, 10**9).map(lambda m: f"{'-' if m < 0 else ''}{abs(m) // 100}.{abs(m) % 100:02d}"),
    st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3), st.integers(-10**6, 10**6),
    st.sampled_from(["1,050.00", "¥12", "abc", "", "NaN", 1.5]))  # the last ones cannot be rendered
DAY = st.one_of(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
                st.sampled_from(["2026-03-20", "not a date", 20260320]))
ROW = st.fixed_dictionaries({"borrower_name": TEXT, "loan_ref": TEXT, "dpd": st.one_of(st.integers(-5, 10**4), TEXT),
                             "amount_due": MONEY, "outstanding_balance": MONEY, "penalty_accrued": MONEY,
                             "due_date": DAY})


def _reference(tid, lang, tone, ch, pol, base, row):
    try:
        return render(tid, lang=lang, tone=tone, channel=ch, policy=pol, context={**base, **row})
    except Exception:  # noqa: BLE001 - render_many reports what render would raise as None
        return None


def _both(tid, lang, tone, ch, pol, base, rows):
    got = render_many(tid, lang=lang, tone=tone, channel=ch, policy=pol, base=base,
                      columns={k: [r[k] for r in rows] for k in rows[0]})
    return got, [_reference(tid, lang, tone, ch, pol, base, r) for r in rows]


@settings(max_examples=12, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=4))
def test_every_shipped_combination_renders_the_same_text_as_render(rows):
    bases = {(lang, pol): base_context(lang, pol) for lang in ("zh", "en") for pol in POLICIES}
    for tid, lang, tone, ch, pol in COMBOS:
        got, want = _both(tid, lang, tone, ch, pol, bases[(lang, pol)], rows)
        assert got == want, (tid, lang, tone, ch, pol)


def test_the_fast_path_serves_every_shipped_combination_that_renders():
    """Not vacuous: every combination ``render`` accepts is filled from one rendering."""
    keys, served = frozenset(KEYS), 0
    sample = {"borrower_name": "张三", "loan_ref": "L1", "dpd": 3, "amount_due": "10.00",
              "outstanding_balance": "20.00", "penalty_accrued": "0.00", "due_date": date(2026, 6, 1)}
    for tid, lang, tone, ch, pol in COMBOS:
        base = base_context(lang, pol)
        if _reference(tid, lang, tone, ch, pol, base, sample) is not None:
            assert _skeleton(tid, lang, tone, ch, pol, base, keys) is not None, (tid, lang, tone, ch, pol)
            served += 1
    assert served > 500


UNPROVABLE = {
    "if_on_a_value": "{% if dpd > 30 %}Seriously late. {% endif %}{{ borrower_name }}",
    "truthiness": "{% if borrower_name %}Dear {{ borrower_name }}{% else %}Hello{% endif %}",
    "other_filter": "{{ borrower_name | upper }} owes {{ amount_due | money }}",
    "filter_block": "{% filter upper %}{{ borrower_name }}{% endfilter %} {{ dpd }}",
    "set": "{% set x = amount_due %}{{ x | money }} for {{ borrower_name }}",
    "filter_argument": "{{ amount_due | money('USD') }} for {{ borrower_name }}",
    "expression": "{{ borrower_name ~ '!' }} {{ dpd + 1 }}",
    "loop": "{% for i in range(2) %}{{ borrower_name }} {% endfor %}",
    "macro": "{% macro m() %}{{ borrower_name }}{% endmacro %}{{ m() | upper }}",
    "attribute": "{{ borrower_name.title() }}",
}
PROVABLE = {
    "percent_signs": "100% {{ borrower_name }} %s %% %(x)s {{ amount_due | money }} due {{ due_date | date }}",
    "constant_if": "{% if tone == 'firm' %}Pay now, {% else %}Please pay, {% endif %}{{ borrower_name }}: "
                   "{{ amount_due | money }} ({{ dpd }} days){% if policy == 'US' %} {{ brand }}{% endif %}",
}


@pytest.fixture
def lender_templates(tmp_path, monkeypatch):
    for tid, body in {**UNPROVABLE, **PROVABLE}.items():
        doc = {"id": tid, "purpose": "reminder", "channels": ["sms", "push", "email"], "tones": list(TONES),
               "subject": {"en": "{{ brand }}: " + body, "zh": "{{ brand }}：" + body},
               "short": {"en": body, "zh": body}, "long": {"en": body + "\n\nThanks, {{ brand }}", "zh": body}}
        (tmp_path / f"{tid}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("ACCORD_TEMPLATES_DIR", str(tmp_path))


ROWS = [{"borrower_name": n, "loan_ref": "L-1", "dpd": d, "amount_due": a, "outstanding_balance": "9.00",
         "penalty_accrued": "0.10", "due_date": day}
        for n, d, a, day in [("Alex", 45, "1050.00", date(2026, 3, 20)), ("", 3, Decimal("0.5"), date(2026, 1, 1)),
                             (" 李四 ", 0, "abc", "2026-02-28"), ("%s%%", 31, 1.5, date(2026, 12, 31))]]


@pytest.mark.parametrize("tid", sorted(UNPROVABLE))
def test_a_template_the_fast_path_cannot_prove_falls_back_to_render(lender_templates, tid):
    for ch in ("sms", "email"):
        for lang, pol in (("en", "US"), ("zh", "CN")):
            base = base_context(lang, pol)
            assert _skeleton(tid, lang, "firm", ch, pol, base, frozenset(KEYS)) is None
            got, want = _both(tid, lang, "firm", ch, pol, base, ROWS)
            assert got == want
            assert any(w is not None for w in want)  # the per-loan path really rendered them


@pytest.mark.parametrize("tid", sorted(PROVABLE))
def test_percent_signs_and_constant_conditions_stay_on_the_fast_path(lender_templates, tid):
    for tone in TONES:
        for ch in ("sms", "push", "email"):
            for lang, pol in (("en", "US"), ("en", "UK"), ("zh", "CN")):
                base = base_context(lang, pol)
                assert _skeleton(tid, lang, tone, ch, pol, base, frozenset(KEYS)) is not None
                got, want = _both(tid, lang, tone, ch, pol, base, ROWS)
                assert got == want
                assert [g is None for g in got] == [False, False, True, True]  # bad money: not rendered


def test_context_keys_and_marker_like_constants_go_per_loan():
    base = base_context("en", "US")
    rows = [{**ROWS[0], "currency": "GBP"}, {**ROWS[1], "currency": "USD"}]
    # A per-loan currency (or collector kind ...) changes more than a hole.
    assert _skeleton("reminder_m1_soft", "en", "neutral", "sms", "US", base, frozenset(rows[0])) is None
    got, want = _both("reminder_m1_soft", "en", "neutral", "sms", "US", base, rows)
    assert got == want and "£1,050.00" in got[0].text and "$0.50" in got[1].text
    # A constant that looks like the renderer's own marker is caught, not mistaken for a hole.
    odd = {**base, "brand": "Brand\x00\x1e0\x00\x1e"}
    assert _skeleton("reminder_m1_soft", "en", "neutral", "sms", "US", odd, frozenset(KEYS)) is None
    got, want = _both("reminder_m1_soft", "en", "neutral", "sms", "US", odd, ROWS)
    assert got == want and got[0] is not None
