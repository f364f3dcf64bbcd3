"""Follow-up rounds against real Redis: each message goes out once, only when due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from redis.asyncio import Redis

from bot.aftersales.cases import CaseStore
from bot.aftersales.reviews import ReviewInvitations, complaint_check
from bot.clock import ManualClock
from bot.config import Settings
from bot.followups.once import OnceStore
from bot.followups.payment_reminder import PaymentReminders
from bot.knowledge.snapshot import KnowledgeHolder, load_knowledge
from bot.shop.orders import DemoOrders
from bot.telegram.sending import Outgoing


@dataclass
class Recorder:
    """Stands in for the outbox: what would have been sent."""

    sent: list[Outgoing] = field(default_factory=list)

    def send(self, outgoing: Outgoing) -> None:
        self.sent.append(outgoing)


@pytest.fixture(scope="module")
def holder() -> KnowledgeHolder:
    from tests.conftest import DEMO_NOW

    clock = ManualClock(DEMO_NOW)
    return KnowledgeHolder(Settings(), clock, load_knowledge(Settings(), DEMO_NOW))


async def test_one_payment_reminder_per_unpaid_order(redis: Redis, key_prefix: str, holder: KnowledgeHolder,
                                                     demo_now: datetime) -> None:
    outbox = Recorder()
    orders = DemoOrders.of(holder.current.catalog.orders)
    reminders = PaymentReminders(orders, OnceStore(redis, key_prefix), holder, outbox)  # type: ignore[arg-type]
    assert await reminders.run_once(demo_now) == 0  # placed 20 minutes ago
    assert await reminders.run_once(demo_now + timedelta(minutes=10)) == 1
    assert await reminders.run_once(demo_now + timedelta(minutes=20)) == 0
    [message] = outbox.sent
    assert message.chat_id == 700001 and "1001" in message.text and "只发一次" in message.text


async def test_review_invitation_once_and_never_during_a_complaint(redis: Redis, key_prefix: str,
                                                                   holder: KnowledgeHolder, clock: ManualClock,
                                                                   demo_now: datetime) -> None:
    outbox = Recorder()
    orders = DemoOrders.of(holder.current.catalog.orders)
    complaining: set[int] = {700002}

    async def open_reason(buyer_id: int) -> str | None:
        return "complaint" if buyer_id in complaining else None

    check = complaint_check(CaseStore(redis, key_prefix, clock), open_reason)
    invitations = ReviewInvitations(orders, OnceStore(redis, key_prefix), holder, outbox, check)  # type: ignore[arg-type]
    assert await invitations.run_once(demo_now + timedelta(days=2, hours=11)) == 0  # 23:00: at night
    assert await invitations.run_once(demo_now + timedelta(days=2)) == 1  # 1004, received 5 days ago
    assert await invitations.run_once(demo_now + timedelta(days=2, hours=1)) == 0
    assert await invitations.run_once(demo_now + timedelta(days=3)) == 0  # 1006's buyer is complaining
    complaining.clear()
    assert await invitations.run_once(demo_now + timedelta(days=3, hours=1)) == 1
    assert outbox.sent[0].chat_id == 700001 and "订单1004" in outbox.sent[0].text
    assert outbox.sent[1].chat_id == 700002 and "1006" in outbox.sent[1].text
    for message in outbox.sent:
        assert "返现" not in message.text and message.markup is not None
