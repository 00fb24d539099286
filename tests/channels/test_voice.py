"""Voice robot: scripted calls in both languages through the loopback telephony adapter."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest

from accord.channels.lint import content_checker
from accord.channels.rendering import prepare_context, render_string
from accord.channels.samples import sample_context
from accord.channels.voice import VoiceSession, list_flows, load_flow
from accord.channels.voice.answers import classify, cn_number
from accord.channels.voice.flow import FlowError, parse_flow
from accord.channels.voice.telephony import HANGUP, LoopbackTelephony, run_call
from accord.channels.voice.tts import EspeakTTS

TODAY = date(2026, 3, 20)  # a Friday


def call(script, lang="zh", policy="CN", stage="overdue", understand=None, tts=None):
    session = VoiceSession(load_flow(stage, lang), sample_context(lang, policy), today=TODAY,
                           policy=policy, understand=understand)
    return run_call(LoopbackTelephony({"+1": script}), "+1", session, tts=tts), session


def test_zh_promise_with_date_and_amount():
    rec, _ = call(["是我", "明天还500元", "对"])
    assert (rec.outcome, rec.result.result) == ("conversation", "promise")
    assert rec.result.promise.amount == Decimal("500") and rec.result.promise.date == date(2026, 3, 21)
    assert rec.result.identity_confirmed
    assert "2026年3月21日前还款500.00元" in rec.played[-1]


def test_en_promise_date_only_takes_the_amount_due_and_confirms():
    rec, _ = call(["yes, speaking", "I can pay on the 25th", "yes"], lang="en", policy="US")
    assert rec.result.promise.amount == Decimal("1050.00")
    assert rec.result.promise.date == date(2026, 3, 25)
    assert "This call is from a debt collector" in rec.played[1]
    assert "$1,050.00 by March 25, 2026" in rec.played[2]


def test_promise_too_far_away_is_asked_again():
    rec, _ = call(["是我", "2026-06-30还", "下周五还五百", "对"])
    assert "14天内" in rec.played[2]
    assert rec.result.promise.date == date(2026, 3, 27)
    assert rec.result.promise.amount == Decimal("500")


@pytest.mark.parametrize("lang,policy,script", [
    ("zh", "CN", ["打错了"]),
    ("en", "US", ["wrong number, I don't know this person"]),
    ("zh", "CN", ["不是", "不是"]),
])
def test_wrong_number(lang, policy, script):
    rec, session = call(script, lang=lang, policy=policy)
    assert (rec.outcome, rec.result.result) == ("wrong_number", "wrong_number")
    # Nothing about the debt was said to someone who is not the borrower.
    spoken = " ".join(t.text for t in session.transcript if t.speaker == "robot")
    assert "1,050" not in spoken


@pytest.mark.parametrize("lang,policy,script", [
    ("zh", "CN", ["是我", "你们别再打了"]),
    ("en", "US", ["yes", "stop calling me"]),
])
def test_stop_calling_is_an_opt_out(lang, policy, script):
    rec, _ = call(script, lang=lang, policy=policy)
    assert rec.outcome == "conversation" and rec.result.opt_out and rec.result.promise is None


@pytest.mark.parametrize("lang,policy,script,plan_text", [
    ("zh", "CN", ["是我", "最近失业了，实在没钱", "可以"], "分3期还，每期350.00元"),
    ("en", "UK", ["yes", "I lost my job and I can't afford it", "yes that works"],
     "3 payments of £350.00"),
])
def test_hardship_leads_to_a_plan_offer(lang, policy, script, plan_text):
    rec, _ = call(script, lang=lang, policy=policy)
    assert rec.result.result == "plan_accepted"
    assert plan_text in rec.played[2]


@pytest.mark.parametrize("lang,script", [("zh", ["是我", "转人工"]),
                                         ("en", ["yes", "let me speak to a real person"])])
def test_hand_off_to_an_agent(lang, script):
    rec, _ = call(script, lang=lang, policy="CN" if lang == "zh" else "US")
    assert rec.result.handoff and rec.result.result == "handoff"


def test_silence_retries_then_ends_and_hangup_is_answered_dropped():
    rec, _ = call([None, None, None])
    assert (rec.outcome, rec.result.result) == ("answered_dropped", "no_response")
    assert len(rec.played) == 4  # greeting, two no-input prompts, goodbye
    rec, _ = call([HANGUP])
    assert (rec.outcome, rec.result.result) == ("answered_dropped", "hung_up")
    rec, _ = call(["是我", "在开会，晚点再说"])
    assert (rec.outcome, rec.result.result) == ("conversation", "callback")


def test_unanswered_call_returns_the_telephony_outcome():
    session = VoiceSession(load_flow("overdue", "zh"), sample_context("zh", "CN"), today=TODAY)
    rec = run_call(LoopbackTelephony({"+1": "no_answer"}), "+1", session)
    assert rec.outcome == "no_answer" and rec.result is None


def test_pre_due_yes_ends_politely():
    rec, _ = call(["是我", "可以"], stage="pre_due")
    assert rec.result.result == "will_pay_on_time"


def test_understand_model_is_used_when_given():
    class Got:
        def __init__(self, text):
            promise = text == "whatever the model says"
            self.intent = "promise_to_pay" if promise else "other"
            self.amount, self.date = ("300", "2026-03-23") if promise else (None, None)

    rec, _ = call(["是我", "whatever the model says", "对"], understand=lambda t, **kw: Got(t))
    assert rec.result.promise.amount == Decimal("300")
    assert rec.result.promise.date == date(2026, 3, 23)


def test_keyword_fallback_numbers_and_dates():
    assert [cn_number(x) for x in ("五百", "一千二", "十五", "两千五百", "三万")] == \
        [500, 1200, 15, 2500, 30000]
    heard = classify("15号还五百块", lang="zh", today=TODAY, understand=None)
    assert (heard.answer, heard.amount, heard.date) == ("promise", Decimal("500"), date(2026, 4, 15))
    heard = classify("I can pay $200 next Friday", lang="en", today=TODAY, understand=None)
    assert (heard.amount, heard.date) == (Decimal("200"), date(2026, 3, 27))
    assert classify("  ", lang="en", today=TODAY).answer == "silence"


def test_flow_validation_names_the_problem():
    with pytest.raises(FlowError, match="unknown state"):
        parse_flow({"id": "x", "stage": "s", "lang": "en", "start": "a", "silence_target": "a",
                    "unclear_target": "a", "states": {"a": {"say": "hi", "on": {"yes": "b"}}}})


def test_every_flow_prompt_passes_the_content_check():
    check = content_checker()
    if check is None:
        pytest.skip("accord.compliance.content is not installed yet: content check unavailable")
    for stage, lang in list_flows():
        flow = load_flow(stage, lang)
        for policy in (("CN",) if lang == "zh" else ("US", "UK")):
            ctx = prepare_context(sample_context(lang, policy), lang=lang, policy=policy,
                                  channel="ai_call")
            ctx["promise"] = {"amount": "500.00", "date": date(2026, 3, 25)}
            for st in flow.states.values():
                for source in (st.say, st.reprompt, st.no_input):
                    if source:
                        text = render_string(source, ctx)
                        hits = check(text, policy=policy, lang=lang, channel="ai_call",
                                     required_wording=False)
                        assert hits == [], (flow.id, st.name, text, hits)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tts_writes_wav_files_of_the_prompts(tmp_path):
    tts = EspeakTTS(tmp_path)
    rec, _ = call(["是我", "明天还500元", "对"], tts=tts)
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == len(rec.played)
    assert all(w.read_bytes()[:4] == b"RIFF" and w.read_bytes()[8:12] == b"WAVE" for w in wavs)
