"""Signing in to the console in a real browser: widget data, refusals, the sandbox button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from tests.e2e.harness import AMING, NANA
from tests.web.console_harness import STRANGER_TOKEN, RunningConsole

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NewPage = Callable[[], Awaitable[Page]]
Shot = Callable[[Page, str], Awaitable[None]]


async def test_widget_data_signed_by_the_bot_token_signs_in(console: RunningConsole, new_page: NewPage,
                                                            shot: Shot) -> None:
    page = await new_page()
    await page.goto(console.widget_url(NANA, "娜娜"))
    await expect(page).to_have_url(f"{console.url}/queue")
    await expect(page.locator(".who")).to_have_text("娜娜（ops）")
    await expect(page.locator("nav")).to_contain_text("促销规则")
    await shot(page, "queue")


async def test_a_strangers_and_a_tampered_signature_are_refused(console: RunningConsole, new_page: NewPage,
                                                                shot: Shot) -> None:
    page = await new_page()
    await page.goto(console.widget_url(NANA, "娜娜", token=STRANGER_TOKEN))
    await expect(page.locator("#refusal")).to_contain_text("签名无效")
    await shot(page, "refused")
    await page.goto(console.widget_url(AMING, "阿明", id=str(NANA)))  # 阿明's signature, 娜娜's id
    await expect(page.locator("#refusal")).to_contain_text("签名无效")
    await page.goto(f"{console.url}/queue")
    await expect(page).to_have_url(f"{console.url}/login")


async def test_the_sandbox_button_signs_in_through_the_same_check(console: RunningConsole, new_page: NewPage,
                                                                  shot: Shot) -> None:
    page = await new_page()
    await page.goto(f"{console.url}/login")
    await shot(page, "login")
    await page.get_by_text("以 阿明 登录").click()
    await expect(page.locator(".who")).to_have_text("阿明（agent）")
    await expect(page.locator("nav")).not_to_contain_text("促销规则")
