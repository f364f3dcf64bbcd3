"""The sandbox's API answers its own page only: other sites' pages and rebound host names get 403."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.sandbox import Emulator
from bot.sandbox.origin_guard import host_allowed, origin_allowed

XIAOWANG = 700001


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


def _send_body(emulator: Emulator) -> dict:
    return {"chat_id": XIAOWANG, "user_id": XIAOWANG, "text": "多少钱"}


async def test_the_sandbox_page_itself_may_post(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/sandbox/api/send", json=_send_body(emulator),
                             headers={"Origin": emulator.base_url}) as response:
            assert response.status == 200 and (await response.json())["ok"]
    assert emulator.updates.pending_updates  # the buyer's message reached the bot's queue


async def test_another_sites_page_is_refused_with_a_reason(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/sandbox/api/send", json=_send_body(emulator),
                             headers={"Origin": "https://evil.example"}) as response:
            body = await response.json()
    assert response.status == 403 and body["ok"] is False
    assert "https://evil.example" in body["error"] and "same origin" in body["error"]
    assert not emulator.updates.pending_updates  # nothing was sent as the buyer


async def test_a_rebound_host_name_cannot_read_the_state(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.base_url}/sandbox/api/state",
                            headers={"Host": f"evil.example:{emulator.port}"}) as response:
            body = await response.json()
        assert response.status == 403 and "evil.example" in body["error"]
        async with http.get(f"{emulator.base_url}/sandbox/api/state",
                            headers={"Host": f"localhost:{emulator.port}"}) as response:
            assert response.status == 200 and "people" in await response.json()


@pytest.mark.parametrize(("host", "own", "allowed"), [
    ("127.0.0.1:8080", "127.0.0.1", True), ("localhost:8080", "127.0.0.1", True),
    ("[::1]:8080", "127.0.0.1", True), ("192.168.1.20:8080", "0.0.0.0", True),
    ("devbox:8080", "devbox", True), ("evil.example:8080", "127.0.0.1", False),
    ("evil.example:8080", "0.0.0.0", False), (None, "127.0.0.1", False),
])
def test_host_rule(host: str | None, own: str, allowed: bool) -> None:
    assert host_allowed(host, own) is allowed


@pytest.mark.parametrize(("origin", "host", "allowed"), [
    (None, "127.0.0.1:8080", True), ("http://127.0.0.1:8080", "127.0.0.1:8080", True),
    ("http://127.0.0.1:9999", "127.0.0.1:8080", False), ("null", "127.0.0.1:8080", False),
    ("http://localhost:8080", "127.0.0.1:8080", False),
])
def test_origin_rule(origin: str | None, host: str, allowed: bool) -> None:
    assert origin_allowed(origin, host) is allowed
