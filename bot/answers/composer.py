"""From a reading of the buyer's message to what the bot says (pure).

`compose` decides which template answers and gathers the facts it needs from the shop's
data; it never produces wording itself. Handlers render the Answer with bot.answers.rendering and
send it. Keeping this pure means every answer can be tested, and linted with real data,
without Telegram or Redis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.aftersales.policy import AftersalesPolicy
from bot.aftersales.terms import TERMS_TOPICS, terms_context
from bot.answers.buttons import Button, ButtonKind
from bot.answers.price_to_pay import price_to_pay_view
from bot.promotions import (
    CartLine,
    PromotionInputError,
    Quote,
    Refund,
    RuleSet,
    live_unit_price,
    price_cart,
    refund_for,
)
from bot.promotions.eligibility import covers, cross_shop_shops
from bot.shop.catalog import ONE_SIZE, Buyer, Catalog, Order, OrderStatus, Product
from bot.shop.sizing import advise, nearest_in_stock
from bot.understanding.cart_request import CartItems, cart_items, is_add_on, merged
from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher, Match


class Handoff(StrEnum):
    """Why a conversation should go to a human (the handoff queue consumes these)."""

    requested = "requested"
    complaint = "complaint"
    personal = "personal"
    unanswered = "unanswered"
    vip = "vip"


@dataclass(frozen=True)
class Answer:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    handoff: Handoff | None = None
    sku: str | None = None
    """The product this answer was about, remembered for follow-up questions."""
    cart: CartItems | None = None
    """The cart this answer priced, remembered for "再加一条围巾呢"."""


@dataclass(frozen=True)
class Asker:
    """Who wrote the message, as far as the answer needs to know."""

    user_id: int
    name: str
    language_code: str | None = None
    orders: tuple[Order, ...] | None = None
    """The buyer's own orders as the shop's order source gave them (the edge reads them,
    see `bot.shop.orders.OrderSource`); None: the orders of the loaded demo data."""


SOCIAL = {"greeting", "thanks", "goodbye", "help"}


def _local(catalog: Catalog, when: datetime | None) -> datetime | None:
    return when.astimezone(catalog.timezone) if when else None


def product_view(catalog: Catalog, rules: RuleSet, product: Product, at: datetime) -> dict[str, Any]:
    shop = catalog.shop_of(product)
    unit = live_unit_price(catalog, rules, product.sku, at)
    in_stock = [s for s in product.sizes if product.stock[s] > 0]
    return {
        "sku": product.sku,
        "name": product.name,
        "shop": shop.name,
        "shop_id": shop.id,
        "price": unit.list_fen,
        "live_price": unit.price_fen,
        "discount_title": unit.rule.title if unit.rule is not None else None,
        "one_size": product.one_size,
        "sizes": list(product.sizes),
        "sizes_in_stock": in_stock,
        "sizes_sold_out": [s for s in product.sizes if product.stock[s] == 0],
        "stock": dict(product.stock),
        "total_stock": product.total_stock,
        "colours": list(product.colours),
        "material": product.material,
        "notes": product.notes,
        "custom": product.custom,
        "custom_note": product.custom_note,
        "fresh": product.fresh,
        "ships_within_hours": catalog.ships_within_hours(product),
        "courier": shop.courier,
        "has_chart": bool(product.size_chart),
    }


def _policy_view(catalog: Catalog, product: Product | None, shop_id: str) -> dict[str, Any]:
    shop = catalog.shops[shop_id]
    policy = shop.returns
    claim = policy.quality_claim
    no_reason = policy.no_reason_days if not (product and (product.custom or product.fresh)) else 0
    return {
        "shop": shop.name,
        "no_reason_days": no_reason,
        "shop_no_reason_days": policy.no_reason_days,
        "unopened_only": policy.condition == "unopened",
        "covered_by": policy.shipping_covered_by,
        "custom": bool(product and product.custom),
        "fresh": bool(product and product.fresh),
        "claim_hours": claim.within_hours if claim else None,
        "claim_evidence": claim.evidence if claim else None,
        "claim_remedy": claim.remedy if claim else None,
    }


def _shops_view(catalog: Catalog) -> list[dict[str, Any]]:
    out = []
    for shop in catalog.shops.values():
        custom = [p for p in catalog.products.values()
                  if p.shop == shop.id and p.ships_within_hours and p.ships_within_hours != shop.ships_within_hours]
        out.append({
            "id": shop.id, "name": shop.name, "ships_within_hours": shop.ships_within_hours,
            "courier": shop.courier,
            "exceptions": [{"name": p.name, "hours": p.ships_within_hours} for p in custom],
            "returns": _policy_view(catalog, None, shop.id),
        })
    return out


def _shipping_fee_view(catalog: Catalog, regions: tuple[str, ...]) -> dict[str, Any]:
    policy = catalog.shipping
    return {"fee": policy.fee, "remote_regions": list(policy.remote_regions),
            "surcharge": policy.remote_surcharge, "asked_regions": list(regions)}


def promotion_view(catalog: Catalog, rules: RuleSet, product: Product | None, at: datetime) -> dict[str, Any]:
    """The promotions running now, in figures a template can put into words."""
    cross = []
    for rule in rules.active_cross_shop_rules(at):
        shop_ids = cross_shop_shops(rule, catalog)
        entry: dict[str, Any] = {
            "title": rule.title, "threshold": rule.threshold, "off": rule.discount,
            "cap_times": rule.cap_times, "example": None,
            "shops": [s.name for s in catalog.shops.values() if s.id in shop_ids],
            "excluded_shops": [s.name for s in catalog.shops.values() if s.id not in shop_ids],
        }
        if product is not None and covers(rule, product, catalog):
            unit = live_unit_price(catalog, rules, product.sku, at).price_fen
            times = unit // rule.threshold
            if rule.cap_times is not None:
                times = min(times, rule.cap_times)
            entry["example"] = {"name": product.name, "price": unit, "times": times,
                                "off": times * rule.discount,
                                "short_by": rule.threshold - unit % rule.threshold}
        cross.append(entry)
    coupons = [{"title": r.title, "threshold": r.threshold, "off": r.discount,
                "shop": catalog.shops[r.shop].name if r.shop in catalog.shops else r.shop}
               for r in rules.active_shop_rules(at)]
    return {"cross_shop": cross, "coupons": coupons,
            "eligible": product is not None and any(e["example"] is not None for e in cross),
            "stacking": None}


def order_view(catalog: Catalog, order: Order) -> dict[str, Any]:
    shop = catalog.shops[order.shop]
    items = []
    for item in order.items:
        product = catalog.products[item.sku]
        items.append({"name": product.name, "size": None if item.size == ONE_SIZE else item.size,
                      "qty": item.qty})
    hours = max(catalog.ships_within_hours(catalog.products[i.sku]) for i in order.items)
    paid_at = _local(catalog, order.paid_at)
    deadline = paid_at + timedelta(hours=hours) if paid_at is not None else None
    return {
        "id": order.id, "status": str(order.status), "shop": shop.name, "courier": shop.courier,
        "tracking": order.tracking, "lines": items, "paid": order.paid_fen,
        "ships_within_hours": hours, "placed_at": _local(catalog, order.placed_at),
        "paid_at": paid_at, "ship_by": deadline,
        "shipped_at": _local(catalog, order.shipped_at),
        "received_at": _local(catalog, order.received_at),
    }


def cart_view(catalog: Catalog, quote: Quote) -> dict[str, Any]:
    """A priced cart in figures a template can explain line by line."""
    names = {sku: p.name for sku, p in catalog.products.items()}
    titles = {d.rule: d.title for d in quote.discounts}
    lines = [{
        "name": names[line.sku], "qty": line.qty, "list": line.list_fen,
        "item_discount": line.item_discount_fen, "after_item": line.list_fen - line.item_discount_fen,
        "shares": [{"title": titles.get(rule, rule), "amount": fen} for rule, fen in line.shares.items() if fen],
        "payable": line.payable_fen,
    } for line in quote.lines]
    discounts = [{
        "title": d.title, "kind": str(d.kind), "amount": d.amount_fen, "times": d.times,
        "threshold": d.threshold_fen, "per_times": d.per_times_fen, "eligible": d.eligible_fen,
        "forfeited": d.forfeited_fen,
        "shares": [{"name": names[line.sku], "amount": line.shares.get(d.rule, 0)}
                   for line in quote.lines if line.shares.get(d.rule, 0)],
        "by_shop": [{"shop": catalog.shops[shop].name, "amount": fen} for shop, fen in d.by_shop.items() if fen],
    } for d in quote.discounts if d.amount_fen]
    nxt = quote.next_threshold
    return {
        "lines": lines, "list_total": quote.list_fen, "item_discount_total": quote.item_discount_fen,
        "subtotal": quote.list_fen - quote.item_discount_fen, "discounts": discounts,
        "payable": quote.payable_fen,
        "next": None if nxt is None else {
            "title": nxt.title, "short_by": nxt.short_by_fen, "gain": nxt.gain_fen,
            "suggestions": [{"name": names[s.sku], "qty": s.qty} for s in nxt.suggestions[:2]],
        },
    }


def refund_view(catalog: Catalog, refund: Refund) -> dict[str, Any]:
    return {
        "order_id": refund.order_id, "refund": refund.refund_fen,
        "lines": [{"name": catalog.products[line.sku].name, "units": line.units, "amount": line.amount_fen,
                   "shares": line.shares_fen, "refund": line.refund_fen} for line in refund.lines],
    }


def topic_buttons(match: Match) -> tuple[Button, ...]:
    topics = [c for c in match.candidates if c not in SOCIAL][:3]
    for default in ("price", "shipping_time", "return_policy"):
        if len(topics) >= 3:
            break
        if default not in topics:
            topics.append(default)
    buttons = [topic_button(t) for t in topics]
    buttons.append(Button(ButtonKind.human, label_key="topic.human"))
    return tuple(buttons)


def product_buttons(catalog: Catalog) -> tuple[Button, ...]:
    return tuple(product_button(p) for p in catalog.products.values())


def topic_button(intent: str) -> Button:
    return Button(ButtonKind.topic, intent, label_key=f"topic.{intent}")


def product_button(product: Product) -> Button:
    return Button(ButtonKind.product, product.sku, text=product.name)


ORDER_TOPICS = ("order_status", "refund")
"""Topics whose answers read the buyer's own orders (see `Composer.needs_orders`)."""
AFTERSALES_ENTRY_TOPICS = ("return_request", "my_aftersales")
"""Answered with the way in: the returns form and the buyer's cases (handlers/after_sales.py)."""


