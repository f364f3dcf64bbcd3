"""Steps of a handoff through the real Dispatcher, each asserting exactly the calls it causes:
ask for a person (queue notice, then topic, card and copy once the relay worker runs), and
an agent taking the conversation."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import Message

from tests.middle.recorded_session import Call
from tests.middle.telegram import AGENTS, NANA, Telegram


@dataclass
class Handoff:
    buyer: int
    thread: int
    queued: Call
    card: Call
    asked: Message


async def hand_off(tg: Telegram, buyer: int, text: str = "转人工") -> Handoff:
    """The buyer asks for a human: they are told their place at once, and nothing goes to
    the agents' group while the update is handled; once the relay worker runs, a topic
    opens with a card, and their own message is copied into it after the card."""
    asked = await tg.private(buyer, text)
    queued = tg.api.only("sendMessage", buyer)
    await tg.deliver_relays()
    topic, card, copy = opened(tg, buyer)
    assert (copy.params["from_chat_id"], copy.params["message_id"]) == (buyer, asked.message_id)
    tg.api.assert_nothing_more()
    return Handoff(buyer, topic.result.message_thread_id, queued, card, asked)


def opened(tg: Telegram, buyer: int) -> tuple[Call, Call, Call]:
    """The topic the relay worker created for `buyer`, its card, and the first copy into it,
    in that order in the agents' group."""
    topic = tg.api.take("createForumTopic", AGENTS)
    thread = topic.result.message_thread_id
    card = tg.api.take("sendMessage", AGENTS)
    copy = tg.api.take("copyMessage", AGENTS)
    assert card.thread_id == copy.thread_id == thread
    calls = tg.api.calls
    assert calls.index(topic) < calls.index(card) < calls.index(copy)
    return topic, card, copy


async def take(tg: Telegram, handoff: Handoff, agent: int = NANA) -> None:
    await tg.in_topic(agent, handoff.thread, "/take")
    assert "已接待" in tg.api.take("sendMessage", AGENTS).text
    assert "已接入" in tg.api.take("sendMessage", handoff.buyer).text
    buttons_gone(tg, handoff.queued)  # 取消排队 no longer applies


def buttons_gone(tg: Telegram, shown: Call) -> None:
    """The bot took the buttons off `shown` (they no longer apply)."""
    edit = tg.api.only("editMessageReplyMarkup", shown.chat_id)
    assert edit.params["message_id"] == shown.result.message_id and "reply_markup" not in edit.params
