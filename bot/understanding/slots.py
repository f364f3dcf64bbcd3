"""Pulling facts out of a buyer's sentence: products, sizes, body measurements, order numbers.

Rules, not the topic model, read these: numbers and names have forms a short rule gets
right every time (160, 160cm, 1米6, 1.6m, 160/50; M码, 中码; 两件, x2; a typo in a product
name, matched with rapidfuzz).

All functions take canonical text (see bot.understanding.normalize) and return plain values, so they
are cheap to test on their own and shared by the live room and private chat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.understanding.normalize import EN_NUMBER_WORDS, chinese_number, english_number

_SIZE = re.compile(r"(?<![a-z'’\d.])(xxxl|xxl|xl|s|m|l)(?![a-z])|(加大|特大|小|中|大)(?=码|号)")
_SIZE_WORDS = {"小": "S", "中": "M", "大": "L", "加大": "XL", "特大": "XXL",
               "small": "S", "medium": "M", "large": "L", "extra large": "XL", "x-large": "XL"}
# English size words: "medium" alone; small/large only as a size ("size small", "in large",
# "large size"), since "a small question" or "large box" are not sizes.
_SIZE_EN = re.compile(r"(?<![a-z])(?:(medium)|(?:size|in)\s+(extra large|x-large|small|large)"
                      r"|(extra large|x-large|small|large)\s+size)(?![a-z])")
# An order number is a run of 4+ digits that is not a measurement, an amount, a year or
# part of a tracking number (SF1402233445566 is the courier's number, not ours).
_ORDER = re.compile(
    r"(?<![\d.a-z])(\d{4,20})(?![\d.a-z]|\s*(?:斤|公斤|千克|厘米|公分|元|块|年|克|毫升|件|条|个|盒|箱))")
_MOBILE = re.compile(r"1[3-9]\d{9}")

_HEIGHT_PATTERNS = (
    re.compile(r"1米(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)1\.(\d{2})(?!\d)\s*(?:m|米)?"),
    re.compile(r"(?<![\d.])1\.(\d)(?!\d)\s*(?:m(?![a-z])|米)"),
    re.compile(r"身高\s*(?:是|有)?\s*(\d{3})"),
    re.compile(r"(?<!\d)(\d{3})\s*(?:cm|厘米|公分)"),
    re.compile(r"(?<![\d.满减差凑])(1[3-9]\d)(?![\d.]|\s*(?:斤|kg|公斤|千克|元|块))"),
)
# 5'5", 5 ft 3, 5 feet 7 inches; 120 lbs, 110 pounds: what English-speaking buyers write.
_HEIGHT_FEET = re.compile(r"(?<![\d.])([4-6])\s*(?:'|’|ft|feet|foot)\s*(?:(\d{1,2})(?!\d))?")
_WEIGHT_POUNDS = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(?:lbs?|pounds?)(?![a-z])")
_CM_PER_INCH = Decimal("2.54")
_KG_PER_POUND = Decimal("0.45359237")
_WEIGHT_JIN = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*斤")
_WEIGHT_KG = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(?:kg|公斤|千克)")
_WEIGHT_BARE = re.compile(r"体重\s*(?:是|有)?\s*(\d{2,3}(?:\.\d)?)")
_NUMBER = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)(?![\d.])")


@dataclass(frozen=True)
class Body:
    """What a buyer told us about themselves; either part may be missing, not both."""

    height_cm: int | None
    weight_kg: Decimal | None


def _height(text: str) -> tuple[int, tuple[int, int]] | None:
    if feet := _HEIGHT_FEET.search(text):
        inches = int(feet[1]) * 12 + int(feet[2] or 0)
        value = int((inches * _CM_PER_INCH).to_integral_value())
        if 120 <= value <= 200:
            return value, feet.span()
    for i, pattern in enumerate(_HEIGHT_PATTERNS):
        match = pattern.search(text)
        if not match:
            continue
        digits = match[1]
        if i in (0, 2):
            value = 100 + (int(digits) * 10 if len(digits) == 1 else int(digits))
        elif i == 1:
            value = 100 + int(digits)
        else:
            value = int(digits)
        if 120 <= value <= 200:
            return value, match.span(1)
    return None


def _bare_weight(value: Decimal) -> Decimal:
    """A weight with no unit: buyers mean kg up to 90 and 斤 above (nobody says 100 kg here)."""
    return value if value <= 90 else value / 2


def _weight(text: str, height_span: tuple[int, int] | None) -> Decimal | None:
    if match := _WEIGHT_POUNDS.search(text):
        return (Decimal(match[1]) * _KG_PER_POUND).quantize(Decimal("0.1"))
    if match := _WEIGHT_JIN.search(text):
        return Decimal(match[1]) / 2
    if match := _WEIGHT_KG.search(text):
        return Decimal(match[1])
    if match := _WEIGHT_BARE.search(text):
        return _bare_weight(Decimal(match[1]))
    if height_span is None:
        return None
    for match in _NUMBER.finditer(text):
        if not (height_span[0] <= match.start() < height_span[1]):
            candidate = Decimal(match[1])
            if 30 <= candidate <= 200:
                return _bare_weight(candidate)
    return None


def body_measurements(text: str) -> Body | None:
    """Height and/or weight, in the forms buyers use ("160 50kg", "1米6 100斤", "身高168体重58",
    "5'5 120 lbs": feet, inches and pounds are turned into cm and kg)."""
    found = _height(text)
    height, span = found if found else (None, None)
    weight = _weight(text, span)
    if weight is not None and not (25 <= weight <= 150):
        weight = None
    if height is None and weight is None:
        return None
    return Body(height_cm=height, weight_kg=weight)


def size_mentioned(text: str, sizes: Iterable[str]) -> str | None:
    """The first clothing size named (M, xl, Ｌ码...) that the product could have."""
    allowed = {s.upper() for s in sizes}
    named = [(m.start(), m[1].upper() if m[1] else _SIZE_WORDS[m[2]]) for m in _SIZE.finditer(text)]
    named += [(m.start(), _SIZE_WORDS[m[1] or m[2] or m[3]]) for m in _SIZE_EN.finditer(text)]
    for _, size in sorted(named):
        if not allowed or size in allowed:
            return size
    return None


def order_number(text: str) -> str | None:
    """The first order number in the text; an 11-digit mobile number is not one."""
    for match in _ORDER.finditer(text):
        if not _MOBILE.fullmatch(match[1]):
            return match[1]
    return None


_QUANTITY = re.compile(
    r"(?<![\d.])(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:件|条|盒|个|箱|份|套|袋|罐|瓶|双)"
    r"|(?:[x×*]\s*)(\d{1,2})(?!\d)"
    rf"|(?<![a-z\d])(\d{{1,2}}|{EN_NUMBER_WORDS})\s+(?:boxes|pieces|pcs|packs|bags|bottles|sets|pairs)(?![a-z])")


def quantity_mentioned(text: str) -> int | None:
    """A quantity without a product ("两件到手多少", "x2"); None when none, or just one."""
    for match in _QUANTITY.finditer(text):
        token = match[1] or match[2] or match[3]
        value = int(token) if token.isdigit() else chinese_number(token) or english_number(token)
        if value and 1 < value <= 99:
            return value
    return None


def regions_mentioned(text: str, regions: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """The regions named in `text`, each by its catalogue name; `regions` pairs that name
    with every way of writing it (the name itself, the English name in lower case)."""
    return tuple(region for region, names in regions if any(name in text for name in names))


_LATIN = re.compile(r"[a-z0-9]")
_WORD = re.compile(r"[a-z]{4,}")


def _names_here(text: str, name: str, start: int, end: int) -> bool:
    """Whether `name` found at text[start:end] really names the product.

    Latin names are whole words (dress is not in "address", tea is not in "steam"; a plural
    s/es is allowed). A one-character Chinese alias followed by 色 is a colour (橙色 is
    orange the colour, not the oranges).
    """
    if _LATIN.match(name[0]):
        if start > 0 and _LATIN.match(text[start - 1]):
            return False
        rest = text[end:end + 3]
        for suffix in ("es", "s", ""):
            if rest.startswith(suffix) and not _LATIN.match(rest[len(suffix):len(suffix) + 1] or " "):
                return True
        return False
    if len(name) == 1 and text[end:end + 1] == "色":
        return False
    return True


@dataclass(frozen=True)
class ProductIndex:
    """Every way a buyer can name a product, longest first, so 连衣裙 wins over 裙."""

    names: tuple[tuple[str, str], ...]  # (canonical name, sku)

    @classmethod
    def build(cls, products: Iterable[tuple[str, Iterable[str]]]) -> ProductIndex:
        pairs: dict[str, str] = {}
        for sku, names in products:
            for name in (sku, *names):
                key = name.lower().strip()
                if key:
                    pairs.setdefault(key, sku)
        return cls(tuple(sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True)))

    @cached_property
    def _latin_names(self) -> tuple[tuple[str, str], ...]:
        return tuple((n, sku) for n, sku in self.names if _LATIN.match(n[0]) and len(n) >= 5)

    @cached_property
    def _han_names_by_length(self) -> tuple[tuple[int, list[str], list[str]], ...]:
        """Chinese names of 3+ characters grouped by length, longest first."""
        groups: dict[int, tuple[list[str], list[str]]] = {}
        for name, sku in self.names:
            if not _LATIN.match(name[0]) and len(name) >= 3:
                names, skus = groups.setdefault(len(name), ([], []))
                names.append(name)
                skus.append(sku)
        return tuple((size, *groups[size]) for size in sorted(groups, reverse=True))

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Every product mention as (start, end, sku), in order of appearance."""
        taken: list[tuple[int, int, str]] = []
        for name, sku in self.names:
            start = text.find(name)
            while start != -1:
                end = start + len(name)
                if _names_here(text, name, start, end) and all(end <= a or start >= b for a, b, _ in taken):
                    taken.append((start, end, sku))
                start = text.find(name, end)
        return sorted(taken)

    def find(self, text: str) -> list[str]:
        """SKUs named in `text`, in order of appearance, each once; a near miss if none."""
        seen: list[str] = []
        for _, _, sku in self.spans(text):
            if sku not in seen:
                seen.append(sku)
        if not seen and (near := self.near_miss(text)) is not None:
            seen.append(near)
        return seen

    def near_miss(self, text: str) -> str | None:
        """A product name typed with one slip (连衣群, 针只开衫, cardigen), or None.

        Chinese names of 3+ characters may differ by one character or one edit; Latin
        names of 5+ letters are compared word by word (ratio ≥ 80, about one slip, and
        lengths within one letter, so "address" is not a "dress").
        Shorter names are too close to other words to guess.
        """
        words = _WORD.findall(text)
        if words:
            for name, sku in self._latin_names:
                close = [w for w in words if abs(len(w) - len(name)) <= 1]
                if close and process.extractOne(name, close, scorer=fuzz.ratio, score_cutoff=80) is not None:
                    return sku
        for size, names, skus in self._han_names_by_length:
            if size > len(text):
                continue
            windows = [text[i:i + size] for i in range(len(text) - size + 1)]
            distances = process.cdist(names, windows, scorer=Levenshtein.distance, score_cutoff=1,
                                      dtype=np.int32)
            hits = np.flatnonzero((distances <= 1).any(axis=1))
            if hits.size:
                return skus[int(hits[0])]
        return None
