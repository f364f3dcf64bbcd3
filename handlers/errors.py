"""The last line: an update that crashes a handler is logged with its context and skipped.

The update is marked handled so polling moves on; a malformed update never stops the bot.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

log = logging.getLogger(__name__)


def make_router() -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent) -> bool:
        update = event.update
        chat = update.event.chat.id if update.message and update.event.chat else None  # type: ignore[union-attr]
        log.error("update %s (%s) in chat %s failed and was skipped: %r",
                  update.update_id, update.event_type, chat, event.exception,
                  exc_info=event.exception)
        return True

    return router
