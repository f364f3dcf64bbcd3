"""A template with the context its contract built: what to render, and nothing else.

Every template other than the composer's answers has one contract function in its
feature's `messages` module (`bot.handoff.messages`, `bot.sla.messages`, ...) returning a
`Message`. The place that sends the text and `livedesk templates lint` call that same
function, so a template cannot be linted with a context the bot never builds, or sent
with one the lint never checked. (The composer's `Answer` is the same idea for answers.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
