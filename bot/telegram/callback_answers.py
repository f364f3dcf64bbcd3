"""Answering a button press without letting the answer decide whether the press counts.

Telegram refuses `answerCallbackQuery` for a press older than about 15 seconds ("query is
too old"), e.g. one pressed while the bot was restarting. The answer only stops the
spinner on the buyer's screen; what the press asked for (cancel, rate, take, close) must
happen anyway, so a refused answer is logged and otherwise ignored.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)


async def answer_quietly(query: CallbackQuery) -> None:
    """Stop the button's spinner; a refusal (too old, already answered) is only logged."""
    try:
        await query.answer()
    except TelegramBadRequest as exc:
        log.info("could not answer button press %s from %s (%s); acting on it anyway",
                 query.id, query.from_user.id, exc.message)


def remove_buttons(outbox: Outbox, message: Message | InaccessibleMessage | None) -> None:
    """Take the buttons off a message whose buttons no longer apply, through the paced outbox."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    remove_markup(outbox, message.chat.id, message.message_id)


def remove_markup(outbox: Outbox, chat_id: int, message_id: int) -> None:
    """Edit a sent message's buttons away (paced like everything else; a refusal is logged there)."""
    outbox.send(Outgoing(chat_id, purpose="buttons gone", method=EditMessageReplyMarkup(
        chat_id=chat_id, message_id=message_id, reply_markup=None)))
