"""Buttons made from data files must fit Telegram, checked when the data is loaded.

A product's SKU and a topic's name end up in callback data (`product:SKU`, `topic:NAME`),
which Telegram caps at 64 bytes. A value too long is reported like any other data
mistake, with its file and line, so the last good data stays live instead of the bot
failing when it first shows that button to a buyer.
"""

from __future__ import annotations

from pathlib import Path

from bot.answers.composer import product_button, topic_button
from bot.datafiles import DataError, DataFileError, LoadedYaml, load_yaml
from bot.shop.catalog import Catalog
from bot.telegram.callbacks import oversized_reason
from bot.understanding.topics import TopicSet

PRODUCTS_FILE = "products.yaml"


def _located(path: Path, found: list[tuple[tuple[str | int, ...], str]]) -> list[DataError]:
    """The problems `found` ((node path, reason) pairs) with their lines in `path`."""
    if not found:
        return []
    try:
        loaded: LoadedYaml | None = load_yaml(path)
    except DataFileError:
        loaded = None  # loaded cleanly a moment ago; an editor's half-written save at worst
    return [DataError(path, loaded.line_of(loc) if loaded else None, reason) for loc, reason in found]


def button_data_errors(shop_dir: Path, catalog: Catalog, topics: TopicSet) -> list[DataError]:
    """One error per product or topic whose button could not be sent."""
    products: list[tuple[tuple[str | int, ...], str]] = []
    for index, product in enumerate(catalog.products.values()):
        if reason := oversized_reason(product_button(product)):
            products.append((("products", index, "sku"), f"SKU {product.sku!r}: {reason}"))
    errors = _located(shop_dir / PRODUCTS_FILE, products)
    for topic in topics.topics:
        if reason := oversized_reason(topic_button(topic.name)):
            errors += _located(topic.file, [(("topic",), f"topic {topic.name!r}: {reason}")])
    return errors
