"""Customer records in real Redis: agents' tags and notes, tiers set by hand, the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from redis.asyncio import Redis
from typer.testing import CliRunner

from bot.aftersales.cases import CaseDraft, CaseState, CaseStore
from bot.clock import ManualClock
from bot.customers.records import CustomerRecords
from bot.customers.store import CustomerStore
from bot.customers.tiers import load_tier_rules
from bot.promotions.loader import load_rules
from bot.shop.catalog import Catalog, Tier
from bot.shop.orders import DemoOrders
from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


async def test_tags_notes_and_manual_vip_make_the_record(redis: Redis, key_prefix: str, clock: ManualClock,
                                                         catalog: Catalog, demo_now) -> None:
    store = CustomerStore(redis, key_prefix, clock)
    cases = CaseStore(redis, key_prefix, clock)
    records = CustomerRecords(store, DemoOrders.of(catalog.orders), cases)
    await store.add_tag(700001, "爱买裙子")
    await store.add_tag(700001, "老客户")
    await store.remove_tag(700001, "老客户")
    await store.add_note(700001, 900001, "偏好M码，周末下单")
    await store.set_tier(700001, Tier.vip)
    await cases.register(CaseDraft(buyer=700001, order="1004", shop="beishang", sku="BS-SCARF", size="one", qty=1,
                                   kind="return", reason="quality", outcome="decline", why="past_window",
                                   state=CaseState.disputed))
    record = await records.record(catalog, load_rules(ROOT / "promo_rules", catalog),
                                  load_tier_rules(ROOT / "shop" / "customers.yaml"), 700001, demo_now)
    data = record.as_json()
    assert data["tier"] == "vip" and data["spend"] == "130.00"
    assert data["tags"] == ["爱买裙子"] and data["auto_tags"] == ["purchased", "aftersales", "complaint"]
    assert data["notes"][0]["text"] == "偏好M码，周末下单" and data["notes"][0]["by"] == 900001
    assert data["cases"] == ["AS000001"]
    assert 700001 in await store.buyers()


async def test_cli_show_and_export(redis: Redis, key_prefix: str, clock: ManualClock) -> None:
    from bot.cli.main import app

    await CustomerStore(redis, key_prefix, clock).add_note(700002, 900001, "要发票")
    runner = CliRunner()
    args = ["--redis-url", TEST_REDIS_URL, "--prefix", key_prefix]

    async def run(*words: str):  # the command runs its own event loop, so not on this one
        return await asyncio.to_thread(runner.invoke, app, list(words))

    shown = await run("customers", "show", "700002", "--json", *args)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert (data["tier"], data["spend"], data["notes"][0]["text"]) == ("core", "326.00", "要发票")
    text = await run("customers", "show", "700003", *args)
    assert "tier vip" in text.output
    exported = await run("customers", "export", "--format", "csv", *args)
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert [(r["buyer"], r["tier"]) for r in rows] == [("700001", "potential"), ("700002", "core"),
                                                      ("700003", "vip")]
    assert rows[1]["notes"] == "要发票" and rows[1]["orders"] == "1002|1005|1006"
    assert (await run("customers", "export", "--format", "xlsx", *args)).exit_code == 2


async def test_the_card_view_shows_the_newest_notes(redis: Redis, key_prefix: str, clock: ManualClock,
                                                    catalog: Catalog, demo_now) -> None:
    from bot.customers.views import record_card_view

    store = CustomerStore(redis, key_prefix, clock)
    records = CustomerRecords(store, DemoOrders.of(catalog.orders), CaseStore(redis, key_prefix, clock))
    for n in range(5):
        await records.annotate(700003, "note", f"备注{n}", 900002)
    assert await records.annotate(700003, "tag", "茶叶爱好者", 900002) == ["茶叶爱好者"]
    record = await records.record(catalog, load_rules(ROOT / "promo_rules", catalog),
                                  load_tier_rules(ROOT / "shop" / "customers.yaml"), 700003, demo_now)
    card = record_card_view(record)
    assert card["tier"] == "vip" and card["tags"] == ["茶叶爱好者"] and card["auto_tags"] == ["purchased"]
    assert [n["text"] for n in card["notes"]] == ["备注2", "备注3", "备注4"]
