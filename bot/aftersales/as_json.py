"""A decision as JSON: the shape `livedesk returns decide --json` prints (issue 12).

Amounts are strings with two decimals, never floats.
"""

from __future__ import annotations

from typing import Any

from bot.aftersales.decision import Decision
from bot.aftersales.policy import Coupon, Offer
from bot.money import format_yuan


def offer_as_json(offer: Offer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {"kind": str(offer.kind), "name": offer.name, "value": format_yuan(offer.value)}


def coupon_as_json(coupon: Coupon | None) -> dict[str, Any] | None:
    if coupon is None:
        return None
    return {"name": coupon.name, "amount": format_yuan(coupon.amount),
            "min_spend": format_yuan(coupon.min_spend), "valid_days": coupon.valid_days}


def decision_as_json(decision: Decision) -> dict[str, Any]:
    return {
        "decision": str(decision.outcome),
        "refund": None if decision.refund_fen is None else format_yuan(decision.refund_fen),
        "offer": offer_as_json(decision.offer),
        "coupon": coupon_as_json(decision.coupon),
        "why": decision.explain(),
    }
