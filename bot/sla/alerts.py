"""Rounds that need a person's attention: a ping at 20 s, missed at 30 s, 稍等 reminders.

`SlaAlerts.due_alerts()` asks Redis (one Lua call per shop) what became due; the script
sets each round's flag as it reports it, so every ping happens once per round even with
several bot processes sweeping. Delivery is at most once: if posting the ping fails, it
is logged, not retried (a late ping is worth less than a duplicate is annoying).
`AlertSweep` runs one sweep and hands each alert to a callback (the handoff's
`SlaAlertPresenter` posts it into the conversation's topic); the background runs it every
second of the bot's clock (`bot.runtime.background`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.clock import Clock
from bot.sla import keys
from bot.sla.periods import from_ms, to_ms
from bot.sla.recorder import shops_from
from bot.sla.scripts import SWEEP, source
from bot.sla.settings import SlaSettings

log = logging.getLogger(__name__)


class AlertKind(StrEnum):
    ping = "ping"  # buyer waiting alert_after_s: ping the topic
    missed = "missed"  # waiting missed_after_s: the 30-second reply is lost for this round
    unanswered = "unanswered"  # waiting round_cap_s: counted as unanswered at the cap
    hold = "hold"  # an agent's 稍等 got no follow-up within hold_followup_s: remind the topic


@dataclass(frozen=True)
class SlaAlert:
    kind: AlertKind
    shop: str
    conversation_id: str
    buyer_id: str
    agent_id: str | None  # last agent who replied (or who said 稍等), if any
    since: datetime  # round start, or when 稍等 was said
    waited_s: float


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class SlaAlerts:
    """Finds due alerts; shares the recorder's Redis, settings and prefix."""

    def __init__(self, redis: Redis, settings: SlaSettings, clock: Clock, prefix: str,
                 batch: int = 500) -> None:
        self._redis = redis
        self._settings = settings
        self._clock = clock
        self._prefix = prefix
        self._batch = batch
        self._script = redis.register_script(source(SWEEP, settings))

    async def due_alerts(self, now: datetime | None = None,
                         shops: Sequence[str] | None = None) -> list[SlaAlert]:
        """Everything that became due by `now` (default: the clock), oldest first per shop."""
        at = now or self._clock.now()
        now_ms = to_ms(at)
        if shops is None:
            shops = shops_from(await self._redis.smembers(keys.shops_registry(self._prefix)))
        alerts: list[SlaAlert] = []
        for shop in shops:
            rows = await self._script(
                [keys.open_rounds(self._prefix, shop), keys.pending_holds(self._prefix, shop)],
                [now_ms, self._batch],
            )
            for kind, conv, buyer, agent, since_ms in rows:
                since = int(_text(since_ms))
                alerts.append(SlaAlert(
                    kind=AlertKind(_text(kind)), shop=shop, conversation_id=_text(conv),
                    buyer_id=_text(buyer), agent_id=_text(agent) or None,
                    since=from_ms(since), waited_s=(now_ms - since) / 1000,
                ))
        return alerts


AlertCallback = Callable[[SlaAlert], Awaitable[None]]


class AlertSweep:
    """One sweep of due alerts, each handed to `callback`.

    Redis or callback failures are logged and the sweep goes on: alerts are a help, never
    a reason to crash.
    """

    def __init__(self, alerts: SlaAlerts, clock: Clock, callback: AlertCallback,
                 shops: Sequence[str] | None = None) -> None:
        self._alerts = alerts
        self._clock = clock
        self._callback = callback
        self._shops = shops

    async def tick(self) -> int:
        """One sweep; returns how many alerts were handed over."""
        try:
            due = await self._alerts.due_alerts(self._clock.now(), self._shops)
        except RedisError:
            log.exception("sla alert sweep failed")
            return 0
        for alert in due:
            try:
                await self._callback(alert)
            except Exception:  # the callback is the lead's handler: any failure is logged
                log.exception("sla alert %s for %s/%s not delivered",
                              alert.kind, alert.shop, alert.conversation_id)
        return len(due)
