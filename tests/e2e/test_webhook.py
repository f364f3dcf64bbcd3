"""The production webhook: Telegram's secret token is required, and updates are handled."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.runtime.app import Runtime, build_runtime, make_bot
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from bot.telegram.webhook import webhook_app, webhook_secret
from tests.e2e.harness import XIAO_WANG, demo_settings

pytestmark = pytest.mark.e2e

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def served(redis: Redis, key_prefix: str, knowledge: Knowledge
                 ) -> AsyncIterator[tuple[Emulator, Runtime, str, str]]:
    settings = demo_settings(key_prefix, bot_token=SANDBOX_TOKEN, webhook_url="https://shop.example")
    async with Emulator() as emulator:
        bot = make_bot(SANDBOX_TOKEN, emulator.base_url)
        clock = SystemClock()
        runtime = build_runtime(settings, bot=bot, redis=redis, clock=clock,
                                holder=KnowledgeHolder(settings, clock, knowledge))
        await runtime.start_background()
        secret = webhook_secret(settings)
        server = TestServer(webhook_app(runtime, secret))
        await server.start_server()
        try:
            yield emulator, runtime, str(server.make_url(settings.webhook_path)), secret
        finally:
            await server.close()
            with contextlib.suppress(Exception):
                await runtime.close()


def update(update_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_795_000_000, "text": text,
        "chat": {"id": XIAO_WANG, "type": "private", "first_name": "小王"},
        "from": {"id": XIAO_WANG, "is_bot": False, "first_name": "小王"}}}


async def test_requests_without_the_secret_are_refused(served: tuple[Emulator, Runtime, str, str]) -> None:
    emulator, runtime, url, secret = served
    async with ClientSession() as http:
        for headers in ({}, {HEADER: "wrong"}):
            async with http.post(url, json=update(1, "连衣裙多少钱"), headers=headers) as response:
                assert response.status == 401
        # Updates are handled before the webhook answers, so once the outbox is drained
        # everything they caused has been sent.
        await runtime.outbox.drain(5.0)
        assert emulator.record.sent("sendMessage", XIAO_WANG) == []
        async with http.post(url, json=update(2, "连衣裙多少钱"), headers={HEADER: secret}) as response:
            assert response.status == 200
    answer = (await emulator.record.wait_sent(1, XIAO_WANG))[0]
    assert "120.00" in answer.text


async def test_a_malformed_webhook_update_is_acknowledged_and_skipped(
        served: tuple[Emulator, Runtime, str, str]) -> None:
    _, _, url, secret = served
    async with ClientSession() as http:
        async with http.post(url, json={"update_id": 3, "message": {"chat": "nope"}},
                             headers={HEADER: secret}) as response:
            assert response.status == 200
