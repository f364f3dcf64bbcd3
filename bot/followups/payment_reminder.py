"""One polite payment reminder for an unpaid order (售前), never at night.

Pure `reminder_due` says whether an order is due now; `PaymentReminders.run_once(now)` is
the round the background loop runner calls.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.aftersales.policy import PaymentReminder, QuietHours
from bot.answers.composer import order_view
from bot.followups.once import OnceStore
from bot.knowledge.snapshot import KnowledgeHolder
from bot.shop.orders import Order, OrderSource, OrderStatus
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)

KIND = "payment_reminder"


def reminder_due(order: Order, now: datetime, rule: PaymentReminder, quiet: QuietHours, zone: ZoneInfo) -> bool:
    if order.status != OrderStatus.unpaid or order.placed_at is None:
        return False
    age = now - order.placed_at
    if not timedelta(minutes=rule.after_minutes) <= age < timedelta(hours=rule.within_hours):
        return False
    return not quiet.contains(now.astimezone(zone).time())


class PaymentReminders:
    def __init__(self, orders: OrderSource, once: OnceStore, holder: KnowledgeHolder, outbox: Outbox) -> None:
        self._orders = orders
        self._once = once
        self._holder = holder
        self._outbox = outbox

    async def run_once(self, now: datetime) -> int:
        """Send the reminders due now; returns how many went out."""
        knowledge = self._holder.current
        policy = knowledge.aftersales
        if policy is None:
            return 0
        rule = policy.payment_reminder
        sent = 0
        for order in await self._orders.recent(now - timedelta(hours=rule.within_hours)):
            if not reminder_due(order, now, rule, policy.quiet_hours, knowledge.catalog.timezone):
                continue
            if not await self._once.claim(KIND, order.id):
                continue
            locale = knowledge.replies.default_locale
            text = knowledge.render(locale, "followups/payment_reminder",
                                    {"order": order_view(knowledge.catalog, order)})
            self._outbox.send(Outgoing(order.buyer, text, purpose=KIND))
            log.info("payment reminder sent for order %s", order.id)
            sent += 1
        return sent
