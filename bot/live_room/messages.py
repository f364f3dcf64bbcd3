"""Contracts of the live room's texts and of the ops commands about the stage.

Each function builds one template's context; the handlers (and the runtime's burst
poster) send what it returns and `livedesk templates lint` renders the same function's
result for every product of the loaded catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from markupsafe import Markup

from bot.answers.composer import Answer, product_view
from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message
from bot.live_room.room_asker import RoomAsker
from bot.shop.catalog import Catalog


def private_link(bot_username: str) -> str:
    """Where a room answer sends a buyer for what must not be said in public."""
    return f"https://t.me/{bot_username}?start=live"


def room_answer(answer: Answer, link: str) -> Message:
    """A composer answer as the room gets it: with the link to the private chat."""
    return Message(answer.template, {**answer.context, "private_link": link})


def gathered(askers: Sequence[RoomAsker], more: int, answer: str) -> Message:
    """One post answering everyone who asked the same thing (`answer` is already rendered
    and checked; the wrapper adds only the askers' own names). `askers` are the ones named
    (a bounded number: Telegram formats only about 100 entities), `more` how many others asked."""
    return Message("live/burst", {"askers": [{"id": a.user_id, "name": a.name} for a in askers],
                                  "more": more, "answer": Markup(answer)})


def now_set(product: dict[str, Any]) -> Message:
    """`product` is `bot.answers.composer.product_view` of the product now on stage."""
    return Message("ops/now_set", {"product": product})


def now_unknown(catalog: Catalog, sku: str | None) -> Message:
    products = [{"sku": p.sku, "name": p.name} for p in catalog.products.values()]
    return Message("ops/now_unknown", {"sku": sku, "products": products})


def samples(data: SampleData) -> Iterator[Sample]:
    catalog = data.catalog
    askers = [RoomAsker(a.user_id, a.name, i + 1) for i, a in enumerate(data.askers)]
    for some, more in ((askers[:1], 0), (askers, 0), (askers, 40)):
        yield Sample(gathered(some, more, data.room_answer), f"room post for {len(some) + more} askers")
    for product in catalog.products.values():
        yield Sample(now_set(product_view(catalog, data.rules, product, data.at)), f"/now {product.sku}")
    unknown = f"{next(iter(catalog.products), '')}-UNKNOWN"
    yield Sample(now_unknown(catalog, unknown), "/now with an unknown SKU")
    yield Sample(now_unknown(catalog, None), "/now")
