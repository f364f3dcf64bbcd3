"""The optional topic fallback against a local fake OpenAI-compatible endpoint."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.understanding.intents import UNSURE, Channel, IntentMatcher
from bot.understanding.llm_fallback import TopicFallback, refined

TOPICS = ["price", "shipping_time", "order_status"]
Reply = Callable[[dict[str, Any]], Any]


class FakeEndpoint:
    """Records requests; answers with whatever `reply` returns (a dict, a string, or sleeps)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply: Reply = lambda body: {"topic": "price"}
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"body": body, "auth": request.headers.get("Authorization")})
        await asyncio.sleep(self.delay)
        content = self.reply(body)
        if not isinstance(content, str):
            content = json.dumps(content)
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": content}}]})


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[FakeEndpoint, str]]:
    fake = FakeEndpoint()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the port the OS chose
    yield fake, f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


async def test_picks_a_listed_topic_with_masked_text_and_the_key(endpoint: tuple[FakeEndpoint, str]) -> None:
    fake, url = endpoint
    fallback = TopicFallback(url, "tiny", api_key="k-123")
    assert await fallback.pick("我电话13812345678 这个多少米", TOPICS) == "price"
    (sent,) = fake.requests
    assert sent["auth"] == "Bearer k-123"
    user_text = sent["body"]["messages"][-1]["content"]
    assert "13812345678" not in user_text and "****" in user_text
    schema = sent["body"]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["topic"]["enum"] == [*TOPICS, "none"]


@pytest.mark.parametrize("reply", [
    {"topic": "none"},
    {"topic": "warranty"},          # an invented topic
    "I think it is about price",     # not JSON
    {"answer": "price"},             # wrong shape
])
async def test_anything_but_a_listed_topic_is_none(endpoint: tuple[FakeEndpoint, str], reply: Any) -> None:
    fake, url = endpoint
    fake.reply = lambda body: reply
    assert await TopicFallback(url, "tiny").pick("嗯那个", TOPICS) is None


async def test_a_slow_endpoint_times_out_as_none(endpoint: tuple[FakeEndpoint, str]) -> None:
    fake, url = endpoint
    fake.delay = 1.0
    assert await TopicFallback(url, "tiny", timeout_s=0.2).pick("嗯那个", TOPICS) is None


async def test_an_unreachable_endpoint_is_none() -> None:
    assert await TopicFallback("http://127.0.0.1:9/v1", "tiny", timeout_s=0.5).pick("x", TOPICS) is None


def test_a_refined_reading_keeps_its_slots(matcher: IntentMatcher) -> None:
    match = matcher.match("嗯嗯那个呢", Channel.private, "BS-DRESS")
    assert match.intent == UNSURE
    picked = refined(match, "price")
    assert (picked.intent, picked.sku, picked.decided_by) == ("price", "BS-DRESS", "llm")
