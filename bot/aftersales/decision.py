"""What a shop's policy says about one return or exchange request: a pure function.

The chat form and `livedesk returns decide` both call `decide`, so the command prints
exactly what a buyer would be told. Order of the rules (customer-service practice for
livestream shops): the shop's own fault (quality, wrong item) is accepted once the
evidence is there; otherwise no-reason rules apply: custom-made and fresh goods are
declined politely with a coupon, as is a request past the window; within it, a shop may
first offer a small gift to keep the item (劝留), and a buyer who declines gets the return.
The refund is what the returned units paid, from the promotions engine's shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.aftersales.policy import QUALITY_REASONS, AftersalesPolicy, Coupon, Offer, Reason
from bot.money import Fen
from bot.promotions.errors import RefundError
from bot.promotions.refunds import refund_for
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog
from bot.shop.orders import Order, OrderStatus


class Kind(StrEnum):
    return_ = "return"
    exchange = "exchange"


class Outcome(StrEnum):
    accept = "accept"
    offer = "offer"
    decline = "decline"
    need_photos = "need_photos"


class Why(StrEnum):
    """Why the policy decided so; templates word each one for the buyer."""

    shop_fault = "shop_fault"
    fresh_claim = "fresh_claim"
    fresh_claim_late = "fresh_claim_late"
    within_window = "within_window"
    retention = "retention"
    retention_declined = "retention_declined"
    past_window = "past_window"
    custom_made = "custom_made"
    fresh_goods = "fresh_goods"
    no_reason_not_offered = "no_reason_not_offered"
    photos_needed = "photos_needed"
    not_received = "not_received"
    size_sold_out = "size_sold_out"


class RequestError(ValueError):
    """A request that names something not in the order (the CLI exits non-zero on it)."""


@dataclass(frozen=True)
class Request:
    order: Order
    items: Mapping[str, int]
    """SKU -> units to return or exchange."""
    reason: Reason
    at: datetime
    kind: Kind = Kind.return_
    photos: int = 0
    exchange_to: str | None = None
    """The size wanted instead (exchange only)."""
    retention_declined: bool = False
    already_returned: Mapping[str, int] = field(default_factory=dict)
    """Units of this order refunded by earlier accepted cases."""


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    why: Why
    refund_fen: Fen | None = None
    """What the returned units paid (also on an offer: what declining it gives back)."""
    offer: Offer | None = None
    coupon: Coupon | None = None
    days_since_receipt: int | None = None
    window_days: int | None = None
    sku: str = ""
    in_stock: tuple[str, ...] = ()
    """Sizes in stock when an exchange size is sold out."""

    def explain(self) -> str:
        """The reason in plain English, for the CLI and the agents' card."""
        days, window = self.days_since_receipt, self.window_days
        texts = {
            Why.shop_fault: "the shop's fault (quality or wrong item) with photos: accepted",
            Why.fresh_claim: f"fresh goods with a quality problem, photos within {window} h of receipt: accepted",
            Why.fresh_claim_late: f"fresh goods: quality claims need photos within {window} h of receipt",
            Why.within_window: f"received {days} day(s) ago, within the {window}-day no-reason window",
            Why.retention: f"within the {window}-day window; the shop first offers a gift to keep the item",
            Why.retention_declined: f"the buyer declined the offer to keep it; within the {window}-day window",
            Why.past_window: f"received {days} day(s) ago, past the {window}-day no-reason window",
            Why.custom_made: f"{self.sku} is custom-made: no no-reason returns",
            Why.fresh_goods: f"{self.sku} is fresh goods: no no-reason returns; quality problems with photos",
            Why.no_reason_not_offered: "this shop offers no no-reason returns",
            Why.photos_needed: "this reason needs photos of the problem first",
            Why.not_received: "the order has not been received yet",
            Why.size_sold_out: f"size sold out; in stock: {', '.join(self.in_stock) or 'none'}",
        }
        return texts[self.why]


def check_items(order: Order, items: Mapping[str, int]) -> None:
    """Every SKU must be in the order, with no more units than bought."""
    if not items:
        raise RequestError("name at least one item of the order")
    bought: dict[str, int] = {}
    for item in order.items:
        bought[item.sku] = bought.get(item.sku, 0) + item.qty
    for sku, qty in items.items():
        if sku not in bought:
            raise RequestError(f"order {order.id} has no {sku} (it has {', '.join(sorted(bought))})")
        if qty < 1:
            raise RequestError(f"{sku}: the number of units must be at least 1, not {qty}")
        if qty > bought[sku]:
            raise RequestError(f"order {order.id} has {bought[sku]} x {sku}, not {qty}")


