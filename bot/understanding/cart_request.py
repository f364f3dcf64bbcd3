"""Reading a cart out of a buyer's sentence (pure): which products, how many of each.

"两件连衣裙加一盒龙井" → BS-DRESS×2, MX-LONGJING×1; "连衣裙x2", "围巾3条" and "two boxes of
longjing and a scarf" work too.
A follow-up ("再加一条围巾呢") adds to the cart discussed just before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.understanding.normalize import EN_NUMBER_WORDS, chinese_number, english_number
from bot.understanding.slots import ProductIndex

CartItems = tuple[tuple[str, int], ...]
"""(sku, quantity) pairs in the order the buyer named them."""

_UNITS = "件|条|盒|个|箱|份|套|袋|罐|斤"
_BEFORE = re.compile(rf"(\d+|[一二两三四五六七八九十]+)\s*(?:{_UNITS})?\s*(?:的)?\s*$")
_EN_UNITS = "boxes|box|pieces|piece|pcs|packs|pack|bags|bag|bottles|bottle|sets|set|pairs|pair|kg"
_BEFORE_EN = re.compile(rf"(?<![a-z\d])(\d+|{EN_NUMBER_WORDS})\s+(?:(?:{_EN_UNITS})\s+(?:of\s+)?)?(?:the\s+)?$")
_AFTER = re.compile(rf"^\s*(?:[x×*]\s*(\d+)|(\d+|[一二两三四五六七八九十]+)\s*(?:{_UNITS}))")
_ADD_ON = re.compile(r"^(?:那|那么|如果|要是|我)?\s*(?:(?:再|还|另外)\s*(?:加|添|来|买|要)|加|添)")
MAX_QTY = 99


def _quantity(token: str | None) -> int | None:
    if not token:
        return None
    value = int(token) if token.isdigit() else chinese_number(token) or english_number(token)
    return value if value and 0 < value <= MAX_QTY else None


def cart_items(text: str, products: ProductIndex) -> CartItems:
    """The products named in canonical `text` with their quantities (1 when none is said)."""
    counts: dict[str, int] = {}
    used = 0  # text before this index belongs to an earlier product ("连衣裙x2 龙井")
    for start, end, sku in products.spans(text):
        before = (_BEFORE.search(text[max(used, start - 8):start])
                  or _BEFORE_EN.search(text[max(used, start - 24):start]))
        after = _AFTER.match(text[end:end + 8])
        qty = _quantity(before[1]) if before else None
        if qty is None and after:
            qty = _quantity(after[1] or after[2])
            used = end + after.end()
        else:
            used = end
        if qty is None and sku in counts:
            continue  # "longjing tea", "裙子…这条裙子": the same product named twice, not two
        counts[sku] = counts.get(sku, 0) + (qty or 1)
    return tuple(counts.items())


def is_add_on(text: str) -> bool:
    """"再加一条围巾" / "加个围巾呢": the buyer extends the previous cart."""
    return bool(_ADD_ON.search(text))


def merged(previous: Sequence[tuple[str, int]], extra: Sequence[tuple[str, int]]) -> CartItems:
    counts = dict(previous)
    for sku, qty in extra:
        counts[sku] = counts.get(sku, 0) + qty
    return tuple(counts.items())
