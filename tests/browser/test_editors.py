"""Ops edit promotion rules and answer templates in the console: a broken draft is refused
with the loader's own errors and the live data stays; a sound one is previewed, saved
atomically, recorded, and picked up by the running bot's watcher."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from bot.datafiles import DataFileError
from bot.knowledge.watcher import watch
from bot.promotions.loader import load_rules
from tests.e2e.harness import NANA, XIAO_LI, eventually
from tests.web.console_harness import RunningConsole

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NewPage = Callable[[], Awaitable[Page]]
Shot = Callable[[Page, str], Awaitable[None]]
RULE = "mx-longjing-live-price.yaml"
LIVE = 'amount_off: "10.00"'
BROKEN = 'amount_off: "ten yuan"'
FIXED = 'amount_off: "20.00"'


async def as_ops(console: RunningConsole, new_page: NewPage) -> Page:
    page = await new_page()
    await page.goto(console.widget_url(NANA, "娜娜"))
    return page


def promo_check_errors(promo_dir: Path, console: RunningConsole, text: str, tmp: Path) -> list[str]:
    """What `livedesk promo check` reports for the draft: the same loader on a copy."""
    copy = tmp / "promo_check"
    shutil.copytree(promo_dir, copy)
    (copy / RULE).write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_rules(copy, console.console.holder.current.catalog)
    return [f"{Path(e.file).name}:{e.line}: {e.reason}" for e in raised.value.errors]


async def test_a_broken_rule_is_refused_then_the_fix_is_previewed_saved_and_quoted_by_the_bot(
        console: RunningConsole, new_page: NewPage, shot: Shot, tmp_path: Path) -> None:
    runtime = console.session.runtime
    promo_dir = console.console.settings.promo_dir
    live_text = (promo_dir / RULE).read_text(encoding="utf-8")
    assert LIVE in live_text
    watcher = asyncio.create_task(watch([promo_dir], runtime.reload_and_report, interval=0.3))
    try:
        page = await as_ops(console, new_page)
        await page.goto(f"{console.url}/promotions?file={RULE}")
        await expect(page.locator("#promo-text")).to_have_value(live_text)

        broken = live_text.replace(LIVE, BROKEN)
        await page.fill("#promo-text", broken)
        broken_line = next(n for n, line in enumerate(broken.splitlines(), start=1) if BROKEN in line)
        # checked as ops type, before anything is pressed
        await expect(page.locator("#live-problems .live-problem").first).to_contain_text(f"{RULE}:{broken_line}:")
        await page.click("#save")
        problems = page.locator("#problems")
        await expect(problems).to_contain_text("未保存")
        shown = await page.locator("#problems .problem").all_inner_texts()
        assert shown == promo_check_errors(promo_dir, console, broken, tmp_path)
        assert any(line.startswith(f"{RULE}:{broken_line}:") for line in shown)
        await shot(page, "promotions-broken")
        assert (promo_dir / RULE).read_text(encoding="utf-8") == live_text  # live rules unchanged
        before = runtime.holder.current

        await page.fill("#promo-text", live_text.replace(LIVE, FIXED))
        await page.fill("#cart", "MX-LONGJING")
        await page.click("#check")
        await expect(page.locator("#no-problems")).to_be_visible()
        await expect(page.locator("#payable")).to_have_text("78.00")
        await expect(page.locator("#quote")).to_contain_text("MX-LONGJING")
        await shot(page, "promotions-preview")
        assert runtime.holder.current is before  # a check never touches the live rules

        await page.click("#save")
        await expect(page.locator("#flash")).to_contain_text("已保存")
        assert FIXED in (promo_dir / RULE).read_text(encoding="utf-8")
        recorded = await console.console.edits.recent(1)
        assert recorded[0]["who"] == NANA and recorded[0]["file"] == RULE
        diff = str(recorded[0]["diff"]).splitlines()
        assert any(line.startswith("-") and LIVE in line for line in diff)
        assert any(line.startswith("+") and FIXED in line for line in diff)
        await eventually(lambda: runtime.holder.current is not before, timeout=15,
                         what="the bot's watcher to load the saved rule")
        reply = await console.session.private(XIAO_LI, "龙井多少钱")
        assert "78.00" in reply.text and "98.00" in reply.text
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def test_a_template_with_a_forbidden_word_is_not_saved_and_a_good_one_renders(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    templates_dir = console.console.settings.templates_dir
    name = "zh-CN/thanks.j2"
    live_text = (templates_dir / name).read_text(encoding="utf-8")
    page = await as_ops(console, new_page)
    await page.goto(f"{console.url}/templates?file={name}")
    await page.fill("#template-text", "不客气，亲！我们的服务是最好的。")
    await page.click("#save")
    await expect(page.locator("#problems")).to_contain_text("未保存")
    await expect(page.locator("#problems .problem").first).to_contain_text("最好")
    await expect(page.locator("#problems .problem").first).to_contain_text(name)
    assert (templates_dir / name).read_text(encoding="utf-8") == live_text

    await page.fill("#template-text", "不客气，亲！有问题随时找我哦。")
    await page.click("#check")
    await expect(page.locator("#no-problems")).to_be_visible()
    await expect(page.locator(".rendered").first).to_have_text("不客气，亲！有问题随时找我哦。")
    await shot(page, "templates")
    await page.click("#save")
    await expect(page.locator("#flash")).to_contain_text("已保存")
    assert (templates_dir / name).read_text(encoding="utf-8") == "不客气，亲！有问题随时找我哦。"