class Composer:
    """Knows the shop's data; turns a Match into an Answer. Built once per knowledge snapshot."""

    def __init__(self, catalog: Catalog, rules: RuleSet, matcher: IntentMatcher,
                 aftersales: AftersalesPolicy | None = None) -> None:
        self.catalog = catalog
        self.rules = rules
        self.matcher = matcher
        self.aftersales = aftersales
        """Each shop's after-sales terms (refund timing, pick-up, exchange cost)."""

    def compose(self, match: Match, channel: Channel, asker: Asker, at: datetime,
                *, clarified_before: bool = False, previous_cart: CartItems | None = None) -> Answer | None:
        """The answer, or None when the bot should stay silent (noise, unsure in the room)."""
        if match.intent == NOISE:
            return None
        if match.intent == UNSURE:
            if channel is Channel.live:
                return None
            if clarified_before:
                return self.handoff(Handoff.unanswered, asker)
            if self._is_vip(asker):
                return self.handoff(Handoff.vip, asker)  # a VIP is not made to pick buttons
            return Answer("clarify", {"text": match.text.original}, buttons=topic_buttons(match))
        intent = match.intent
        if channel is Channel.live and self.matcher.is_private_topic(intent):
            return Answer("live/invite_private", {"topic": intent, "sent_privately": False})
        if intent in ("human", "complaint", "personal"):
            reason = {"human": Handoff.requested, "complaint": Handoff.complaint,
                      "personal": Handoff.personal}[intent]
            return self.handoff(reason, asker)
        if intent == "cart":
            return self.cart(match, channel, asker, at,
                             previous_cart if channel is Channel.private else None)
        if intent == "refund":
            return self.refund(match, asker)
        if intent in AFTERSALES_ENTRY_TOPICS or intent in TERMS_TOPICS:
            return self.aftersales_topic(intent, match, asker)
        return self.answer_topic(intent, match, channel, asker, at)

    def aftersales_topic(self, intent: str, match: Match, asker: Asker) -> Answer | None:
        """After-sales in private chat: the shop's terms (refund timing, pick-up, exchange
        cost), or the way into the returns form and the buyer's cases, as buttons."""
        buttons = (Button(ButtonKind.aftersales_apply, "", "aftersales.apply"),
                   Button(ButtonKind.aftersales_mine, label_key="aftersales.mine"))
        if intent in AFTERSALES_ENTRY_TOPICS:
            return Answer("aftersales/entry", {"topic": intent}, buttons=buttons)
        if self.aftersales is None:
            return None
        catalog = self.catalog
        order = self._own_order(match.order_id, asker) if match.order_id else None  # own orders only
        product = catalog.products.get(match.sku) if match.sku else None
        shop_ids = [order.shop] if order else [product.shop] if product else None
        return Answer("aftersales/terms", terms_context(self.catalog, self.aftersales, intent, shop_ids),
                      buttons=buttons[:1])

    def cart(self, match: Match, channel: Channel, asker: Asker, at: datetime,
             previous: CartItems | None) -> Answer | None:
        """Price the cart the buyer described (or extended), with each discount explained.

        In the live room the answer is the short form; with no product named and none on
        stage the room gets silence (private chat asks which product).
        """
        items = cart_items(match.text.text, self.matcher.products)
        if previous and (not items or is_add_on(match.text.text)):
            items = merged(previous, items)
        if not items and match.sku:
            items = ((match.sku, match.quantity or 1),)  # "两件到手多少" about the product on stage
        base = {"buyer": self.buyer_view(asker), "channel": str(channel)}
        if not items:
            if channel is Channel.live:
                return None
            return Answer("which_product", base, buttons=product_buttons(self.catalog))
        quote = price_cart(self.catalog, self.rules, [CartLine(sku, qty) for sku, qty in items], at)
        return Answer("cart", {**base, "cart": cart_view(self.catalog, quote)}, cart=items,
                      sku=items[-1][0])

    def refund(self, match: Match, asker: Asker) -> Answer:
        """What returning items of one's own order gives back: amount minus allocated shares."""
        base = {"buyer": self.buyer_view(asker), "order_id": match.order_id}
        if match.order_id is None:
            return Answer("refund_need_order", base)
        order = self._own_order(match.order_id, asker)
        if order is None:
            return Answer("order_not_found", base)
        in_order = [item.sku for item in order.items]
        named = [sku for sku in match.skus if sku in in_order] or in_order
        returned = {sku: sum(i.qty for i in order.items if i.sku == sku) for sku in named}
        try:
            refund = refund_for(self.catalog, self.rules, order, returned)
        except PromotionInputError:
            return self.handoff(Handoff.unanswered, asker)
        return Answer("refund", {**base, "refund": refund_view(self.catalog, refund)})

    @staticmethod
    def needs_orders(intent: str, order_id: str | None) -> bool:
        """Whether the answer reads the buyer's orders: the edge fetches them from the shop's
        order source only then, not for every message."""
        return order_id is not None or intent in ORDER_TOPICS

    def _orders_of(self, asker: Asker) -> Sequence[Order]:
        return asker.orders if asker.orders is not None else self.catalog.orders_of(asker.user_id)

    def _own_order(self, order_id: str, asker: Asker) -> Order | None:
        """The order only if it is the asker's: another buyer's number reveals nothing."""
        return next((o for o in self._orders_of(asker) if o.id == order_id), None)

    def handoff(self, reason: Handoff, asker: Asker) -> Answer:
        return Answer("handoff_promise", {"reason": str(reason), "buyer": self.buyer_view(asker)},
                      handoff=reason)

    def _is_vip(self, asker: Asker) -> bool:
        known = self.catalog.buyers.get(asker.user_id)
        return known is not None and known.tier == "vip"

    def buyer_view(self, asker: Asker) -> dict[str, Any]:
        known: Buyer | None = self.catalog.buyers.get(asker.user_id)
        return {"id": asker.user_id, "name": known.name if known else asker.name,
                "tier": str(known.tier) if known else None}

    def answer_topic(self, intent: str, match: Match, channel: Channel, asker: Asker,
                     at: datetime) -> Answer | None:
        catalog = self.catalog
        product = catalog.products.get(match.sku) if match.sku else None
        base: dict[str, Any] = {"buyer": self.buyer_view(asker), "channel": str(channel)}
        if intent in SOCIAL:
            return Answer(intent, {**base, "shops": _shops_view(catalog)})
        if self.matcher.needs_product(intent) and product is None:
            if channel is Channel.live:
                return None
            return Answer("which_product", base, buttons=product_buttons(catalog))
        view = product_view(catalog, self.rules, product, at) if product else None
        context = {**base, "product": view}
        if intent == "price":
            deal = price_to_pay_view(catalog, self.rules, product, at) if product else None
            return Answer("price", {**context, "deal": deal}, sku=product.sku if product else None)
        if intent == "stock" and product is not None:
            size = match.size if match.size in product.stock else None
            alternative = nearest_in_stock(product, size) if size and product.stock[size] == 0 else None
            return Answer("stock", {**context, "size": size,
                                    "size_stock": product.stock[size] if size else None,
                                    "alternative": alternative}, sku=product.sku)
        if intent == "size_advice" and product is not None:
            body = match.body
            advice = advise(product, body) if body else None
            asked = match.size if match.size in product.stock else None
            return Answer("size_advice", {
                **context,
                "height": body.height_cm if body else None,
                "weight": body.weight_kg if body else None,
                "advice": {"fit": str(advice.fit), "size": advice.size, "alternative": advice.alternative}
                if advice else None,
                "asked_size": asked,
            }, sku=product.sku)
        if intent in ("options", "material"):
            return Answer(intent, context, sku=product.sku if product else None)
        if intent in ("shipping_time", "courier"):
            return Answer(intent, {**context, "shops": _shops_view(catalog)},
                          sku=product.sku if product else None)
        if intent == "shipping_fee":
            return Answer("shipping_fee", {**context, "shipping": _shipping_fee_view(catalog, match.regions)},
                          sku=product.sku if product else None)
        if intent == "return_policy":
            policy = _policy_view(catalog, product, product.shop) if product else None
            return Answer("return_policy", {**context, "policy": policy, "shops": _shops_view(catalog)},
                          sku=product.sku if product else None)
        if intent == "promotion":
            promo = promotion_view(catalog, self.rules, product, at)
            if match.stacking:
                promo["stacking"] = {"combine": not match.stacking_same_kind}
            return Answer("promotion", {**context, "promo": promo}, sku=product.sku if product else None)
        if intent == "order_status":
            return self.order_status(match, asker, base)
        return None

    def order_status(self, match: Match, asker: Asker, base: dict[str, Any]) -> Answer:
        catalog = self.catalog
        if match.order_id is not None:
            order = self._own_order(match.order_id, asker)
            if order is None:
                return Answer("order_not_found", {**base, "order_id": match.order_id})
            buttons = ()
            if order.status == OrderStatus.received:  # after-sales starts at receipt: offer the form
                buttons = (Button(ButtonKind.aftersales_apply, order.id, "aftersales.apply"),
                           Button(ButtonKind.aftersales_mine, label_key="aftersales.mine"))
            return Answer("order_status", {**base, "order": order_view(catalog, order)}, buttons=buttons)
        orders = [order_view(catalog, o) for o in self._orders_of(asker)]
        return Answer("order_list", {**base, "orders": orders})

    def answer_for_topic(self, intent: str, match: Match, asker: Asker, at: datetime) -> Answer | None:
        """The answer when a buyer picks a topic button after an ask-back."""
        if intent not in self.matcher.topic_names:
            return None
        if intent in ("human", "complaint", "personal"):
            return self.compose(Match(intent=intent, text=match.text), Channel.private, asker, at)
        if intent == "cart":
            return self.cart(match, Channel.private, asker, at, None)
        return self.answer_topic(intent, match, Channel.private, asker, at)

