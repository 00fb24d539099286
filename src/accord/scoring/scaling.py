"""Scorecard points scaling: base score at base odds, PDO (points to double the odds).

score = offset + factor · ln(odds of good), factor = PDO / ln 2, offset = base − factor · ln(base odds).
With the defaults, odds 50:1 (good:bad) score 600 and every 20 points double the odds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Scaling:
    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if self.pdo <= 0 or self.base_odds <= 0:
            raise ValueError("PDO and base odds must be positive")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def score_from_logit(self, logit_bad):
        """Points for a log-odds of bad (logit of p_bad): higher points = safer."""
        return self.offset - self.factor * np.asarray(logit_bad, dtype=np.float64)

    def score_from_p(self, p_bad):
        p = np.clip(np.asarray(p_bad, dtype=np.float64), 1e-12, 1 - 1e-12)
        return self.score_from_logit(np.log(p / (1 - p)))

    def odds_at(self, score: float) -> float:
        """Odds of good (good:bad) at a score."""
        return math.exp((score - self.offset) / self.factor)

    def to_dict(self) -> dict:
        return {**asdict(self), "factor": self.factor, "offset": self.offset}

    @classmethod
    def from_dict(cls, data: dict) -> Scaling:
        return cls(float(data["base_score"]), float(data["base_odds"]), float(data["pdo"]))
