"""Contracts of the private chat's fixed texts (start, help, fallback).

Answers have their contract in the composer: `Answer.template` and `Answer.context` are
built in one place (`compose`) and rendered as they are in private chat (in the live room
through `bot.live_room.messages.room_answer`), by the handlers and by the lint.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.answers.composer import Answer
from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message

FALLBACK_TEMPLATE = "fallback"


def start() -> Message:
    return Message("start")


def help_text() -> Message:
    return Message("help")


def fallback() -> Message:
    """Said when nothing better can be: also what replaces an answer that broke the rules."""
    return Message(FALLBACK_TEMPLATE)


def samples(data: SampleData) -> Iterator[Sample]:
    yield Sample(start(), "/start")
    yield Sample(help_text(), "/help")
    yield Sample(fallback(), "fallback")


def answer(answer: Answer) -> Message:
    """A composer answer as the private chat gets it (the room's: `live_room.messages.room_answer`)."""
    return Message(answer.template, answer.context)
