"""Catalogue words in the buyer's language (pure).

Answers are built from shop data written in Chinese; an English buyer must not be told
the dress "is made of 棉95% 氨纶5%". Ops give the English words next to the Chinese ones
(`en:` fields in shop/products.yaml and shop/shops.yaml, `title_en` in promotion rules). Before an answer is rendered in
a locale, every catalogue value in its context is swapped for that locale's word; a value
with no translation stays as it is, and `templates lint` reports it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from bot.promotions import RuleSet
from bot.shop.catalog import Catalog

Terms = dict[str, str]
_HAN = re.compile(r"[\u3400-\u9fff]")


def _pairs(source: tuple[str, ...], target: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(source, target, strict=False) if b]


def catalogue_terms(catalog: Catalog, locale: str, rules: RuleSet | None = None) -> Terms:
    """Chinese catalogue value → the same value in `locale` (only `en` fields exist today)."""
    if locale != "en":
        return {}
    terms: Terms = {}
    for product in catalog.products.values():
        text = product.en
        if text is None:
            continue
        for source, target in ((product.name, text.name), (product.material, text.material),
                               (product.notes, text.notes), (product.custom_note, text.custom_note)):
            if source and target:
                terms[source] = target
        terms.update(_pairs(product.colours, text.colours))
    for shop in catalog.shops.values():
        if shop.en is not None:
            for source, target in ((shop.name, shop.en.name), (shop.courier, shop.en.courier)):
                if target:
                    terms[source] = target
    shipping = catalog.shipping
    if shipping.en is not None:
        terms.update(_pairs(shipping.remote_regions, shipping.en.remote_regions))
    for rule in rules.rules if rules is not None else ():
        if rule.title_en:
            terms[rule.title] = rule.title_en
    return terms


def localized(value: Any, terms: Mapping[str, str]) -> Any:
    """`value` with every catalogue string found in `terms` replaced (dicts and lists walked)."""
    if not terms:
        return value
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return terms.get(value, value)
    if isinstance(value, Mapping):
        return {k: localized(v, terms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(localized(v, terms) for v in value)
    return value


def catalogue_words(catalog: Catalog, rules: RuleSet | None = None) -> tuple[str, ...]:
    """Every catalogue value a buyer can read that needs a translation (has Chinese in it)."""
    words: list[str] = []
    for product in catalog.products.values():
        words += [w for w in (product.name, product.material, product.notes, product.custom_note) if w]
        words += product.colours
    for shop in catalog.shops.values():
        words += [shop.name, shop.courier]
    words += catalog.shipping.remote_regions
    words += [rule.title for rule in (rules.rules if rules is not None else ())]
    return tuple(dict.fromkeys(w for w in words if _HAN.search(w)))


def untranslated(text: str, words: tuple[str, ...]) -> list[str]:
    """Catalogue words left in Chinese in a text meant for another locale."""
    return [w for w in words if w in text]
