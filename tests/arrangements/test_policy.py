"""Arrangement policy as data: defaults, product and bucket overrides, the override folder, and invalid
files refused naming the file and the key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from accord.arrangements.policy import DATA, policy_for, validate_file
from accord.kit.errors import InputError


def test_defaults_then_product_then_bucket():
    assert policy_for("default", "M2").auto.max_discount == Decimal("0.20")
    assert policy_for("default", "M7").auto.max_discount == Decimal("0.50")
    assert policy_for("cash_loan", "M7").auto.max_discount == Decimal("0.50")  # inherits default's buckets
    assert policy_for("iou_bullet", "M7").auto.max_discount == Decimal("0.10")  # the product wins
    assert policy_for("uk_personal", "M1").auto.min_instalment_minor == 500
    assert policy_for("unknown_product", "M1").auto == policy_for("default", "M1").auto
    assert policy_for("default", "M1").break_grace_days == 5


def _write(folder: Path, mutate) -> Path:  # noqa: ANN001
    data = yaml.safe_load((DATA / "policy.yaml").read_text(encoding="utf-8"))
    mutate(data)
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "arrangements.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("mutate,key", [
    (lambda d: d["defaults"]["auto"].update(max_discount="lots"), "auto.max_discount"),
    (lambda d: d["defaults"]["hard"].update(max_term_months=6), "hard.max_term_months"),
    (lambda d: d["defaults"]["auto"].update(max_dicount="0.1"), "auto.max_dicount"),
    (lambda d: d["products"]["cash_loan"].update(buckets={"M9": {}}), "products.cash_loan.buckets.M9"),
    (lambda d: d["defaults"]["break_rules"].update(grace_days=-1), "break_rules.grace_days"),
    (lambda d: d["defaults"].update(kinds=["plan", "loan_shark"]), "kinds"),
])
def test_invalid_policy_files_name_the_file_and_key(tmp_path, mutate, key):
    p = _write(tmp_path, mutate)
    with pytest.raises(InputError) as e:
        validate_file(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_the_override_folder_replaces_the_shipped_policy(tmp_path, monkeypatch):
    _write(tmp_path, lambda d: d["defaults"]["auto"].update(max_discount="0.05"))
    monkeypatch.setenv("ACCORD_CASES_POLICY_DIR", str(tmp_path))
    assert policy_for("default", "M2").auto.max_discount == Decimal("0.05")
    monkeypatch.delenv("ACCORD_CASES_POLICY_DIR")
    assert policy_for("default", "M2").auto.max_discount == Decimal("0.20")
