"""Conversations: inbound replies understood (intent, amount, date; Chinese and English) and the
reactions they call for. Pure functions here; storage and wiring live with the services.

Public API::

    understand(text, *, today, lang=None) -> Reply
    plan_reaction(reply, *, channel=None, address=None) -> list[Reaction]
"""

from accord.conversations.reactions import Reaction, plan_reaction
from accord.conversations.understand import Reply, understand

__all__ = ["Reaction", "Reply", "plan_reaction", "understand"]
