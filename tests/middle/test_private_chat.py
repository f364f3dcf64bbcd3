"""Private chat through the real Dispatcher: FAQ, ask-back buttons, own orders only."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.shop.orders import Order, OrderItem, OrderStatus
from tests.middle.telegram import LIVE_ROOM, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Telegram


async def test_a_shipping_question_is_answered_for_every_shop(tg: Telegram) -> None:
    await tg.private(XIAO_LI, "什么时候发货")
    reply = tg.api.only("sendMessage", XIAO_LI)
    for fact in ("蓓尚服饰48小时内", "定制刻字茶礼盒72小时内", "鲜果坊24小时内"):
        assert fact in reply.text
    assert reply.buttons == []


async def test_unsure_asks_back_with_topic_buttons_and_a_press_answers_the_question(tg: Telegram) -> None:
    await tg.room(NANA, "/now BS-DRESS")
    tg.api.only("sendMessage", LIVE_ROOM)
    await tg.private(XIAO_WANG, "这个咋整")
    ask = tg.api.only("sendMessage", XIAO_WANG)
    labels = [label for label, _ in ask.buttons]
    assert "价格" in labels and "转人工客服" in labels
    await tg.press(XIAO_WANG, ask, "价格")
    answer = tg.api.only("sendMessage", XIAO_WANG)
    assert "纯棉连衣裙" in answer.text and "120.00" in answer.text


async def test_a_price_question_without_a_product_offers_the_products(tg: Telegram) -> None:
    await tg.private(XIAO_LI, "多少钱")
    ask = tg.api.only("sendMessage", XIAO_LI)
    assert "哪件商品" in ask.text
    assert {"纯棉连衣裙", "真丝围巾", "赣南脐橙 5kg"} <= {label for label, _ in ask.buttons}
    await tg.press(XIAO_LI, ask, "真丝围巾")
    answer = tg.api.only("sendMessage", XIAO_LI)
    assert "真丝围巾" in answer.text and "30.00" in answer.text


async def test_a_follow_up_keeps_the_product_of_the_last_answer(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "开衫多少钱")
    assert "89.00" in tg.api.only("sendMessage", XIAO_WANG).text
    await tg.private(XIAO_WANG, "有L码吗")
    reply = tg.api.only("sendMessage", XIAO_WANG)
    assert "针织开衫" in reply.text and "L码有货" in reply.text


async def test_an_order_is_shown_to_its_own_buyer(tg: Telegram) -> None:
    await tg.private(XIAO_ZHANG, "我的订单1003怎么样了")
    reply = tg.api.only("sendMessage", XIAO_ZHANG)
    assert "1003" in reply.text and "顺丰速运" in reply.text and "SF1402233445566" in reply.text


async def test_another_buyers_order_reveals_nothing(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "我的订单1003怎么样了")
    reply = tg.api.only("sendMessage", XIAO_WANG)
    assert "没有查到您名下的订单1003" in reply.text
    for secret in ("SF1402233445566", "西湖龙井", "顺丰"):
        assert secret not in reply.text


async def test_refund_timing_is_answered_from_the_shops_after_sales_terms(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "退款多久能到账")
    reply = tg.api.only("sendMessage", XIAO_WANG)
    assert "蓓尚服饰" in reply.text and "3个工作日内退款到原支付账户" in reply.text
    assert [label for label, _ in reply.buttons] == ["申请退换货"]


async def test_asking_about_ones_after_sales_offers_the_form_and_the_cases(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "我的售后进度怎么样了")
    reply = tg.api.only("sendMessage", XIAO_WANG)
    assert [label for label, _ in reply.buttons] == ["申请退换货", "我的售后"]
    await tg.press(XIAO_WANG, reply, "我的售后")
    cases = tg.api.only("sendMessage", XIAO_WANG)
    assert "您还没有售后申请" in cases.text


class ShopSystemOrders:
    """A real shop's order source (bot.shop.orders.OrderSource), standing in for its API."""

    def __init__(self, *orders: Order) -> None:
        self._orders = {o.id: o for o in orders}

    async def order_for(self, order_id: str, buyer_id: int) -> Order | None:
        order = self._orders.get(order_id)
        return order if order is not None and order.buyer == buyer_id else None

    async def orders_of(self, buyer_id: int) -> list[Order]:
        return [o for o in self._orders.values() if o.buyer == buyer_id]

    async def recent(self, since: datetime) -> list[Order]:
        return []


async def test_orders_come_from_the_shops_own_order_source(tg: Telegram) -> None:
    shipped = tg.clock.now() - timedelta(hours=5)
    tg.runtime.dp["orders"] = ShopSystemOrders(Order(
        id="88001", buyer=XIAO_WANG, shop="beishang", items=(OrderItem(sku="BS-SCARF"),),
        status=OrderStatus.shipped, paid_fen=3000, placed_at=shipped, paid_at=shipped, shipped_at=shipped,
        received_at=None, tracking="ZT7700112233"))
    await tg.private(XIAO_WANG, "我的订单")
    listed = tg.api.only("sendMessage", XIAO_WANG)
    assert "88001" in listed.text and "1001" not in listed.text  # the demo orders are not the shop's
    await tg.private(XIAO_WANG, "订单88001到哪了")
    status = tg.api.only("sendMessage", XIAO_WANG)
    assert "ZT7700112233" in status.text
