"""Sample contexts of every after-sales template, for `templates lint`.

Built from the demo data with the real decision function, so the lint renders what the
chat would send: every received order, item, reason, with and without photos, the
retention offer both ways, exchanges to each size, and the buyer's case list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bot.aftersales.cases import Case, CaseState
from bot.aftersales.decision import Kind, Request, RequestError, decide
from bot.aftersales.policy import AftersalesPolicy, Reason
from bot.aftersales.terms import terms_view
from bot.aftersales.views import case_view, decision_view, item_view, orders_view
from bot.answers.composer import order_view
from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message
from bot.shop.orders import OrderStatus

TOPICS = ("refund_timing", "return_pickup", "exchange_cost")


def samples(data: SampleData, policy: AftersalesPolicy | None) -> Iterator[Sample]:
    """Every after-sales template with the contexts the form and the CLI build."""
    for template, context, origin in _contexts(data, policy):
        yield Sample(Message(template, context), origin)


def _contexts(data: SampleData, policy: AftersalesPolicy | None) -> Iterator[tuple[str, dict[str, object], str]]:
    catalog, rules, at = data.catalog, data.rules, data.at
    if policy is None:
        return
    received = [o for o in catalog.orders.values() if o.status == OrderStatus.received]
    yield "aftersales/choose_order", {"orders": orders_view(catalog, received)}, "order list"
    yield "aftersales/choose_order", {"orders": []}, "no orders"
    yield "aftersales/my_cases", {"cases": []}, "no cases"
    yield "aftersales/cancelled", {}, "cancelled"
    for kind in Kind:
        yield "aftersales/choose_reason", {"kind": str(kind)}, f"reason for {kind}"
    for topic in TOPICS:
        yield "aftersales/terms", {"topic": topic, "shops": [terms_view(catalog, policy, s) for s in catalog.shops]}, topic
    cases = []
    for order in received:
        yield "aftersales/choose_item", {"order": {"id": order.id}}, f"order {order.id}"
        for item in order.items:
            view = item_view(catalog, order, item.sku)
            product = catalog.products[item.sku]
            yield "aftersales/choose_qty", {"item": {**view, "qty": 2}}, f"{item.sku} qty"
            yield "aftersales/choose_kind", {"item": view}, f"{item.sku} kind"
            sizes = [{"size": s, "stock": product.stock[s]} for s in product.sizes]
            yield "aftersales/choose_size", {"item": view, "sizes": sizes}, f"{item.sku} sizes"
            in_stock = [s for s in product.sizes if product.stock[s] > 0]
            yield "aftersales/size_sold_out", {"item": view, "size": "M", "in_stock": in_stock}, "sold out"
            yield "aftersales/size_sold_out", {"item": view, "size": "M", "in_stock": []}, "all sold out"
            requests = [Request(order, {item.sku: 1}, reason, at, photos=photos, retention_declined=declined)
                        for reason in Reason for photos in (0, 1) for declined in (False, True)]
            requests += [Request(order, {item.sku: 1}, Reason.size, at, kind=Kind.exchange, exchange_to=size)
                         for size in product.sizes]
            for request in requests:
                try:
                    decision = decide(catalog, rules, policy, request)
                except RequestError:
                    continue
                state = CaseState.accepted if decision.outcome == "accept" else CaseState.declined
                case = Case(buyer=order.buyer, order=order.id, shop=order.shop, sku=item.sku, size=item.size,
                            qty=1, kind=str(request.kind), reason=str(request.reason), outcome=str(decision.outcome),
                            why=str(decision.why), state=state, refund_fen=decision.refund_fen,
                            exchange_to=request.exchange_to, coupon=decision.coupon.name if decision.coupon else None,
                            offer=decision.offer.name if decision.offer else None, id="AS000001", created_at=at,
                            updated_at=at)
                cases.append(case)
                context = decision_view(catalog, policy, order, decision, case, str(request.kind), request.exchange_to)
                origin = f"order {order.id} {item.sku} {request.reason} ({decision.outcome})"
                yield "aftersales/decision", context, origin
                yield "aftersales/need_photos", {"reason": str(request.reason)}, origin
                yield "agents/aftersales_case", {"c": case_view(catalog, case)}, origin
                if decision.offer is not None:
                    yield "aftersales/kept", context, origin
    yield "aftersales/photo_received", {"count": 2}, "photos"
    views = [case_view(catalog, replace(c, state=state)) for c in cases[:3] for state in CaseState]
    yield "aftersales/my_cases", {"cases": views}, "case list"
    yield "aftersales/disputed", {"case": {"id": "AS000001"}}, "dispute"
    yield "aftersales/review_thanks", {}, "review thanks"
    yield "agents/record_usage", {}, "/tag usage"
    for command in ("tag", "untag", "note"):
        for tags in ([], ["老客户", "爱买裙子"]):
            yield "agents/record_saved", {"kind": command, "words": "老客户", "tags": tags}, f"/{command}"
    yield "aftersales/review_apology", {}, "review apology"
    for order in catalog.orders.values():
        view = order_view(catalog, order)
        yield "followups/payment_reminder", {"order": view}, f"reminder {order.id}"
        yield "followups/review_invitation", {"order": view}, f"review {order.id}"
        yield "agents/review_unhappy", {"order": view}, f"unhappy {order.id}"
