"""What the gate answers: allow or block, with every violated rule and a human message."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class Decision:
    policy: str
    policy_version: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.violations

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "block"

    @property
    def rules(self) -> list[str]:
        """Violated rule ids, unique, in the order first reported."""
        return list(dict.fromkeys(v.rule for v in self.violations))

    def as_dict(self) -> dict:
        """The contract shape of ``accord compliance check``."""
        return {"decision": self.decision, "violations": [v.as_dict() for v in self.violations],
                "policy": self.policy, "policy_version": self.policy_version}