def decide(catalog: Catalog, rules: RuleSet, policy: AftersalesPolicy, request: Request) -> Decision:
    """The shop's decision for one request. Raises RequestError for items not in the order."""
    order = request.order
    if order.status == OrderStatus.unpaid or order.paid_at is None:
        raise RequestError(f"order {order.id} is not paid: there is nothing to return")
    check_items(order, request.items)
    shop = catalog.shops[order.shop]
    products = [catalog.products[sku] for sku in request.items]
    coupon = policy.shop(order.shop).decline_coupon
    first = products[0].sku
    if order.received_at is None:
        return Decision(Outcome.decline, Why.not_received, sku=first)

    elapsed = request.at - order.received_at
    days = max(0, elapsed.days)
    window = shop.returns.no_reason_days

    def refund() -> Fen | None:
        if request.kind == Kind.exchange:
            return None
        try:
            return refund_for(catalog, rules, order, dict(request.items),
                              already_returned=request.already_returned).refund_fen
        except RefundError as exc:
            raise RequestError(str(exc)) from None

    if request.kind == Kind.exchange:
        sold_out = _sold_out(catalog, request)
        if sold_out is not None:
            return sold_out

    if request.reason in policy.photos_for(order.shop) and request.photos < 1:
        return Decision(Outcome.need_photos, Why.photos_needed, sku=first)

    if request.reason in QUALITY_REASONS:
        fresh = next((p for p in products if p.fresh), None)
        claim = shop.returns.quality_claim
        if fresh is not None and claim is not None:
            if elapsed > timedelta(hours=claim.within_hours):
                return Decision(Outcome.decline, Why.fresh_claim_late, window_days=claim.within_hours,
                                sku=fresh.sku, coupon=coupon)
            return Decision(Outcome.accept, Why.fresh_claim, refund(), window_days=claim.within_hours,
                            sku=fresh.sku)
        return Decision(Outcome.accept, Why.shop_fault, refund(), sku=first)

    custom = next((p for p in products if p.custom), None)
    if custom is not None:
        return Decision(Outcome.decline, Why.custom_made, coupon=coupon, sku=custom.sku)
    fresh = next((p for p in products if p.fresh), None)
    if fresh is not None:
        return Decision(Outcome.decline, Why.fresh_goods, coupon=coupon, sku=fresh.sku,
                        window_days=shop.returns.quality_claim.within_hours if shop.returns.quality_claim else None)
    if window == 0:
        return Decision(Outcome.decline, Why.no_reason_not_offered, coupon=coupon, sku=first)
    if elapsed > timedelta(days=window):
        return Decision(Outcome.decline, Why.past_window, coupon=coupon, days_since_receipt=days,
                        window_days=window, sku=first)
    amount = refund()
    if request.kind == Kind.return_ and amount is not None:
        offer = policy.retention_offer(order.shop, request.reason, amount)
        if offer is not None and not request.retention_declined:
            return Decision(Outcome.offer, Why.retention, amount, offer=offer, days_since_receipt=days,
                            window_days=window, sku=first)
        if offer is not None:
            return Decision(Outcome.accept, Why.retention_declined, amount, days_since_receipt=days,
                            window_days=window, sku=first)
    return Decision(Outcome.accept, Why.within_window, amount, days_since_receipt=days, window_days=window,
                    sku=first)


def _sold_out(catalog: Catalog, request: Request) -> Decision | None:
    """An exchange to a size with no stock is refused, naming the sizes there are."""
    sku = next(iter(request.items))
    product = catalog.products[sku]
    wanted = request.exchange_to
    if wanted is None or wanted not in product.stock:
        raise RequestError(f"{sku} comes in {', '.join(product.sizes) or 'one size'}; "
                           f"say which size to exchange to, not {wanted!r}")
    if product.stock[wanted] >= sum(request.items.values()):
        return None
    in_stock = tuple(size for size in product.sizes if product.stock[size] > 0)
    return Decision(Outcome.decline, Why.size_sold_out, sku=sku, in_stock=in_stock)
