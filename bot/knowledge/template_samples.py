"""Every template contract of every feature, with sample values, for the lint at load.

This is the one list of where contracts live: the composer's answers (asked the sample
questions), and the `messages` module of each feature. A new feature with templates adds
its `samples` here, or its templates are reported as unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bot.aftersales import samples as aftersales
from bot.aftersales.policy import AftersalesPolicy
from bot.answers import messages as answers
from bot.answers.composer import Composer
from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.rendering import Replies
from bot.handoff import messages as handoff
from bot.knowledge import messages as knowledge
from bot.live_room import messages as live_room
from bot.sla import messages as sla
from bot.understanding.intents import Channel, IntentMatcher
from bot.web import messages as console

SAMPLE_BOT_USERNAME = "livedesk_bot"
"""The bot's own username is learnt from Telegram at start; any name renders the same."""


def answer_samples(data: SampleData, matcher: IntentMatcher, composer: Composer) -> Iterator[Sample]:
    """Every distinct answer the composer gives to the sample questions, as it is sent.

    Asked by every buyer, in every channel, with every product on stage (a question that
    names its own product or order is asked with nothing on stage), before and after a
    clarification.
    """
    link = live_room.private_link(SAMPLE_BOT_USERNAME)
    seen: set[tuple[str, str]] = set()
    every_stage: list[str | None] = [None, *data.catalog.products]
    for asker in data.askers:
        for question in data.questions:
            for stage in ([None] if question.names_its_subject else every_stage):
                for channel in Channel:
                    match = matcher.match(question.text, channel, stage)
                    for clarified in (False, True):
                        answer = composer.compose(match, channel, asker, data.at, clarified_before=clarified)
                        if answer is None:
                            continue
                        message = (live_room.room_answer(answer, link) if channel is Channel.live
                                   else answers.answer(answer))
                        key = (message.template, repr(sorted(message.context.items(), key=lambda kv: kv[0])))
                        if key in seen:
                            continue
                        seen.add(key)
                        origin = f"{question.text!r} in {channel} (stage {stage}, buyer {asker.user_id})"
                        yield Sample(message, origin)
                        if "sent_privately" in answer.context:  # the room's invitation, once the answer went
                            sent = replace(answer, context={**answer.context, "sent_privately": True})
                            yield Sample(live_room.room_answer(sent, link), f"{origin}, answered privately")


def every_sample(data: SampleData, matcher: IntentMatcher, composer: Composer,
                 replies: Replies, aftersales_policy: AftersalesPolicy | None) -> Iterator[Sample]:
    names = replies.template_names(replies.default_locale)
    yield from answer_samples(data, matcher, composer)
    yield from answers.samples(data)
    yield from live_room.samples(data)
    yield from knowledge.samples(data, len(names))
    yield from handoff.samples(data, handoff.quick_keys(names))
    yield from sla.samples(data)
    yield from aftersales.samples(data, aftersales_policy)
    yield from console.samples()
