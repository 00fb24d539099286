"""What Accord does about a reply (issue 4, part 5), as plain data. The case / channel services carry
the reactions out in one transaction and journal each one; nothing here touches the database.

Kinds of reaction:

- ``record_promise``        a promise to pay (amount, due_on) to record and confirm;
- ``check_payment``         a payment the borrower says was made: reconcile before any reminder;
- ``opt_out``               stop using this channel and address (STOP / TD / 退订, or any cease);
- ``open_hold``             ``hold_kind`` "cease" (stop collection contacts) or "dispute" (answer first);
- ``route_plan_offer``      hardship or a request for instalments / extension: offer an arrangement;
- ``mark_contact_point_bad`` the number / address does not reach the borrower (wrong number);
- ``schedule_callback``     the borrower asked to be contacted later (due_on when a day was named).

Rules, in the order of ``Reply.intents``:

- wrong_number: the speaker is not the borrower, so nothing else they say binds the borrower; the
  contact point is marked bad (and opted out when they also asked to stop). No hold is opened on the
  borrower on a stranger's word.
- cease: always an opt-out of the channel and address the reply came on; a cease hold too, unless the
  whole reply was a stop keyword (an opt-out of that channel only). Callbacks and plan offers are
  dropped: the borrower asked for contact to stop.
- dispute: a dispute hold; no plan offer while the debt is contested (it would pressure payment of a
  debt under dispute).
- paid_already / promise_to_pay / request_plan + hardship / callback as listed above.

The reply's amount and date belong to its primary intent: only the primary intent's reaction carries
them ("已经还了1000，剩下的月底还" checks a 1000 payment; the promise for the rest gets no amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accord.conversations.understand import Reply


@dataclass(frozen=True)
class Reaction:
    kind: str
    intent: str
    amount: Decimal | None = None
    due_on: date | None = None
    channel: str | None = None
    address: str | None = None
    hold_kind: str | None = None


def plan_reaction(reply: Reply, *, channel: str | None = None, address: str | None = None) -> list[Reaction]:
    """The reactions a reply calls for, most urgent first. ``channel`` / ``address`` are where the
    reply came from (for opt-outs and bad contact points); None means "the reply's own channel"."""
    intents = set(reply.intents)

    def carries(intent: str) -> dict:
        if intent != reply.intent:
            return {}
        return {"amount": reply.amount, "due_on": reply.date}

    if "wrong_number" in intents:
        out = [Reaction("mark_contact_point_bad", "wrong_number", channel=channel, address=address)]
        if "cease" in intents:
            out.append(Reaction("opt_out", "cease", channel=channel, address=address))
        return out

    out: list[Reaction] = []
    if "cease" in intents:
        out.append(Reaction("opt_out", "cease", channel=channel, address=address))
        if not reply.keyword_only:
            out.append(Reaction("open_hold", "cease", hold_kind="cease"))
    if "dispute" in intents:
        out.append(Reaction("open_hold", "dispute", hold_kind="dispute"))
    if "paid_already" in intents:
        out.append(Reaction("check_payment", "paid_already", **carries("paid_already")))
    if "promise_to_pay" in intents:
        out.append(Reaction("record_promise", "promise_to_pay", **carries("promise_to_pay")))
    if intents & {"request_plan", "hardship"} and not intents & {"cease", "dispute"}:
        why = "request_plan" if "request_plan" in intents else "hardship"
        out.append(Reaction("route_plan_offer", why))
    if "callback" in intents and "cease" not in intents:
        out.append(Reaction("schedule_callback", "callback", **carries("callback")))
    return out
