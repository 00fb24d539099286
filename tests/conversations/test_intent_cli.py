"""``accord intent`` from the outside (contracts.md, "Reply understanding")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def test_contract_example(accord):
    res = accord("intent", "明天还500", "--today", "2026-06-11")
    assert res.code == 0, res
    assert res.json() == {"intent": "promise_to_pay", "amount": "500.00", "date": "2026-06-12", "lang": "zh"}
    assert res.stderr == ""


def test_english_with_lang_and_nulls(accord):
    res = accord("intent", "I'll pay $1,200.50 next Friday", "--today", "2026-06-11")
    assert res.json() == {"intent": "promise_to_pay", "amount": "1200.50", "date": "2026-06-19", "lang": "en"}
    res = accord("intent", "STOP", "--today", "2026-06-11", "--lang", "en")
    assert res.json() == {"intent": "cease", "amount": None, "date": None, "lang": "en"}


def test_stdin_text(accord):
    res = accord("intent", "-", "--today", "2026-06-11", input="已還款 ￥800\n昨天轉的")
    assert res.json() == {"intent": "paid_already", "amount": "800.00", "date": "2026-06-10", "lang": "zh"}


def test_default_today_is_the_business_zone_date(accord):
    res = accord("intent", "明天还", env={"ACCORD_BUSINESS_TIMEZONE": "Pacific/Kiritimati"})
    assert res.code == 0, res
    today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert res.json()["date"] in {today.fromordinal(today.toordinal() + d).isoformat() for d in (1, 2)}


def test_bad_today_is_exit_2_with_one_clear_line(accord):
    res = accord("intent", "明天还500", "--today", "2026-13-40")
    assert res.code == 2 and res.stdout == ""
    assert "--today" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_bad_lang_is_exit_2(accord):
    res = accord("intent", "ok", "--lang", "fr", "--today", "2026-06-11")
    assert res.code == 2 and res.stdout == ""
    assert "--lang" in res.stderr and "Traceback" not in res.stderr
