"""Playwright (from PyPI) driving Debian's chromium; no browser is ever downloaded.

`scripts/test` installs chromium with apt-get when /usr/bin/chromium is missing. Each test
gets a fresh browser context (its own cookies) on the console of a real running bot.
Screenshots of the pages go to var/screenshots/ (gitignored), kept as artifacts.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from redis.asyncio import Redis

from tests.conftest import ROOT
from tests.web.console_harness import RunningConsole, copied_settings, running_console

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def console(redis: Redis, key_prefix: str, tmp_path: Path) -> AsyncIterator[RunningConsole]:
    async with running_console(copied_settings(key_prefix, tmp_path), redis, sandbox=True) as running:
        yield running


@pytest.fixture
def new_page(browser: Browser) -> Callable[[], Awaitable[Page]]:
    """A page in a fresh context: one per person signed in."""
    async def make() -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        return await context.new_page()
    return make


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Awaitable[None]]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)

    async def take(page: Page, name: str) -> None:
        await page.screenshot(path=str(SCREENSHOTS / f"{test}-{name}.png"), full_page=True)
    return take
