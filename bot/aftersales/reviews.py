"""Review invitations: some days after receipt, once, never at night, never to a buyer
with an open complaint. Nothing offers anything for a good review (好评返现 breaks platform
rules; the wording is forbidden in templates/language.yaml).

`ReviewInvitations.run_once(now)` is one round for the background loop runner.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.aftersales.cases import CaseState, CaseStore
from bot.aftersales.policy import QuietHours
from bot.answers.composer import order_view
from bot.followups.once import OnceStore
from bot.knowledge.snapshot import KnowledgeHolder
from bot.shop.orders import Order, OrderSource, OrderStatus
from bot.telegram.aftersales_keyboards import review_keyboard
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)

KIND = "review"
LATE = timedelta(days=2)
"""An invitation not sent within this long after it fell due (nights, a complaint) is dropped."""

OpenComplaint = Callable[[int], Awaitable[bool]]


def invitation_due(order: Order, now: datetime, days: int, quiet: QuietHours, zone: ZoneInfo) -> bool:
    if order.status != OrderStatus.received or order.received_at is None:
        return False
    due = order.received_at + timedelta(days=days)
    return due <= now < due + LATE and not quiet.contains(now.astimezone(zone).time())


def complaint_check(cases: CaseStore, open_reason: Callable[[int], Awaitable[str | None]]) -> OpenComplaint:
    """An open complaint: a disputed after-sales case, or a conversation with the desk opened as one."""

    async def has_open_complaint(buyer_id: int) -> bool:
        if any(c.state == CaseState.disputed for c in await cases.of_buyer(buyer_id)):
            return True
        return await open_reason(buyer_id) == "complaint"

    return has_open_complaint


class ReviewInvitations:
    def __init__(self, orders: OrderSource, once: OnceStore, holder: KnowledgeHolder, outbox: Outbox,
                 has_open_complaint: OpenComplaint) -> None:
        self._orders = orders
        self._once = once
        self._holder = holder
        self._outbox = outbox
        self._has_open_complaint = has_open_complaint

    async def run_once(self, now: datetime) -> int:
        """Invite the buyers due now; returns how many invitations went out."""
        knowledge = self._holder.current
        policy = knowledge.aftersales
        if policy is None:
            return 0
        longest = max((policy.review_days(s) for s in knowledge.catalog.shops), default=0)
        sent = 0
        for order in await self._orders.recent(now - timedelta(days=longest) - LATE):
            days = policy.review_days(order.shop)
            if not invitation_due(order, now, days, policy.quiet_hours, knowledge.catalog.timezone):
                continue
            if await self._once.was_sent(KIND, order.id) or await self._has_open_complaint(order.buyer):
                continue
            if not await self._once.claim(KIND, order.id):
                continue
            locale = knowledge.replies.default_locale
            text = knowledge.render(locale, "followups/review_invitation",
                                    {"order": order_view(knowledge.catalog, order)})
            self._outbox.send(Outgoing(order.buyer, text, markup=review_keyboard(knowledge, locale, order.id),
                                       purpose=KIND))
            log.info("review invitation sent for order %s", order.id)
            sent += 1
        return sent
