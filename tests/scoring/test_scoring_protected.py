"""Protected attributes are detected by column name, per jurisdiction."""

from __future__ import annotations

import pytest

from accord.kit.errors import InputError
from accord.scoring.protected import forbidden_categories, protected_columns


def test_matches_whole_words_not_fragments():
    cols = ["age_in_years", "applicantAge", "mortgage", "usage_count", "page_views", "trace_id",
            "personal_status_and_sex", "genderCode", "Race", "date_of_birth", "balance"]
    found = protected_columns(cols, "US")
    assert set(found) == {"age_in_years", "applicantAge", "personal_status_and_sex", "genderCode", "Race",
                          "date_of_birth"}
    assert "gender" in found["genderCode"] and "US" in found["genderCode"]


def test_chinese_names_match_as_substrings():
    found = protected_columns(["借款人性别", "民族", "宗教信仰", "逾期天数", "月收入"], "CN")
    assert set(found) == {"借款人性别", "民族", "宗教信仰"}


def test_jurisdiction_rules_differ_for_age_and_marital_status():
    cols = ["age", "marital_status", "gender"]
    assert set(protected_columns(cols, "CN")) == {"gender"}
    assert set(protected_columns(cols, "UK")) == {"marital_status", "gender"}
    assert set(protected_columns(cols, "US")) == {"age", "marital_status", "gender"}
    assert set(protected_columns(cols)) == set(cols)  # no jurisdiction: the strictest union
    assert "age" in forbidden_categories("us")


def test_unknown_jurisdiction_and_custom_list(tmp_path):
    with pytest.raises(InputError, match="unknown jurisdiction 'XX'"):
        protected_columns(["a"], "XX")
    custom = tmp_path / "list.yaml"
    custom.write_text("categories:\n  tenure:\n    reason: house rule\n    names: [tenure]\n"
                      "jurisdictions:\n  CN: [tenure]\n", encoding="utf-8")
    assert set(protected_columns(["tenure_months", "gender"], "CN", str(custom))) == {"tenure_months"}
