"""Inline keyboards from the domain's Buttons, labelled in the buyer's locale."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answers.composer import Button
from bot.knowledge.snapshot import Knowledge

PER_ROW = 2


def keyboard(knowledge: Knowledge, locale: str, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    cells = [InlineKeyboardButton(text=b.text or knowledge.button_label(locale, b.label_key or b.data),
                                  callback_data=b.data) for b in buttons]
    rows = [cells[i:i + PER_ROW] for i in range(0, len(cells), PER_ROW)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
