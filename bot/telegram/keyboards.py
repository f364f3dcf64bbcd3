"""Inline keyboards from the domain's Buttons, labelled from labels.yaml in the reader's locale."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answers.buttons import Button
from bot.knowledge.snapshot import Knowledge
from bot.telegram.callbacks import callback_for

PER_ROW = 2


def keyboard(knowledge: Knowledge, locale: str, buttons: Sequence[Button],
             per_row: int = PER_ROW) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    cells = [InlineKeyboardButton(text=b.text or knowledge.button_label(locale, b.label_key or b.value),
                                  callback_data=callback_for(b).pack()) for b in buttons]
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
