"""`livedesk doctor` against the emulator: a correct set-up passes, a wrong chat id is explained."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from bot.cli.doctor import run_checks
from bot.config import Settings
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.e2e


async def test_a_correct_setup_passes_every_check() -> None:
    async with Emulator() as emulator:
        out = io.StringIO()
        ok = await run_checks(Settings(bot_token=SANDBOX_TOKEN, telegram_api_base=emulator.base_url,
                                       redis_url=TEST_REDIS_URL), Console(file=out, width=200))
    text = out.getvalue()
    assert ok, text
    assert "token works: @livedesk_bot" in text and "live room" in text and "agents' group" in text


async def test_a_wrong_agents_group_is_explained() -> None:
    async with Emulator() as emulator:
        out = io.StringIO()
        ok = await run_checks(Settings(bot_token=SANDBOX_TOKEN, telegram_api_base=emulator.base_url,
                                       redis_url=TEST_REDIS_URL, agents_chat_id=-1009999),
                              Console(file=out, width=200))
    assert not ok
    assert "agents' group -1009999" in out.getvalue() and "add the bot" in out.getvalue()


async def test_a_missing_token_is_explained() -> None:
    out = io.StringIO()
    ok = await run_checks(Settings(bot_token=None, redis_url=TEST_REDIS_URL), Console(file=out, width=200))
    assert not ok and "BOT_TOKEN is not set" in out.getvalue()
