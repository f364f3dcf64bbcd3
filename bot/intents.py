"""What a buyer's message is about: intent, product, and the facts in it (pure).

The vocabulary lives in `templates/intents.yaml` (ops can add phrasings); this module
compiles it and scores a message against it. A wrong answer is worse than no answer, so
a match is only `confident` when the best topic clearly beats the runner-up; the caller
asks back (private chat) or stays silent (live room) otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator

from bot.catalog import Catalog, Product
from bot.datafiles import StrictModel, load_model
from bot.normalize import Normalized, Normalizer
from bot.slots import Body, ProductIndex, body_measurements, order_number, regions_mentioned, size_mentioned


class Channel(StrEnum):
    live = "live"
    private = "private"


NOISE = "noise"
UNSURE = "unsure"


def _compile(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression at position {exc.pos}: {exc.msg}") from None
    return pattern


class PatternDef(StrictModel):
    re: str
    w: float = Field(default=1.0, gt=0)

    @field_validator("re")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _compile(value)


class IntentDef(StrictModel):
    patterns: tuple[PatternDef, ...] = Field(min_length=1)
    needs_product: bool = False
    private: bool = False
    """Answered only in private chat; in the live room the buyer is invited there."""


class Lexicon(StrictModel):
    confident: float = Field(default=1.0, gt=0)
    margin: float = Field(default=0.3, ge=0)
    synonyms: dict[str, str] = {}
    intents: dict[str, IntentDef]
    noise: tuple[str, ...] = ()

    @field_validator("noise")
    @classmethod
    def _valid_noise(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_compile(p) for p in value)

    @model_validator(mode="after")
    def _no_reserved(self) -> Self:
        reserved = {NOISE, UNSURE} & set(self.intents)
        if reserved:
            raise ValueError(f"intent names {sorted(reserved)} are reserved")
        return self


def load_lexicon(path: Path) -> Lexicon:
    return load_model(path, Lexicon)


@dataclass(frozen=True)
class Match:
    """The reading of one message. `intent` is NOISE, UNSURE or a lexicon intent."""

    intent: str
    text: Normalized
    score: float = 0.0
    sku: str | None = None
    sku_from_text: bool = False
    skus: tuple[str, ...] = ()
    size: str | None = None
    body: Body | None = None
    order_id: str | None = None
    regions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    """Likely topics, best first (for the ask-back buttons when unsure)."""
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def confident(self) -> bool:
        return self.intent not in (NOISE, UNSURE)


_SIZE_WORDS = re.compile(r"码|号|尺码|尺寸|穿|size")


class IntentMatcher:
    """Compiled lexicon + product names; build one per loaded knowledge snapshot."""

    def __init__(self, lexicon: Lexicon, catalog: Catalog) -> None:
        self.lexicon = lexicon
        self.normalize = Normalizer(lexicon.synonyms)
        self._patterns = {
            name: tuple((re.compile(p.re), p.w) for p in d.patterns) for name, d in lexicon.intents.items()
        }
        self._noise = tuple(re.compile(p) for p in lexicon.noise)
        self._products = ProductIndex.build(
            (p.sku, (p.name, *p.aliases)) for p in catalog.products.values())
        self._catalog = catalog
        self._all_sizes = sorted({s for p in catalog.products.values() for s in p.sizes})

    def needs_product(self, intent: str) -> bool:
        d = self.lexicon.intents.get(intent)
        return d is not None and d.needs_product

    def is_private_topic(self, intent: str) -> bool:
        d = self.lexicon.intents.get(intent)
        return d is not None and d.private

    def _score(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        for name, patterns in self._patterns.items():
            best = max((w for rx, w in patterns if rx.search(text)), default=0.0)
            if best:
                scores[name] = best
        return scores

    def _is_noise(self, norm: Normalized) -> bool:
        text = norm.text.strip(" ,.!?~，。！？、")
        if not text:
            return True
        return any(rx.search(text) for rx in self._noise)

    def match(self, raw: str, channel: Channel, context_sku: str | None = None) -> Match:
        """Read one message. `context_sku` is the product on stage or last discussed."""
        norm = self.normalize(raw)
        text = norm.text
        skus = tuple(self._products.find(text))
        sku = skus[0] if skus else context_sku
        product: Product | None = self._catalog.products.get(sku) if sku else None
        size = size_mentioned(text, product.sizes if product and product.sizes else self._all_sizes)
        body = body_measurements(text)
        order_id = order_number(text)
        regions = regions_mentioned(text, self._catalog.shipping.remote_regions)

        scores = self._score(text)
        if body is not None and (body.height_cm and body.weight_kg or _SIZE_WORDS.search(text)):
            scores["size_advice"] = max(scores.get("size_advice", 0.0), 1.3)
        if order_id is not None and "order_status" in scores:
            scores["order_status"] += 0.3
        if regions and "shipping_fee" in scores:
            scores["shipping_fee"] += 0.2
        if len(skus) >= 2 and ("price" in scores or "cart" in scores):
            scores["cart"] = max(scores.get("cart", 0.0), scores.get("price", 0.0)) + 0.4
        if size and "stock" in scores and "size_advice" not in scores:
            scores["stock"] += 0.2

        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        common = dict(text=norm, sku=sku, sku_from_text=bool(skus), skus=skus, size=size, body=body,
                      order_id=order_id, regions=regions, scores=scores,
                      candidates=tuple(name for name, _ in ranked[:3]))
        if not ranked:
            intent = NOISE if self._is_noise(norm) else UNSURE
            return Match(intent=intent, **common)
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        lex = self.lexicon
        if best_score < lex.confident or best_score - runner_up < lex.margin:
            return Match(intent=UNSURE, score=best_score, **common)
        return Match(intent=best, score=best_score, **common)
