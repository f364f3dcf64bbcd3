"""The chat archive in real Redis: per buyer and per day, bounded by retention, masked exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from typer.testing import CliRunner

from bot.clock import ManualClock
from bot.customers.archive import ARCHIVE_COLUMNS, Author, ChatArchive, export
from tests.conftest import TEST_REDIS_URL

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_buyers_chat_in_order_with_authors_and_a_day_across_buyers(redis: Redis, key_prefix: str,
                                                                          clock: ManualClock) -> None:
    archive = ChatArchive(redis, key_prefix, clock, timedelta(days=30), SHANGHAI)
    await archive.record(700001, Author.buyer, "围巾能退吗，电话13812345678")
    clock.advance(5)
    await archive.record(700001, Author.bot, "亲，可以的")
    clock.advance(5)
    await archive.record(700002, Author.buyer, "寄到浙江省杭州市西湖区文三路90号")
    clock.advance(5)
    await archive.record(700001, Author.agent, "您好，我是娜娜")
    chat = await archive.of_buyer(700001)
    assert [(m.author, m.text[:4]) for m in chat] == [(Author.buyer, "围巾能退"), (Author.bot, "亲，可以"),
                                                       (Author.agent, "您好，我")]
    assert (chat[1].at - chat[0].at).total_seconds() == 5
    day = await archive.of_day(clock.now().astimezone(SHANGHAI).date())
    assert [m.buyer for m in day] == [700001, 700001, 700002, 700001]
    assert await archive.of_day(clock.now().astimezone(SHANGHAI).date() - timedelta(days=1)) == []
    lines = [json.loads(line) for line in export(day, "jsonl", masked=True).splitlines()]
    assert lines[0]["text"] == "围巾能退吗，电话138****5678" and lines[0]["author"] == "buyer"
    assert lines[2]["text"].startswith("寄到浙江省杭州市") and "文三路90号" not in lines[2]["text"]
    assert "13812345678" in export(day, "jsonl", masked=False)
    rows = list(csv.reader(io.StringIO(export(chat, "csv", masked=True))))
    assert tuple(rows[0]) == ARCHIVE_COLUMNS and rows[1][2] == "buyer" and len(rows) == 4


async def test_retention_trims_old_messages(redis: Redis, key_prefix: str, clock: ManualClock) -> None:
    archive = ChatArchive(redis, key_prefix, clock, timedelta(days=7), SHANGHAI)
    await archive.record(700001, Author.buyer, "很久以前的消息")
    clock.advance(timedelta(days=8).total_seconds())
    for n in range(3):
        await archive.record(700001, Author.buyer, f"新消息{n}")
    assert [m.text for m in await archive.of_buyer(700001)] == ["新消息0", "新消息1", "新消息2"]


async def test_cli_export_by_buyer_and_day(redis: Redis, key_prefix: str, clock: ManualClock, tmp_path) -> None:
    from bot.cli.main import app
    from bot.clock import SystemClock

    archive = ChatArchive(redis, key_prefix, SystemClock(), timedelta(days=30), SHANGHAI)
    await archive.record(700003, Author.buyer, "我的手机是13900001111")
    runner = CliRunner()
    args = ["--redis-url", TEST_REDIS_URL, "--prefix", key_prefix]

    async def run(*words: str):
        return await asyncio.to_thread(runner.invoke, app, list(words))

    masked = await run("archive", "export", "--buyer", "700003", "--mask", *args)
    assert masked.exit_code == 0, masked.output
    assert json.loads(masked.output)["text"] == "我的手机是139****1111"
    from datetime import datetime
    today = datetime.now(SHANGHAI).date().isoformat()
    out = tmp_path / "day.csv"
    by_day = await run("archive", "export", "--day", today, "--format", "csv", "-o", str(out), *args)
    assert by_day.exit_code == 0 and "13900001111" in out.read_text(encoding="utf-8")
    assert (await run("archive", "export", *args)).exit_code == 2
    assert (await run("archive", "export", "--day", "yesterday", *args)).exit_code == 2
