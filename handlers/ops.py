"""Ops commands: `/now SKU` sets the product on stage, `/reload` reloads the data files.

They work in the live room and in private chat, from ops accounts only; anyone else is
told so in private and ignored in the room (no noise in public).
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.answers.composer import product_view
from bot.clock import Clock
from bot.config import Settings
from bot.knowledge import messages as data_messages
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.live_room import messages as stage_messages
from bot.live_room.stage import LiveStage
from bot.telegram.filters import FromOps
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)


def _reply(outbox: Outbox, message: Message, text: str) -> None:
    outbox.send(Outgoing(message.chat.id, text, reply_to=message.message_id, purpose="ops"))


def make_router(settings: Settings) -> Router:
    router = Router(name="ops")

    @router.message(Command("now", "reload"), FromOps())
    async def on_ops_command(message: Message, command: CommandObject, knowledge: Knowledge,
                             holder: KnowledgeHolder, stage: LiveStage, outbox: Outbox,
                             clock: Clock) -> None:
        locale = knowledge.replies.default_locale
        if command.command == "reload":
            errors = await holder.reload()
            fresh = holder.current
            if errors:
                text = knowledge.render_message(locale, data_messages.reload_failed(errors))
            else:
                text = fresh.render_message(locale, data_messages.reload_ok(
                    fresh.catalog, fresh.rules, len(fresh.replies.template_names(locale))))
            _reply(outbox, message, text)
            return
        sku = (command.args or "").strip().upper()
        product = knowledge.catalog.products.get(sku)
        if product is None:
            _reply(outbox, message, knowledge.render_message(locale, stage_messages.now_unknown(
                knowledge.catalog, sku or None)))
            return
        await stage.put_on_stage(product.sku)
        log.info("product on stage in %s is now %s (set by %s)",
                 settings.live_room_chat_id, product.sku, message.from_user and message.from_user.id)
        view = product_view(knowledge.catalog, knowledge.rules, product, clock.now())
        _reply(outbox, message, knowledge.render_message(locale, stage_messages.now_set(view)))

    @router.message(Command("now", "reload"))
    async def on_ops_command_denied(message: Message, knowledge: Knowledge, outbox: Outbox) -> None:
        log.warning("ops command %r from non-ops user %s ignored", message.text,
                    message.from_user and message.from_user.id)
        if message.chat.type == ChatType.PRIVATE:
            _reply(outbox, message, knowledge.render_message(knowledge.replies.default_locale,
                                                              data_messages.not_allowed()))

    return router
