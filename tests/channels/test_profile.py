"""The lender profile replaces the sample brand, phone and payment link in real messages."""

from __future__ import annotations

import pytest

from accord.channels.profile import base_context
from accord.channels.rendering import render
from accord.kit.errors import InputError

PROFILE = """
lang:
  zh: {brand: 信和金融, collector_name: 信和金融客户服务中心}
  en: {brand: Xinhe Finance, collector_name: Xinhe Customer Care}
policy:
  CN: {pay_url: "https://pay.xinhe.example/l", contact_phone: 400-999-0000}
"""


def test_profile_values_win_over_the_samples(tmp_path, monkeypatch):
    path = tmp_path / "lender.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    monkeypatch.setenv("ACCORD_LENDER_PROFILE", str(path))
    ctx = base_context("zh", "CN")
    assert (ctx["brand"], ctx["contact_phone"], ctx["pay_url"]) == ("信和金融", "400-999-0000", "https://pay.xinhe.example/l")
    assert ctx["promise_amount"]  # what the profile does not set still comes from the samples
    msg = render("promise_confirmation", lang="zh", tone="neutral", channel="sms", context=ctx, policy="CN")
    assert "信和金融" in msg.text and "安信借" not in msg.text
    assert base_context("en", "US")["brand"] == "Xinhe Finance"


def test_without_a_profile_the_samples_apply(monkeypatch):
    monkeypatch.delenv("ACCORD_LENDER_PROFILE", raising=False)
    assert base_context("zh", "CN")["brand"] == "安信借"


@pytest.mark.parametrize("text,message", [
    ("brands: {}", "only the sections"),
    ("lang: {zh: 3}", "lang.zh must be a mapping"),
    ("lang: [", "cannot read"),
])
def test_a_bad_profile_is_refused_naming_the_file(tmp_path, monkeypatch, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ACCORD_LENDER_PROFILE", str(path))
    with pytest.raises(InputError, match=message) as err:
        base_context("zh", "CN")
    assert "bad.yaml" in str(err.value)


def test_a_missing_profile_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_LENDER_PROFILE", str(tmp_path / "nowhere.yaml"))
    with pytest.raises(InputError, match="no file"):
        base_context("zh", "CN")
