"""The compliance gate: policy packs as data (CN / US / UK), the pure contact gate, the content check,
a vectorised batch gate and the records of every decision.

Public API::

    from accord.compliance import evaluate, load_policy, parse_check, Decision, Violation
    from accord.compliance.content import check_text, ContentHit
    from accord.compliance.batch import evaluate_batch
    from accord.compliance.service import record_decision
"""

from accord.compliance.decision import Decision, Violation
from accord.compliance.gate import evaluate
from accord.compliance.policy import Policy, load_policy
from accord.compliance.schema import CheckRequest, Context, Planned, parse_check

__all__ = ["CheckRequest", "Context", "Decision", "Planned", "Policy", "Violation", "evaluate",
           "load_policy", "parse_check"]
