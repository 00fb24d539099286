"""The classifier on hand-written replies: each intent, messiness, multi-intent priority, language."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.conversations import Reply, understand
from accord.conversations.lexicon import INTENTS, load_lexicon
from accord.conversations.text import detect_lang, normalise

TODAY = date(2026, 6, 11)


def intent(text: str) -> str:
    return understand(text, today=TODAY).intent


@pytest.mark.parametrize(("text", "expected"), [
    ("明天还500", "promise_to_pay"), ("I'll pay tomorrow", "promise_to_pay"), ("pay tmrw", "promise_to_pay"),
    ("已还", "paid_already"), ("paid yesterday", "paid_already"), ("已經還款了", "paid_already"),
    ("我失业了", "hardship"), ("I lost my job", "hardship"),
    ("可以分期吗", "request_plan"), ("can i pay in instalments?", "request_plan"),
    ("不是我借的", "dispute"), ("I don't owe this", "dispute"),
    ("STOP", "cease"), ("TD", "cease"), ("退订", "cease"), ("ＳＴＯＰ", "cease"), ("stop texting me", "cease"),
    ("打错了", "wrong_number"), ("不是我", "wrong_number"), ("wrong number", "wrong_number"),
    ("call me after 6pm", "callback"), ("在忙，晚点回你", "callback"),
    ("ok", "other"), ("收到", "other"), ("👍", "other"), ("", "other"), ("？？？", "other"),
])
def test_intents(text, expected):
    assert intent(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("还不了", "hardship"), ("还没还，这两天忙忘了", "other"), ("我不还 你能怎样", "other"),
    ("I haven't paid yet", "other"), ("I won't pay", "other"), ("I can't pay this month", "hardship"),
    ("I get paid on the 15th, will pay then", "promise_to_pay"), ("我会还的 放心", "promise_to_pay"),
    ("Is this a scam?", "other"), ("我不是不还，是真没钱", "hardship"),
])
def test_negation_and_near_misses(text, expected):
    assert intent(text) == expected


@pytest.mark.parametrize(("text", "primary", "also"), [
    ("明天还，别再打电话了", "cease", {"promise_to_pay"}),
    ("我不是张伟，别打了", "wrong_number", {"cease"}),
    ("I lost my job but I can pay 100 on Friday", "promise_to_pay", {"hardship"}),
    ("我這個月真的還不起了，可以分期嗎", "request_plan", {"hardship"}),
    ("已经还过了还显示欠款，你们多扣了我300", "dispute", {"paid_already"}),
    ("Paid in full last week. Stop texting me", "cease", {"paid_already"}),
    ("现在开车 你晚上再打过来 我明天就还", "promise_to_pay", {"callback"}),
    ("可以先还本金吗", "request_plan", set()),
])
def test_several_intents_follow_priority(text, primary, also):
    got = understand(text, today=TODAY)
    assert got.intent == primary
    assert got.intents[0] == primary and also <= set(got.intents)
    if primary == "request_plan":
        assert "promise_to_pay" not in got.intents  # a question proposing terms is not a promise


def test_messy_input_is_read_like_clean_input():
    clean = understand("明天还500元", today=TODAY)
    for messy in ("明天還５００元", "  明天还500元!!! 🙏🙏", "明天.还.500元", "明天还５００元\n"):
        got = understand(messy, today=TODAY)
        assert (got.intent, got.amount, got.date) == (clean.intent, clean.amount, clean.date), messy


def test_reply_fields_and_contract_shape():
    got = understand("下周五还一千二", today=TODAY)
    assert isinstance(got, Reply)
    assert got.amount == Decimal("1200.00") and got.date == date(2026, 6, 19) and got.lang == "zh"
    assert 0 < got.confidence <= 1
    assert got.to_contract() == {"intent": "promise_to_pay", "amount": "1200.00", "date": "2026-06-19", "lang": "zh"}
    assert understand("ok", today=TODAY).to_contract() == {"intent": "other", "amount": None, "date": None, "lang": "en"}


def test_keyword_only_marks_a_channel_opt_out():
    assert understand("STOP", today=TODAY).keyword_only
    assert understand("退订", today=TODAY).keyword_only
    assert not understand("不要再联系我了", today=TODAY).keyword_only


@pytest.mark.parametrize(("text", "lang"), [
    ("明天还500", "zh"), ("ok 明天pay", "zh"), ("我已经paid了 check一下", "zh"), ("I will pay 五百 tomorrow", "en"),
    ("paid yesterday", "en"), ("500", "en"), ("已還款", "zh"),
])
def test_language_detection(text, lang):
    assert detect_lang(normalise(text)) == lang
    assert understand(text, today=TODAY).lang == lang


def test_lang_override_and_bad_lang():
    assert understand("ok", today=TODAY, lang="zh").lang == "zh"
    with pytest.raises(ValueError, match="unknown language"):
        understand("ok", today=TODAY, lang="fr")


@given(st.text(max_size=200), st.dates())
def test_never_crashes_and_returns_a_known_intent(text, today):
    got = understand(text, today=today)
    assert got.intent in INTENTS and got.intents[0] == got.intent
    assert got.lang in ("zh", "en")
    assert got.amount is None or got.amount > 0


def _copy_lexicon(tmp_path: Path) -> Path:
    src = Path(str(resources.files("accord.conversations") / "lexicon"))
    dst = tmp_path / "lexicon"
    shutil.copytree(src, dst)
    return dst


def test_lexicon_is_extended_by_adding_a_file(tmp_path):
    lex_dir = _copy_lexicon(tmp_path)
    assert understand("俺没活干了", today=TODAY).intent == "other"
    (lex_dir / "dialect.yaml").write_text("hardship:\n  match:\n    - '没活干'\n", encoding="utf-8")
    lexicon = load_lexicon(lex_dir)
    assert understand("俺没活干了", today=TODAY, lexicon=lexicon).intent == "hardship"


def test_bad_lexicon_names_the_file(tmp_path):
    lex_dir = _copy_lexicon(tmp_path)
    (lex_dir / "broken.yaml").write_text("hardship:\n  match:\n    - '(unclosed'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="hardship.match: bad regex"):
        load_lexicon(lex_dir)
    (lex_dir / "broken.yaml").write_text("hardhsip:\n  match: ['x']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.yaml: unknown intent 'hardhsip'"):
        load_lexicon(lex_dir)
