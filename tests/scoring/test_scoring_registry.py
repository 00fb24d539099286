"""Registry: versioned model directories and the champion per target."""

from __future__ import annotations

import json

import pytest

from accord.kit.errors import InputError, ProblemError
from accord.scoring import registry
from accord.scoring.model import score_frame


def test_register_and_champion_round_trip(trained, frame, tmp_path):
    root = tmp_path / "registry"
    with pytest.raises(ProblemError, match="no champion"):
        registry.champion(root, "bad")
    paths = {}
    for kind, result in trained.items():
        paths[kind] = registry.save_model(result.model, tmp_path / kind)
    v_card = registry.register(root, paths["scorecard"])
    v_gbm = registry.register(root, paths["gbm"])
    assert registry.register(root, paths["gbm"]) == v_gbm  # idempotent
    assert set(registry.versions(root, "bad")) == {v_card, v_gbm}
    assert registry.champion(root, "bad").name == v_card  # the first registered
    registry.set_champion(root, "bad", v_gbm)
    champ = registry.load_champion(root, "bad")
    assert champ.version == v_gbm and champ.kind == "gbm"
    assert score_frame(champ, frame).equals(score_frame(trained["gbm"].model, frame))
    data = json.loads((root / "champions.json").read_text())
    assert [h["version"] for h in data["bad"]["history"]] == [v_card, v_gbm]
    with pytest.raises(InputError, match="not registered"):
        registry.set_champion(root, "bad", "no-such-version")


def test_load_model_refuses_a_non_model_directory(tmp_path):
    with pytest.raises(InputError, match="no such model directory"):
        registry.load_model(tmp_path / "missing")
    with pytest.raises(InputError, match="model.json"):
        registry.load_model(tmp_path)
