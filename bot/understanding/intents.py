"""What a buyer's message is about: topic, product, and the facts in it (pure).

Topics come from a classifier trained on the example messages ops write per topic
(templates/topics/); rules read the slots (products, sizes, body measurements, order
numbers, quantities) and decide the few cases where a miss is costly or a rule is
simply right: a buyer asking for a person or complaining (keyword lists in
templates/understanding.yaml), and body measurements next to a sizing word.

A wrong answer is worse than no answer, so a reading is only `confident` when the best
topic's probability reaches the threshold and is ahead of the runner-up by the margin;
the caller asks back (private chat) or stays silent (live room) otherwise. The explicit
`out_of_scope` topic, trained on what the shops' data does not cover, is never answered.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.shop.catalog import Catalog, Product
from bot.understanding.cart_request import cart_items
from bot.understanding.classifier import TopicClassifier
from bot.understanding.features import model_text
from bot.understanding.normalize import Normalized, Normalizer
from bot.understanding.reading_rules import ReadingRules
from bot.understanding.slots import (
    Body,
    ProductIndex,
    body_measurements,
    order_number,
    quantity_mentioned,
    regions_mentioned,
    size_mentioned,
)
from bot.understanding.small_talk import with_small_talk
from bot.understanding.topics import NOISE, OUT_OF_SCOPE, TopicSet


class Channel(StrEnum):
    live = "live"
    private = "private"


UNSURE = "unsure"
HANDOFF_TOPICS = ("human", "complaint", "personal")
"""Topics that put a person on the conversation."""
PERSON_TOPICS = ("human", "complaint")
"""A buyer asking for a person or complaining: answered below the usual bar (`thresholds.handoff`)."""
_PRICE_FAMILY = ("price", "cart")
_NOISE_STRIP = " ,.!?~，。！？、…:;：；'\"“”‘’()（）[]【】-_=+*/\\|<>《》"


@dataclass(frozen=True)
class Match:
    """The reading of one message. `intent` is NOISE, UNSURE or a topic name."""

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
    quantity: int | None = None
    stacking: bool = False
    """The buyer asks whether promotions combine (能一起用吗): answer yes or no first."""
    stacking_same_kind: bool = False
    """...and names two of one kind (两张店铺券): those do not combine."""
    candidates: tuple[str, ...] = ()
    """Likely topics, best first (for the ask-back buttons when unsure)."""
    scores: dict[str, float] = field(default_factory=dict)
    """The model's probability per topic (the three most likely)."""
    decided_by: str = "model"
    """"model", or the rule that decided: "keyword", "body+size word", "cart items", "empty",
    "model, person bar" (a complaint or person request below the usual bar, `thresholds.handoff`)."""
    unserved: tuple[str, ...] = ()
    """("out_of_scope",) when the model judged the message outside the shops' data."""

    @property
    def confident(self) -> bool:
        return self.intent not in (NOISE, UNSURE)


