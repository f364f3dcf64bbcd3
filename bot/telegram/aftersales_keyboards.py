"""Buttons of the returns/exchange form: aiogram CallbackData and the keyboards built from them.

Labels come from templates/<locale>/labels.yaml (keys `aftersales.*`); product names and
sizes come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.aftersales.decision import Kind
from bot.aftersales.policy import Reason
from bot.knowledge.snapshot import Knowledge
from bot.shop.catalog import Product
from bot.shop.orders import ONE_SIZE, Order
from bot.telegram.callbacks import (
    AsCancel,
    AsDispute,
    AsItem,
    AsKind,
    AsMine,
    AsOffer,
    AsOrder,
    AsQty,
    AsReason,
    AsSize,
    AsSubmit,
    ReviewRating,
)

PER_ROW = 2


def _rows(cells: Sequence[InlineKeyboardButton], per_row: int = PER_ROW) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(cells[i:i + per_row]) for i in range(0, len(cells), per_row)])


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


class FormKeyboards:
    """The form's keyboards in one buyer's locale."""

    def __init__(self, knowledge: Knowledge, locale: str) -> None:
        self.knowledge = knowledge
        self.locale = locale

    def label(self, key: str) -> str:
        return self.knowledge.button_label(self.locale, f"aftersales.{key}")

    def cancel(self) -> InlineKeyboardButton:
        return _button(self.label("cancel"), AsCancel())

    def orders(self, orders: Sequence[Order]) -> InlineKeyboardMarkup | None:
        if not orders:
            return None
        return _rows([_button(self.label("order").format(id=o.id), AsOrder(order_id=o.id)) for o in orders])

    def items(self, order: Order) -> InlineKeyboardMarkup:
        catalog = self.knowledge.catalog
        cells = []
        for sku in dict.fromkeys(i.sku for i in order.items):
            size = next(i.size for i in order.items if i.sku == sku)
            name = catalog.products[sku].name + ("" if size == ONE_SIZE else f" {size}")
            cells.append(_button(name, AsItem(sku=sku)))
        return _rows([*cells, self.cancel()])

    def quantities(self, units: int) -> InlineKeyboardMarkup:
        return _rows([*(_button(str(n), AsQty(qty=n)) for n in range(1, units + 1)), self.cancel()], 4)

    def kinds(self) -> InlineKeyboardMarkup:
        return _rows([_button(self.label("return"), AsKind(kind=Kind.return_)),
                      _button(self.label("exchange"), AsKind(kind=Kind.exchange)), self.cancel()])

    def sizes(self, product: Product, current: str) -> InlineKeyboardMarkup:
        cells = [_button(size if product.stock[size] > 0 else f"{size} · {self.label('sold_out')}", AsSize(size=size))
                 for size in product.sizes if size != current]
        return _rows([*cells, self.cancel()])

    def reasons(self) -> InlineKeyboardMarkup:
        return _rows([*(_button(self.label(f"reason.{r}"), AsReason(reason=r)) for r in Reason), self.cancel()])

    def submit(self) -> InlineKeyboardMarkup:
        return _rows([_button(self.label("submit"), AsSubmit()), self.cancel()])

    def offer(self) -> InlineKeyboardMarkup:
        return _rows([_button(self.label("keep"), AsOffer(keep=True)), _button(self.label("no_keep"), AsOffer(keep=False))])

    def dispute(self, case_id: str) -> InlineKeyboardMarkup:
        return _rows([_button(self.label("dispute"), AsDispute(case_id=case_id))], 1)

    def mine(self) -> InlineKeyboardMarkup:
        return _rows([_button(self.label("mine"), AsMine())], 1)


REVIEW_RATINGS = ("good", "neutral", "bad")


def review_keyboard(knowledge: Knowledge, locale: str, order_id: str) -> InlineKeyboardMarkup:
    return _rows([_button(knowledge.button_label(locale, f"review.{r}"), ReviewRating(order_id=order_id, rating=r))
                  for r in REVIEW_RATINGS], 3)
