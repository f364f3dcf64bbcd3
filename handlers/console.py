"""`/console` in private chat from staff: a 控制台 button that opens the web console.

With an HTTPS `WEB_PUBLIC_URL` the button opens it as a Telegram Mini App, which signs the
person in with its init data (checked by bot.web.auth); otherwise it is a plain link. Anyone
who is not staff falls through to the private-chat router as an ordinary buyer.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.config import Settings
from bot.knowledge.snapshot import Knowledge
from bot.telegram.sending import Outbox, Outgoing
from bot.web.messages import console_link, console_unset


def console_button(url: str, label: str) -> InlineKeyboardMarkup:
    button = (InlineKeyboardButton(text=label, web_app=WebAppInfo(url=url)) if url.startswith("https://")
              else InlineKeyboardButton(text=label, url=url))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def make_router(settings: Settings) -> Router:
    router = Router(name="console")

    def from_staff(message: Message, knowledge: Knowledge) -> bool:
        user = message.from_user
        return user is not None and (user.id in knowledge.catalog.staff or user.id in settings.ops_ids)

    @router.message(Command("console"), F.chat.type == "private", from_staff)
    async def on_console(message: Message, knowledge: Knowledge, outbox: Outbox) -> None:
        user = message.from_user
        assert user is not None
        catalog = knowledge.catalog
        locale = knowledge.replies.default_locale
        url = settings.web_public_url
        if not url:
            outbox.send(Outgoing(message.chat.id, knowledge.render_message(locale, console_unset()),
                                 purpose="ops"))
            return
        ops = user.id in settings.ops_ids or catalog.is_ops(user.id)
        outbox.send(Outgoing(message.chat.id, knowledge.render_message(locale, console_link(ops)),
                             markup=console_button(url.rstrip("/") + "/login",
                                                   knowledge.button_label(locale, "console.open")),
                             purpose="ops"))

    return router
