"""Effect keys against the real Redis: an update handled twice, even at once, sends once."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.types import Chat, Message
from redis.asyncio import Redis

from bot.runtime.effects import SentEffects, UpdateScope
from bot.runtime.keys import RuntimeKeys
from bot.sandbox.emulator import SANDBOX_TOKEN

pytestmark = pytest.mark.redis


def sent_message(message_id: int) -> Message:
    return Message(message_id=message_id, date=1, chat=Chat(id=700001, type="private"), text="亲，48小时内发货")


async def test_two_handlings_of_one_update_send_once(redis: Redis, key_prefix: str) -> None:
    bot = Bot(SANDBOX_TOKEN)
    effects = SentEffects(redis, RuntimeKeys(key_prefix, 4), bot, claim_seconds=5)
    first, second = UpdateScope(42), UpdateScope(42)
    key = first.effect_key(700001, "answer")
    assert key == second.effect_key(700001, "answer")
    assert first.effect_key(700001, "answer") != key  # a second answer in the same update is its own

    assert await effects.claim(700001, key) is None  # the first handler sends
    waiting = asyncio.create_task(effects.claim(700001, key))  # the second waits for the outcome
    await effects.record(700001, key, sent_message(77))
    again = await asyncio.wait_for(waiting, 5)
    assert isinstance(again, Message) and again.message_id == 77 and again.text == "亲，48小时内发货"
    await bot.session.close()


async def test_a_send_given_up_can_be_tried_again(redis: Redis, key_prefix: str) -> None:
    bot = Bot(SANDBOX_TOKEN)
    effects = SentEffects(redis, RuntimeKeys(key_prefix, 4), bot, claim_seconds=30)
    assert await effects.claim(700002, "u7:answer:1") is None
    await effects.unclaim(700002, "u7:answer:1")
    assert await effects.claim(700002, "u7:answer:1") is None
    await bot.session.close()
