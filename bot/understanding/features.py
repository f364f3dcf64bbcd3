"""The text the topic model sees: normalised, with products and numbers masked (pure).

"连衣裙多少钱" and "龙井多少钱" ask the same thing; masking product names with one symbol
lets an example about one product teach the model about all of them, and lets a name the
shop does not sell ("手机多少钱") look different from one it does. Order numbers and other
digits are masked the same way, so "1001 状态" and "1006 状态" read alike.
"""

from __future__ import annotations

import re

from bot.understanding.slots import ProductIndex

PRODUCT_MARK = "℗"
ORDER_MARK = "№"
_ORDER_LIKE = re.compile(r"(?<![\d.])\d{4,20}(?![\d.])")


def model_text(text: str, products: ProductIndex) -> str:
    """Canonical text → the model's input."""
    out, last = [], 0
    for start, end, _ in products.spans(text):
        out.append(text[last:start])
        out.append(PRODUCT_MARK)
        last = end
    out.append(text[last:])
    masked = "".join(out)
    masked = _ORDER_LIKE.sub(ORDER_MARK, masked)
    return masked
