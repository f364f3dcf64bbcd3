"""The desk's SLA figures through the real Dispatcher (issue 11, item 6)."""

from __future__ import annotations

from tests.middle.handoff_steps import hand_off, take
from tests.middle.telegram import AGENTS, AMING, NANA, XIAO_WANG, Telegram


async def test_a_conversation_transferred_to_another_shop_is_counted_there(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff, NANA)
    await tg.in_topic(NANA, handoff.thread, "/transfer mingxiang")
    assert "转给 茗香茶铺" in tg.api.take("sendMessage", AGENTS).text
    await tg.in_topic(AMING, handoff.thread, "/take")
    tg.api.take("sendMessage", AGENTS)
    tg.api.take("sendMessage", XIAO_WANG)
    await tg.in_topic(AMING, handoff.thread, "亲，茶叶的问题我来帮您")
    await tg.deliver_relays()
    tg.api.take("copyMessage", XIAO_WANG)
    await tg.in_topic(AMING, handoff.thread, "/close")
    tg.api.take("sendMessage", AGENTS)
    tg.api.take("sendMessage", XIAO_WANG)
    await tg.send(AGENTS, NANA, "/sla")
    report = tg.api.only("sendMessage", AGENTS).text
    tea = next(line for line in report.splitlines() if line.startswith("• 茗香茶铺"))
    assert "不服务率0.0%" in tea and "接待1人" in tea  # the session came along with the transfer
    # (no stale pings or phantom round at the old shop: tests/integration/test_sla_edge_cases.py)
