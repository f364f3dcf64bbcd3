"""After-sales registration in real Redis: ids buyers can quote, per-buyer lists, states, no double refund."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.aftersales import keys
from bot.aftersales.cases import CaseDraft, CaseState, CaseStore
from bot.aftersales.decision import Kind, Outcome, RequestError
from bot.aftersales.form import Draft
from bot.aftersales.policy import Reason, load_aftersales
from bot.aftersales.service import AftersalesService
from bot.clock import ManualClock
from bot.promotions.loader import load_rules
from bot.shop.catalog import Catalog
from bot.shop.orders import DemoOrders

ROOT = Path(__file__).resolve().parents[2]


def draft(buyer: int, order: str, sku: str) -> CaseDraft:
    return CaseDraft(buyer=buyer, order=order, shop="beishang", sku=sku, size="one", qty=1, kind="return",
                     reason="changed_mind", outcome="accept", why="within_window", state=CaseState.accepted,
                     refund_fen=2600, photos=("file-1",))


async def test_cases_get_sequential_ids_and_are_listed_per_buyer(redis: Redis, key_prefix: str,
                                                                clock: ManualClock) -> None:
    store = CaseStore(redis, key_prefix, clock)
    first = await store.register(draft(700001, "1004", "BS-SCARF"))
    clock.advance(60)
    second = await store.register(draft(700002, "1005", "BS-CARDIGAN"))
    assert (first.id, second.id) == ("AS000001", "AS000002")
    assert first.refund_fen == 2600 and first.photos == ("file-1",)
    assert (second.created_at - first.created_at).total_seconds() == 60
    assert [c.id for c in await store.of_buyer(700001)] == ["AS000001"]
    assert [c.id for c in await store.every()] == ["AS000001", "AS000002"]
    assert await redis.exists(keys.case(key_prefix, "AS000002"), keys.buyer(key_prefix, 700002)) == 2
    disputed = await store.set_state("AS000001", CaseState.disputed)
    assert disputed is not None and disputed.state == CaseState.disputed
    assert await store.set_state("AS999999", CaseState.disputed) is None
    assert await store.get("AS999999") is None


async def test_service_registers_and_never_refunds_a_unit_twice(redis: Redis, key_prefix: str,
                                                                clock: ManualClock, catalog: Catalog) -> None:
    rules = load_rules(ROOT / "promo_rules", catalog)
    policy = load_aftersales(ROOT / "shop" / "aftersales.yaml", catalog)
    service = AftersalesService(CaseStore(redis, key_prefix, clock), DemoOrders.of(catalog.orders), clock)
    order = await service.order_for("1004", 700001)
    assert order is not None and await service.order_for("1004", 700002) is None
    assert await service.order_for("1001", 700001) is None  # unpaid: not returnable
    scarf = Draft("1004", sku="BS-SCARF", qty=1, kind=Kind.return_, reason=Reason.changed_mind)
    handled = await service.decide(catalog, rules, policy, order, scarf)
    assert handled.decision.outcome == Outcome.accept and handled.case is not None
    assert handled.case.refund_fen == 2600
    with pytest.raises(RequestError):
        await service.decide(catalog, rules, policy, order, scarf)
    dress = Draft("1004", sku="BS-DRESS", qty=1, kind=Kind.return_, reason=Reason.changed_mind)
    offered = await service.decide(catalog, rules, policy, order, dress)
    assert offered.decision.outcome == Outcome.offer and offered.case is None
    taken = await service.decide(catalog, rules, policy, order, Draft(**{**dress.__dict__, "retention_declined": True}))
    assert taken.case is not None and taken.case.refund_fen == 10400
    assert sum(c.refund_fen or 0 for c in await service.my_cases(700001)) == order.paid_fen
    assert await service.dispute(700002, taken.case.id) is None  # not their case
