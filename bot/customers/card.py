"""The customer record and open after-sales cases as the agents' context card shows them.

One piece both the Telegram card (bot.handoff.topics) and the console's conversation page
read, so an agent sees the same tier, tags, notes and cases in either place.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.aftersales.cases import CaseState
from bot.aftersales.views import case_view
from bot.clock import Clock
from bot.customers.records import CustomerRecords
from bot.customers.tiers import TierRules
from bot.customers.views import record_card_view
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog

log = logging.getLogger(__name__)

OPEN_STATES = frozenset({CaseState.accepted, CaseState.disputed})
"""Cases still being handled: agreed and waiting for the goods, or disputed (a person decides).
Kept and declined cases are settled and stay off the card (`livedesk customers show` lists them)."""
CARD_CASES = 3
"""The newest open cases on the card; the card is one Telegram message."""


class CardRecords:
    def __init__(self, records: CustomerRecords, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    async def facts(self, catalog: Catalog, rules: RuleSet, tiers: TierRules | None,
                    buyer_id: int) -> dict[str, Any]:
        """`{"record": record_card_view, "cases": [case_view, ...]}`, the open cases newest first.
        The snapshot's parts rather than the snapshot: the snapshot's lint samples use this module."""
        record = await self._records.record(catalog, rules, tiers or TierRules(), buyer_id, self._clock.now())
        cases = [c for c in await self._records.cases.of_buyer(buyer_id) if c.state in OPEN_STATES]
        cases.sort(key=lambda c: c.created_at, reverse=True)
        log.debug("card: buyer %s has %d open after-sales cases", buyer_id, len(cases))
        return {"record": record_card_view(record),
                "cases": [case_view(catalog, c) for c in cases[:CARD_CASES]]}
