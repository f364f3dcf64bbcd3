"""Template contexts for the after-sales answers: figures and codes, never wording.

Wording lives in templates/<locale>/aftersales/; these functions only gather the shop's
facts (names, amounts in fen, days, the policy's pick-up and refund terms).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.aftersales.cases import Case
from bot.aftersales.decision import Decision
from bot.aftersales.policy import AftersalesPolicy, Coupon, Offer
from bot.aftersales.terms import terms_view
from bot.answers.composer import order_view
from bot.shop.catalog import Catalog
from bot.shop.orders import ONE_SIZE, Order


def _local(catalog: Catalog, at: datetime) -> datetime:
    return at.astimezone(catalog.timezone)


def offer_view(offer: Offer | None) -> dict[str, Any] | None:
    return None if offer is None else {"kind": str(offer.kind), "name": offer.name, "value": offer.value}


def coupon_view(coupon: Coupon | None) -> dict[str, Any] | None:
    if coupon is None:
        return None
    return {"name": coupon.name, "amount": coupon.amount, "min_spend": coupon.min_spend,
            "valid_days": coupon.valid_days}


def item_view(catalog: Catalog, order: Order, sku: str) -> dict[str, Any]:
    item = next(i for i in order.items if i.sku == sku)
    return {"sku": sku, "name": catalog.products[sku].name,
            "size": None if item.size == ONE_SIZE else item.size, "qty": item.qty}


def decision_view(catalog: Catalog, policy: AftersalesPolicy, order: Order, decision: Decision,
                  case: Case | None, kind: str, exchange_to: str | None) -> dict[str, Any]:
    return {
        "outcome": str(decision.outcome), "why": str(decision.why), "kind": kind,
        "product": catalog.products[decision.sku].name if decision.sku in catalog.products else decision.sku,
        "order_id": order.id, "refund": decision.refund_fen, "offer": offer_view(decision.offer),
        "coupon": coupon_view(decision.coupon), "days": decision.days_since_receipt,
        "window": decision.window_days, "in_stock": list(decision.in_stock), "exchange_to": exchange_to,
        "case_id": case.id if case else None, "terms": terms_view(catalog, policy, order.shop),
    }


def case_view(catalog: Catalog, case: Case) -> dict[str, Any]:
    product = catalog.products.get(case.sku)
    return {
        "id": case.id, "order_id": case.order, "product": product.name if product else case.sku,
        "size": None if case.size == ONE_SIZE else case.size, "qty": case.qty, "kind": case.kind,
        "reason": case.reason, "outcome": case.outcome, "state": str(case.state), "refund": case.refund_fen,
        "exchange_to": case.exchange_to, "why": case.why, "coupon": case.coupon, "offer": case.offer,
        "created_at": _local(catalog, case.created_at),
    }


def orders_view(catalog: Catalog, orders: list[Order]) -> list[dict[str, Any]]:
    return [order_view(catalog, order) for order in orders]
