"""The dashboard shows exactly the figures of `livedesk sla report --json` for a scripted day."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.sla.recorder import SlaRecorder
from tests.conftest import ROOT, TEST_REDIS_URL
from tests.e2e.harness import NANA, XIAO_LI, XIAO_WANG
from tests.web.console_harness import RunningConsole, copied_settings, running_console

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NewPage = Callable[[], Awaitable[Page]]
Shot = Callable[[Page, str], Awaitable[None]]
ALL_DAY = "00:00-24:00"


@pytest.fixture
async def console(redis: Redis, key_prefix: str, tmp_path: Path) -> AsyncIterator[RunningConsole]:
    settings = copied_settings(key_prefix, tmp_path, sla_window=ALL_DAY)
    async with running_console(settings, redis) as running:
        yield running


async def script_a_day(console: RunningConsole) -> None:
    """Two conversations of 娜娜's in beishang: a fast and a slow answer, a rating, bot answers."""
    settings = console.console.settings
    recorder = SlaRecorder(console.session.redis, settings.sla, SystemClock(), settings.redis_prefix)
    t0 = SystemClock().now() - timedelta(seconds=200)

    def at(seconds: float) -> object:
        return t0 + timedelta(seconds=seconds)

    await recorder.handoff("beishang", "c1", XIAO_LI, at=at(0))
    await recorder.buyer_message("beishang", "c1", XIAO_LI, at=at(1))
    await recorder.agent_reply("beishang", "c1", NANA, XIAO_LI, "您好亲，马上为您查看", at=at(9))
    await recorder.buyer_message("beishang", "c1", XIAO_LI, at=at(20))
    await recorder.agent_reply("beishang", "c1", NANA, XIAO_LI, "亲，已为您登记", at=at(80))
    await recorder.close("beishang", "c1", NANA, at=at(90))
    await recorder.rating("beishang", "c1", NANA, "dissatisfied", at=at(95))
    await recorder.handoff("beishang", "c2", XIAO_WANG, at=at(100))
    await recorder.buyer_message("beishang", "c2", XIAO_WANG, at=at(101))
    await recorder.agent_reply("beishang", "c2", NANA, XIAO_WANG, "您好亲，请问有什么可以帮您", at=at(104))
    await recorder.close("beishang", "c2", NANA, at=at(110))
    for latency in (0.8, 1.4, 2.0):
        await recorder.bot_answer("beishang", latency, at=at(150))


async def cli_report(console: RunningConsole, *period: str) -> dict[str, Any]:
    """`livedesk sla report --json` (today by default; `period`: e.g. "--week", "2026-W48")."""
    settings = console.console.settings
    env = {**os.environ, "SLA_WINDOW": ALL_DAY}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sla", "report", "--json", "--redis-url", TEST_REDIS_URL,
        "--prefix", settings.redis_prefix, *period, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    report: dict[str, Any] = json.loads(out)
    return report


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}s"


async def expect_hours(page: Page, period: str, hours: dict[str, Any]) -> None:
    """The period's table by hour and reply-time histogram show the JSON's figures, hour by hour."""
    busy = [h for h in range(24) if hours["handoffs"][h] or hours["rounds"][h] or hours["queue_avg"][h]]
    assert busy
    rows = page.locator(f"#{period}-hours tbody tr")
    await expect(rows).to_have_count(len(busy))
    for h in busy:
        row = page.locator(f"#{period}-hours tr[data-hour='{h}']")
        await expect(row.locator(".handoffs")).to_have_text(str(hours["handoffs"][h]))
        await expect(row.locator(".rounds")).to_have_text(str(hours["rounds"][h]))
        await expect(row.locator(".r30")).to_have_text(pct(hours["reply_rate_30s"][h]))
        await expect(row.locator(".queue")).to_have_text(f"{hours['queue_avg'][h]:.2f}")
    for bucket, count in hours["reply_times"].items():
        await expect(page.locator(f"#{period}-reply-times td[data-bucket='{bucket}']")).to_have_text(str(count))


async def test_the_dashboard_shows_the_reporters_figures_of_a_scripted_day(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    assert str(console.console.settings.sla.window) == ALL_DAY
    await script_a_day(console)
    report = await cli_report(console)
    agents, shops = report["agents"], report["shops"]
    assert isinstance(agents, list) and isinstance(shops, list)
    nana = next(a for a in agents if a["id"] == str(NANA))
    assert nana["rounds"] == 3 and nana["conversations"] == 2

    page = await new_page()
    await page.goto(console.widget_url(NANA, "娜娜"))
    await page.goto(f"{console.url}/dashboard")
    row = page.locator(f"#today-agents tr[data-id='{NANA}']")
    await expect(row.locator(".rounds")).to_have_text(str(nana["rounds"]))
    await expect(row.locator(".r30")).to_have_text(pct(nana["reply_rate_30s"]))
    await expect(row.locator(".r3m")).to_have_text(pct(nana["reply_rate_3m"]))
    await expect(row.locator(".first")).to_have_text(secs(nana["first_response_avg_s"]))
    await expect(row.locator(".avg")).to_have_text(secs(nana["avg_response_s"]))
    await expect(row.locator(".dissatisfied")).to_have_text(pct(nana["dissatisfaction_rate"]))
    await expect(row.locator(".served")).to_have_text(str(nana["served"]))
    shop = next(s for s in shops if s["id"] == "beishang")
    shop_row = page.locator("#today-shops tr[data-id='beishang']")
    await expect(shop_row.locator(".rounds")).to_have_text(str(shop["rounds"]))
    await expect(shop_row.locator(".bot")).to_have_text(str(shop["bot"]["answered"]))
    # Today and this week side by side, each with its five charts and four by the hour.
    for period in ("today", "week"):
        charts = page.locator(f"#{period} .charts img")
        assert await charts.count() == 9
        for index in range(9):  # every chart is an SVG the browser could draw
            assert await charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    hourly = page.locator("#today .charts.hourly img")
    assert {await hourly.nth(i).get_attribute("alt") for i in range(4)} == {
        "30秒回复率（按小时）", "转人工会话（按小时）", "平均排队人数（按小时）", "回复时间分布"}
    await expect(page.locator(f"#week-agents tr[data-id='{NANA}'] .rounds")).to_have_text(str(nana["rounds"]))
    await expect_hours(page, "today", report["hours"]["all"])
    week_title = await page.locator("#week h2").inner_text()
    week = await cli_report(console, "--week", week_title.split()[-1])
    await expect_hours(page, "week", week["hours"]["all"])
    assert sum(report["hours"]["all"]["handoffs"]) == 2 and sum(report["hours"]["all"]["reply_times"].values()) == 3
    await shot(page, "dashboard")

    async with page.expect_download() as info:
        await page.click("#today-csv")
    download = await info.value
    csv_text = Path(await download.path()).read_text(encoding="utf-8-sig")
    line = next(line for line in csv_text.splitlines() if line.startswith(f"agent,{NANA},"))
    assert f",{nana['rounds']},{nana['reply_rate_30s']},{nana['reply_rate_3m']}," in line
