"""What a buyer's message is about: intent, product, and the facts in it (pure).

The vocabulary lives in `templates/intents.yaml` (ops can add phrasings); this module
compiles it and scores a message against it. A wrong answer is worse than no answer, so
a match is only `confident` when the best topic clearly beats the runner-up; the caller
asks back (private chat) or stays silent (live room) otherwise.

Besides the topics, the lexicon lists what the bot must *not* answer confidently: topics
the shops' data does not cover (`unserved`: warranty, installation, invoices, refunds in
progress, exchanges, restock dates...) and goods the shops do not sell
(`foreign_products`). A message touching either gets no topic answer, only a handoff
intent if the buyer asked for one (a person, a complaint, a change of address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator

from bot.shop.catalog import Catalog, Product
from bot.datafiles import StrictModel, load_model
from bot.understanding.normalize import Normalized, Normalizer
from bot.understanding.slots import (
    Body,
    ProductIndex,
    body_measurements,
    order_number,
    regions_mentioned,
    size_mentioned,
)


class Channel(StrEnum):
    live = "live"
    private = "private"


NOISE = "noise"
UNSURE = "unsure"
PRODUCT_SLOT = "{product}"
"""Placeholder in a pattern for "any name of any product in the catalogue"."""
SOCIAL = ("greeting", "thanks", "goodbye")
"""Pleasantries that give way to a real question in the same message (谢谢, 什么时候发货?)."""
SURVIVES_UNSERVED = ("human", "complaint", "personal")
"""Handoff topics: safe to act on even when the rest of the message is out of scope."""
_EPSILON = 1e-9


def _compile(pattern: str) -> str:
    try:
        re.compile(pattern.replace(PRODUCT_SLOT, "(?:x)"))
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
    own_order: tuple[str, ...] = ()
    """Signs that the buyer already ordered (我的快递, 我付款好了): a shipping or stock
    question with such a sign is about their order (order_status)."""
    unserved: dict[str, tuple[str, ...]] = {}
    """Topics the shops' data cannot answer, by name; a match makes the reading UNSURE."""
    foreign_products: tuple[str, ...] = ()
    """Goods the shops do not sell; named without one of ours, the reading is UNSURE."""

    @field_validator("noise", "own_order", "foreign_products")
    @classmethod
    def _valid_noise(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_compile(p) for p in value)

    @field_validator("unserved")
    @classmethod
    def _valid_unserved(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {name: tuple(_compile(p) for p in patterns) for name, patterns in value.items()}

    @model_validator(mode="after")
    def _no_reserved(self) -> Self:
        reserved = {NOISE, UNSURE} & set(self.intents)
        if reserved:
            raise ValueError(f"intent names {sorted(reserved)} are reserved")
        return self

    def is_private(self, topic: str) -> bool:
        """The one place that says whether a topic's answer is the buyer's own business
        (order, refund, address, phone…), never given in the live room: its `private` flag."""
        d = self.intents.get(topic)
        return d is not None and d.private


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
    unserved: tuple[str, ...] = ()
    """Names of the `unserved` topics (and "foreign_product") that kept the bot from answering."""

    @property
    def confident(self) -> bool:
        return self.intent not in (NOISE, UNSURE)


_SIZE_WORDS = re.compile(r"码|号|尺码|尺寸|穿|size")
_NOISE_STRIP = " ,.!?~，。！？、…"


def _product_alternation(catalog: Catalog) -> str:
    names = {n.lower().strip() for p in catalog.products.values() for n in (p.sku, p.name, *p.aliases)}
    ordered = sorted((n for n in names if n), key=len, reverse=True)
    return "(?:" + "|".join(map(re.escape, ordered)) + ")"


class IntentMatcher:
    """Compiled lexicon + product names; build one per loaded knowledge snapshot."""

    def __init__(self, lexicon: Lexicon, catalog: Catalog) -> None:
        self.lexicon = lexicon
        self.normalize = Normalizer(lexicon.synonyms)
        products = _product_alternation(catalog)

        def compiled(pattern: str) -> re.Pattern[str]:
            return re.compile(pattern.replace(PRODUCT_SLOT, products))

        self._patterns = {
            name: tuple((compiled(p.re), p.w) for p in d.patterns) for name, d in lexicon.intents.items()
        }
        self._noise = tuple(compiled(p) for p in lexicon.noise)
        self._own_order = tuple(compiled(p) for p in lexicon.own_order)
        self._unserved = {name: tuple(compiled(p) for p in ps) for name, ps in lexicon.unserved.items()}
        self._foreign = tuple(compiled(p) for p in lexicon.foreign_products)
        self._products = ProductIndex.build(
            (p.sku, (p.name, *p.aliases)) for p in catalog.products.values())
        self._catalog = catalog
        self._all_sizes = sorted({s for p in catalog.products.values() for s in p.sizes})

    @property
    def products(self) -> ProductIndex:
        return self._products

    def needs_product(self, intent: str) -> bool:
        d = self.lexicon.intents.get(intent)
        return d is not None and d.needs_product

    def is_private_topic(self, intent: str) -> bool:
        return self.lexicon.is_private(intent)

    def _score(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        for name, patterns in self._patterns.items():
            best = max((w for rx, w in patterns if rx.search(text)), default=0.0)
            if best:
                scores[name] = best
        return scores

    def _is_noise(self, norm: Normalized) -> bool:
        text = norm.text.strip(_NOISE_STRIP)
        if not text:
            return True
        return any(rx.search(text) for rx in self._noise)

    def _unserved_topics(self, text: str, named_own_product: bool) -> tuple[str, ...]:
        found = [name for name, patterns in self._unserved.items() if any(rx.search(text) for rx in patterns)]
        if not named_own_product and any(rx.search(text) for rx in self._foreign):
            found.append("foreign_product")
        return tuple(found)

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
        common = dict(text=norm, sku=sku, sku_from_text=bool(skus), skus=skus, size=size, body=body,
                      order_id=order_id, regions=regions)
        # Room chatter is recognised on the whole comment first: "这个颜色好看" praises, it
        # does not ask about colours, and "主播辛苦了" is not a thank-you that needs an answer.
        if channel is Channel.live and self._is_noise(norm):
            return Match(intent=NOISE, **common)

        scores = self._score(text)
        if body is not None and (body.height_cm and body.weight_kg or _SIZE_WORDS.search(text)):
            scores["size_advice"] = max(scores.get("size_advice", 0.0), 1.3)
        if order_id is not None and "order_status" in scores:
            scores["order_status"] += 0.3
        if regions and "shipping_fee" in scores:
            scores["shipping_fee"] += 0.2
        if len(skus) >= 2 and {"price", "cart", "promotion"} & scores.keys():
            scores["cart"] = max(scores.get(k, 0.0) for k in ("price", "cart", "promotion")) + 0.4
        if size and "stock" in scores and "size_advice" not in scores:
            scores["stock"] += 0.2
        if product is not None and product.fresh and "return_policy" in scores:
            # 橙子坏了: for fresh goods a bad item is the bad-fruit claim in the return policy.
            scores["return_policy"] += 0.3
        if any(rx.search(text) for rx in self._own_order):
            # "我的橙子什么时候到", "我付款好了 什么时候发货": their parcel, not the shop's promise.
            for topic in ("shipping_time", "stock"):
                if topic in scores:
                    scores["order_status"] = max(scores.get("order_status", 0.0), scores.pop(topic) + 0.4)
            if not scores.keys() - {"order_status"}:
                # Nothing but "我的订单": show their orders.
                scores["order_status"] = max(scores.get("order_status", 0.0), 1.1)
        if scores.keys() - set(SOCIAL):
            # "那谢谢啦! 估计什么时候能发货": the question is what needs an answer.
            for topic in SOCIAL:
                scores.pop(topic, None)

        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        candidates = tuple(name for name, _ in ranked[:3])
        unserved = self._unserved_topics(text, bool(skus))
        if unserved:
            ranked = [(name, score) for name, score in ranked if name in SURVIVES_UNSERVED]
        common.update(scores=scores, candidates=candidates, unserved=unserved)
        if not ranked:
            intent = NOISE if not unserved and self._is_noise(norm) else UNSURE
            return Match(intent=intent, **common)
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        lex = self.lexicon
        if best_score < lex.confident - _EPSILON or best_score - runner_up < lex.margin - _EPSILON:
            return Match(intent=UNSURE, score=best_score, **common)
        return Match(intent=best, score=best_score, **common)