def _train(texts: Sequence[str], labels: Sequence[str]) -> TopicClassifier:
    return TopicClassifier.train(*with_small_talk(texts, labels))


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _any_of(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One search for many plain words (escaped: ops write words, not patterns)."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))) if words else None


class IntentMatcher:
    """Trained model + rules + product names; built (and trained) once per knowledge snapshot."""

    def __init__(self, rules: ReadingRules, topics: TopicSet, catalog: Catalog) -> None:
        self.rules = rules
        self.topics = topics
        self.normalize = Normalizer(rules.synonyms)
        self._catalog = catalog
        self._products = ProductIndex.build(
            (p.sku, (p.name, *p.aliases)) for p in catalog.products.values())
        self._all_sizes = sorted({s for p in catalog.products.values() for s in p.sizes})
        shipping = catalog.shipping
        english = shipping.en.remote_regions if shipping.en else ()
        # "is shipping free to tibet": English names are read too (the text is lower case).
        self._regions = tuple((region, (region, *(name.lower() for name in english[i:i + 1])))
                              for i, region in enumerate(shipping.remote_regions))
        self._complaint = _any_of(rules.handoff.complaint)
        self._human = _any_of(rules.handoff.human)
        self.classifier = _train(*self.training_data())

    def trained_on(self, texts: Sequence[str], labels: Sequence[str]) -> IntentMatcher:
        """The same reading with a model trained on other examples (a cross-validation fold)."""
        fold = copy.copy(self)
        fold.classifier = _train(texts, labels)
        return fold

    def examples(self) -> list[tuple[str, str]]:
        """Every example as ops wrote it, with its topic."""
        return [(example, topic.name) for topic in self.topics.topics for example in topic.examples]

    def training_data(self) -> tuple[list[str], list[str]]:
        """Every example as the model sees it, with its topic (also used for cross-validation)."""
        examples = self.examples()
        return [self.model_input(text) for text, _ in examples], [label for _, label in examples]

    def model_input(self, raw: str) -> str:
        return model_text(self.normalize(raw).text, self._products)

    @property
    def products(self) -> ProductIndex:
        return self._products

    @property
    def topic_names(self) -> tuple[str, ...]:
        return self.topics.names

    def needs_product(self, intent: str) -> bool:
        return intent in self.rules.needs_product

    def is_private_topic(self, intent: str) -> bool:
        return self.topics.is_private(intent)

    def ranking(self, text: str, channel: Channel) -> list[tuple[str, float]]:
        """The model's topics for canonical `text`, most likely first (noise only in the room)."""
        ranked = self.classifier.rank(model_text(text, self._products))
        if channel is Channel.live:
            return ranked
        kept = [(t, p) for t, p in ranked if t != NOISE]
        total = sum(p for _, p in kept) or 1.0
        return [(t, p / total) for t, p in kept]

    def _keyword_topic(self, text: str) -> str | None:
        if self._complaint is not None and self._complaint.search(text):
            return "complaint"
        if self._human is not None and self._human.search(text):
            return "human"
        return None

    def match(self, raw: str, channel: Channel, context_sku: str | None = None) -> Match:
        """Read one message. `context_sku` is the product on stage or last discussed."""
        norm = self.normalize(raw)
        text = norm.text
        skus = tuple(self._products.find(text))
        sku = skus[0] if skus else context_sku
        product: Product | None = self._catalog.products.get(sku) if sku else None
        size = size_mentioned(text, product.sizes if product and product.sizes else self._all_sizes)
        body = body_measurements(text)
        slots = dict(text=norm, sku=sku, sku_from_text=bool(skus), skus=skus, size=size, body=body,
                     order_id=order_number(text),
                     regions=regions_mentioned(text, self._regions),
                     quantity=quantity_mentioned(text),
                     stacking=_contains_any(text, self.rules.stacking_words),
                     stacking_same_kind=_contains_any(text, self.rules.same_kind_words))
        if not text.strip(_NOISE_STRIP):
            return Match(intent=NOISE, decided_by="empty", **slots)
        if (keyword := self._keyword_topic(text)) is not None:
            return Match(intent=keyword, score=1.0, decided_by="keyword", **slots)

        ranked = self.ranking(text, channel)
        top = ranked[:3]
        slots.update(scores=dict(top), candidates=tuple(
            t for t, _ in ranked if t not in (NOISE, OUT_OF_SCOPE))[:3])
        if body is not None and ((body.height_cm and body.weight_kg)
                                 or _contains_any(text, self.rules.size_words)):
            # "160 50kg什么码", "身高172 体重65kg": measurements are asked about for a size.
            return Match(intent="size_advice", score=1.0, decided_by="body+size word", **slots)

        best, p_best = ranked[0]
        p_second = ranked[1][1] if len(ranked) > 1 else 0.0
        decided_by = "model"
        if best in _PRICE_FAMILY or (best == "promotion" and len(skus) >= 2):
            # Price of several products or of a quantity is the cart's total.
            items = cart_items(text, self._products)
            several = len(items) >= 2 or any(q > 1 for _, q in items) or (
                not items and slots["quantity"] is not None and sku is not None)
            if several:
                p_best = sum(p for t, p in ranked if t in (*_PRICE_FAMILY, "promotion"))
                p_second = max((p for t, p in ranked if t not in (*_PRICE_FAMILY, "promotion")), default=0.0)
                best, decided_by = "cart", "cart items"
            elif best == "cart" or ranked[1][0] in _PRICE_FAMILY:
                p_best = sum(p for t, p in ranked if t in _PRICE_FAMILY)
                p_second = max((p for t, p in ranked if t not in _PRICE_FAMILY), default=0.0)
        thresholds = self.rules.thresholds
        if p_best < thresholds.confident or p_best - p_second < thresholds.margin:
            if best in PERSON_TOPICS and thresholds.handoff is not None and p_best >= thresholds.handoff:
                return Match(intent=best, score=p_best, decided_by="model, person bar", **slots)
            return Match(intent=UNSURE, score=p_best, **slots)
        if best == OUT_OF_SCOPE:
            return Match(intent=UNSURE, score=p_best, unserved=(OUT_OF_SCOPE,), **slots)
        return Match(intent=best, score=p_best, decided_by=decided_by, **slots)
