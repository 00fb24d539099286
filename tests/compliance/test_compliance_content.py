"""Content check: evasions, spans in the original text, negation, firm-but-lawful wording, required
wording, caching, and precision / recall on the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.compliance.content import ContentHit, check_text
from accord.compliance.content.evaluation import load, score
from accord.compliance.content.normalise import normalise

DATA = Path(__file__).parent / "data" / "labelled_messages.tsv"


@pytest.mark.parametrize("text", [
    "我们将立案抓捕你", "我们将立 案 抓 捕你", "我们将立.案.抓.捕你", "我们将立案抓捕你（繁體：立案抓捕）",
    "我們將立案抓捕你", "我们将立、案、抓、捕你", "我们将立\u200b案抓捕你",
])
def test_chinese_evasions_are_caught(text):
    hits = check_text(text, policy="CN")
    assert any(h.category == "arrest_crime" and h.rule == "CN-MISLEAD-01" for h in hits), hits


@pytest.mark.parametrize("text", ["We know where you live", "WE KNOW WHERE YOU LIVE", "ｗｅ ｋｎｏｗ ｗｈｅｒｅ ｙｏｕ ｌｉｖｅ",
                                  "we  know\nwhere you live", "We-know where you live"])
def test_english_case_width_and_spacing(text):
    assert [h.category for h in check_text(text, policy="UK")] == ["violence_threat"]


def test_spans_point_into_the_original_text():
    text = "提醒：你这个老 賴，法院傳票已经寄出"
    hits = check_text(text, policy="CN")
    by_cat = {h.category: h for h in hits}
    assert text[by_cat["insult"].start:by_cat["insult"].end] == by_cat["insult"].matched == "老 賴"
    imp = by_cat["impersonation"]
    assert imp.matched == "法院傳票" and text[imp.start:imp.end] == "法院傳票" and imp.rule == "CN-IMPERS-01"
    assert isinstance(hits[0], ContentHit)


@given(st.text(alphabet=st.sampled_from(list("立案抓捕你老赖 .，、ＡaB\u200b繁體")), max_size=40))
@settings(max_examples=200, deadline=None)
def test_every_span_is_a_slice_of_the_original(text):
    for h in check_text(text, policy="CN"):
        assert 0 <= h.start <= h.end <= len(text) and text[h.start:h.end] == h.matched
    n = normalise(text)
    assert len(n.text) == len(n.starts) == len(n.ends)


@pytest.mark.parametrize("text", [
    "You may be reported to the credit bureau as the contract states.",
    "逾期记录将按合同约定报送征信。",
    "We will not sue you.",
    "You will not be arrested for a civil debt.",
    "我们不会上门，也不会联系您的家人。",
    "谨防诈骗：请勿向个人账户转账。",
    "If we cannot agree a plan, we may take legal action as your agreement allows.",
])
def test_firm_but_lawful_wording_passes(text):
    assert check_text(text, policy="UK") == [] and check_text(text, policy="CN") == []


def test_negation_does_not_swallow_conditions():
    assert [h.category for h in check_text("If you don't pay we will have you arrested.", policy="UK")] == ["arrest_crime"]
    assert check_text("不还钱就让你坐牢", policy="CN")


def test_lawyer_wording_depends_on_the_collector():
    text = "Law Offices of Grant & Hale: we represent your lender."
    assert [h.category for h in check_text(text, policy="US", channel=None, required_wording=False)] == ["impersonation"]
    assert check_text(text, policy="US", collector_is_law_firm=True, required_wording=False) == []


def test_suit_threat_only_matters_for_statute_barred_debts():
    text = "We will take you to court."
    assert check_text(text, policy="UK") == []
    assert [(h.category, h.rule) for h in check_text(text, policy="UK", statute_barred=True)] == [
        ("time_barred_suit", "UK-SBD-01")]
    assert check_text(text, policy="CN", statute_barred=True) == []   # no such rule in the CN pack


def test_us_required_wording():
    bare = "Your payment of $80 is due Friday."
    hits = check_text(bare, policy="US", channel="sms")
    assert [(h.category, h.rule, h.start, h.end, h.matched) for h in hits] == [
        ("required_wording_missing", "US-DISC-01", 0, 0, ""), ("required_wording_missing", "US-OPTOUT-01", 0, 0, "")]
    ok = "This is a debt collector. Your payment of $80 is due Friday. Reply STOP to stop texts to this number."
    assert check_text(ok, policy="US", channel="sms") == []
    # A letter needs the disclosure but no opt-out; the first communication needs the full notice.
    assert [h.rule for h in check_text("From a debt collector: balance $80.", policy="US", channel="letter")] == []
    first = [h.rule for h in check_text("From a debt collector: balance $80.", policy="US", channel="letter",
                                        first_communication=True)]
    assert first == ["US-DISC-01"]
    full = ("We are a debt collector attempting to collect a debt and any information obtained will be used for "
            "that purpose.")
    assert check_text(full, policy="US", channel="letter", first_communication=True) == []
    assert check_text(bare, policy="UK", channel="sms") == []


def test_results_are_cached_per_text_and_policy():
    from accord.compliance.content import _check

    _check.cache_clear()
    check_text("Pay now, loser.", policy="UK")
    check_text("Pay now, loser.", policy="UK")
    info = _check.cache_info()
    assert info.hits == 1 and info.misses == 1


def test_labelled_set_precision_and_recall():
    examples = load(DATA)
    viol = [e for e in examples if e.violation]
    ok = [e for e in examples if not e.violation]
    assert len(examples) >= 300 and len(viol) >= 150 and len(ok) >= 150
    assert {e.lang for e in viol} == {"zh", "en"} and {e.lang for e in ok} == {"zh", "en"}
    cats = {"violence_threat", "arrest_crime", "impersonation", "shaming_disclosure", "insult",
            "invented_consequence", "false_urgency", "borrow_or_sell", "collection_fee", "time_barred_suit",
            "required_wording_missing"}
    assert {e.label for e in viol} == cats
    r = score(examples)
    o = r["overall"]
    errors = [(e.line, e.text, [(h.category, h.matched) for h in hits]) for e, hits in r["errors"]]
    assert o.precision >= 0.95 and o.recall >= 0.95, errors
    for lang, c in r["by_lang"].items():
        assert c.precision >= 0.95 and c.recall >= 0.95, (lang, errors)
