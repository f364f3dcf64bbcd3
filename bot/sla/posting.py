"""SLA reports as the agents read them: `/sla` (today and this week so far) and the weekly post.

The figures come from `SlaReporter`; this renders them through the report's contract
(`bot.sla.messages.report`, with staff and shop names from the current catalogue) and
posts the weekly one to the agents' group (the background runs `post_weekly` when
`seconds_until_weekly` has passed).
"""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeHolder
from bot.sla import messages
from bot.sla.periods import local_day
from bot.sla.report import Report, SlaReporter, next_weekly_post, today_and_week, weekly_post_period
from bot.telegram.sending import Outbox, Outgoing


class SlaReportPoster:
    def __init__(self, settings: Settings, reporter: SlaReporter, holder: KnowledgeHolder, outbox: Outbox,
                 clock: Clock) -> None:
        self._settings = settings
        self._reporter = reporter
        self._holder = holder
        self._outbox = outbox
        self._clock = clock

    def _render(self, reports: list[Report], current: bool) -> str:
        knowledge = self._holder.current
        return knowledge.render_message(knowledge.replies.default_locale,
                                        messages.report(reports, knowledge.catalog, current))

    async def current_text(self) -> str:
        """Today and this week so far, for `/sla`."""
        today, week = today_and_week(self._clock.now(), self._settings.sla)
        as_of = today.days[0]
        return self._render([await self._reporter.build(p, as_of=as_of) for p in (today, week)], True)

    def seconds_until_weekly(self) -> float:
        now = self._clock.now()
        return max(0.0, (next_weekly_post(now, self._settings.sla) - now).total_seconds())

    async def post_weekly(self) -> None:
        """The week just ended, posted to the agents' group."""
        now = self._clock.now()
        report = await self._reporter.build(weekly_post_period(now, self._settings.sla),
                                            as_of=local_day(now, self._settings.sla.zone))
        text = self._render([report], False)
        self._outbox.send(Outgoing(self._settings.agents_chat_id, text, purpose="weekly report"))
