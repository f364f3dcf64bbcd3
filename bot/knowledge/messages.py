"""Contracts of the notices about the data itself: reloaded, refused, not allowed.

Sent by the ops handlers and by the runtime when a reload (SIGHUP, file watcher) fails;
`livedesk templates lint` renders the same functions' results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message
from bot.datafiles import DataError
from bot.promotions import RuleSet
from bot.shop.catalog import SHOP_FILES, Catalog


def reload_ok(catalog: Catalog, rules: RuleSet, templates: int) -> Message:
    """What the fresh snapshot holds: `templates` is the number of templates of its default locale."""
    return Message("ops/reload_ok",
                   {"products": len(catalog.products), "rules": len(rules), "templates": templates})


def reload_failed(errors: Sequence[DataError]) -> Message:
    return Message("ops/reload_failed", {"errors": [str(e) for e in errors]})


def not_allowed() -> Message:
    return Message("ops/not_allowed")


def dead_letter(update_id: int, chat_id: int | None, reason: str, at: str) -> Message:
    """An update given up on after its retries (`livedesk dead-letters` handles it)."""
    return Message("ops/dead_letter", {"update_id": update_id, "chat_id": chat_id, "reason": reason, "at": at})


def samples(data: SampleData, templates: int) -> Iterator[Sample]:
    yield Sample(reload_ok(data.catalog, data.rules, templates), "/reload")
    problems = [DataError(Path(name), 1, "a problem in the file") for name in SHOP_FILES]
    for some in (problems[:1], problems):
        yield Sample(reload_failed(some), "/reload refused")
    yield Sample(not_allowed(), "ops command from a buyer")
    yield Sample(dead_letter(1001, data.askers[0].user_id, "ConnectionError: refused", "20:15:03"), "dead letter")
    yield Sample(dead_letter(1002, None, "TelegramBadRequest: chat not found", "20:15:04"), "dead letter")
