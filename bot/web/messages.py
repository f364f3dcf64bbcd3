"""Contracts of the bot's texts about the web console (the `/console` command in private chat).

`handlers/console.py` sends what these return and `livedesk templates lint` renders the
same functions' results.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.answers.lint import Sample
from bot.answers.message import Message


def console_link(ops: bool) -> Message:
    """The 控制台 button's message; ops are told the editors are theirs too."""
    return Message("ops/console", {"ops": ops})


def console_unset() -> Message:
    """No public address for the console is configured (WEB_PUBLIC_URL)."""
    return Message("ops/console_unset", {})


def samples() -> Iterator[Sample]:
    for ops in (False, True):
        yield Sample(console_link(ops), f"/console from {'ops' if ops else 'an agent'}")
    yield Sample(console_unset(), "/console without WEB_PUBLIC_URL")
