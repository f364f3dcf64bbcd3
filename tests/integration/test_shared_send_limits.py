"""Telegram's limits shared through Redis: two processes (two outboxes) together keep a
chat's pace, a 429 one of them got makes the other wait too, and a buyer's answer goes
ahead of a wave of cards."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage
from redis.asyncio import Redis

from bot.runtime.keys import RuntimeKeys
from bot.runtime.send_pacing import RedisPacer
from bot.telegram.pacing import Lane
from bot.telegram.sending import Limits, Outbox, Outgoing

pytestmark = pytest.mark.redis

BUYER = 700001
AGENTS = -1001000000200


@dataclass
class Call:
    at: float
    chat_id: int
    text: str
    delivered: bool


class RecordingBot:
    """One process's view of Telegram; `calls` is shared to see both processes' sends in order."""

    def __init__(self, calls: list[Call], refuse: dict[int, int] | None = None) -> None:
        self.calls = calls
        self._refuse = dict(refuse or {})
        self.refused = asyncio.Event()

    async def send_message(self, **kwargs: Any) -> Any:
        now = asyncio.get_running_loop().time()
        chat_id, text = kwargs["chat_id"], kwargs["text"]
        if self._refuse.get(chat_id):
            seconds = self._refuse.pop(chat_id)
            self.calls.append(Call(now, chat_id, text, delivered=False))
            self.refused.set()
            raise TelegramRetryAfter(method=SendMessage(chat_id=chat_id, text=text),
                                     message="Too Many Requests", retry_after=seconds)
        self.calls.append(Call(now, chat_id, text, delivered=True))
        return SimpleNamespace(message_id=len(self.calls), chat_id=chat_id, text=text)


def outbox(redis: Redis, key_prefix: str, bot: RecordingBot, limits: Limits) -> Outbox:
    return Outbox(bot, limits, pacer=RedisPacer(redis, RuntimeKeys(key_prefix, 4), limits))  # type: ignore[arg-type]


async def test_two_processes_together_keep_a_private_chats_pace(redis: Redis, key_prefix: str) -> None:
    limits = Limits(per_second=1000.0, group_per_minute=1000, private_per_second=5.0)
    calls: list[Call] = []
    first = outbox(redis, key_prefix, RecordingBot(calls), limits)
    second = outbox(redis, key_prefix, RecordingBot(calls), limits)
    for n in range(3):
        first.send(Outgoing(BUYER, f"甲{n}"))
        second.send(Outgoing(BUYER, f"乙{n}"))
    await asyncio.gather(first.drain(30), second.drain(30))

    assert sorted(c.text for c in calls) == ["乙0", "乙1", "乙2", "甲0", "甲1", "甲2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    # Each process alone would send its three at once; together they keep 5 a second.
    assert min(gaps) >= 0.15, gaps


async def test_a_429_one_process_got_makes_the_other_wait(redis: Redis, key_prefix: str) -> None:
    limits = Limits(per_second=1000.0, group_per_minute=1000, private_per_second=1000.0)
    calls: list[Call] = []
    refused_bot = RecordingBot(calls, refuse={BUYER: 2})
    first = outbox(redis, key_prefix, refused_bot, limits)
    second = outbox(redis, key_prefix, RecordingBot(calls), limits)
    first.send(Outgoing(BUYER, "亲，第一条"))
    await asyncio.wait_for(refused_bot.refused.wait(), 10)
    second.send(Outgoing(BUYER, "亲，第二条"))
    second.send(Outgoing(BUYER + 1, "亲，别的买家"))
    await asyncio.gather(first.drain(30), second.drain(30))

    refused_at = next(c.at for c in calls if not c.delivered)
    by_text = {c.text: c.at for c in calls if c.delivered}
    assert by_text["亲，第二条"] - refused_at >= 1.8  # Telegram asked for 2 s; the other process honoured it
    assert by_text["亲，第一条"] - refused_at >= 1.8
    assert by_text["亲，别的买家"] < by_text["亲，第二条"]  # only that chat was held


async def test_a_buyers_answer_goes_ahead_of_a_wave_of_cards(redis: Redis, key_prefix: str) -> None:
    limits = Limits(per_second=5.0, group_per_minute=1000, private_per_second=1000.0)
    calls: list[Call] = []
    cards = outbox(redis, key_prefix, RecordingBot(calls), limits)
    answers = outbox(redis, key_prefix, RecordingBot(calls), limits)
    for n in range(12):
        cards.send(Outgoing(AGENTS - n, f"卡片{n}", thread_id=n + 1, purpose="agents"))
    answers.send(Outgoing(BUYER, "亲，有货", priority=Lane.BUYER))
    await asyncio.gather(cards.drain(60), answers.drain(60))

    order = [c.text for c in calls]
    # The cards share 5 a second with everyone; the buyer's answer does not queue behind them.
    assert order.index("亲，有货") <= 3, order
    assert len(order) == 13
