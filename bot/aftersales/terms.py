"""The after-sales terms a buyer asks about before any case exists: when a refund arrives
and where it goes, how the return pick-up works, what an exchange costs — per shop, from
shop/aftersales.yaml. Pure: the composer answers these topics with them.
"""

from __future__ import annotations

from typing import Any

from bot.aftersales.policy import AftersalesPolicy
from bot.shop.catalog import Catalog

TERMS_TOPICS = ("refund_timing", "return_pickup", "exchange_cost")
"""Topics answered from the after-sales policy alone, by the `aftersales/terms` template."""


def terms_view(catalog: Catalog, policy: AftersalesPolicy, shop_id: str) -> dict[str, Any]:
    """Refund timing and destination, pick-up and exchange cost of one shop."""
    shop = policy.shop(shop_id)
    refund = policy.refund(shop_id)
    return {
        "shop": catalog.shops[shop_id].name,
        "refund": {"working_days": refund.working_days, "destination": str(refund.destination)},
        "pickup": {"mode": str(shop.pickup.mode), "courier": shop.pickup.courier, "fee": shop.pickup.fee,
                   "covered_by": shop.pickup.covered_by},
        "exchange": {"fee": shop.exchange.fee, "covered_by": shop.exchange.covered_by},
    }


def terms_context(catalog: Catalog, policy: AftersalesPolicy, topic: str,
                  shop_ids: list[str] | None = None) -> dict[str, Any]:
    """Context of `aftersales/terms` for one topic: every shop's terms, or the named shops'
    (e.g. the shop of the order or product being discussed)."""
    if topic not in TERMS_TOPICS:
        raise ValueError(f"{topic!r} is not one of {', '.join(TERMS_TOPICS)}")
    return {"topic": topic, "shops": [terms_view(catalog, policy, s) for s in (shop_ids or list(catalog.shops))]}
