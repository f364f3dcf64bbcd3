"""Loading `promo_rules/*.yaml` into a RuleSet, reporting every mistake with its line.

Ops edit these files by hand during a live show; a wrong rule must be stopped before it
prices a single cart, and ops should fix every problem in one pass. So nothing stops at
the first error: YAML syntax, schema, unknown SKUs or shops, discounts not below their
threshold or list price, windows ending before they start, duplicate ids across files
and overlapping cross-shop rules are all collected into one DataFileError.

A file holds one rule (a mapping) or a list of rules. Files are read in name order; the
RuleSet orders rules by id, so file names never change a price.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datafiles import DataError, DataFileError, LoadedYaml, PathKey, load_yaml, validate
from bot.money import format_yuan
from bot.promotions.eligibility import covered_products, cross_shop_shops
from bot.promotions.models import (
    MODEL_OF_KIND,
    CrossShopRule,
    ItemDiscountRule,
    Rule,
    ShopThresholdRule,
    ThresholdRule,
)
from bot.promotions.ruleset import RuleSet, RuleSource
from bot.promotions.windows import Window
from bot.shop.catalog import Catalog

log = logging.getLogger(__name__)

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class _Parsed:
    rule: Rule
    loaded: LoadedYaml
    root: PathKey

    def line(self, *field: str | int) -> int | None:
        return self.loaded.line_of((*self.root, *field))

    def error(self, reason: str, *field: str | int) -> DataError:
        return DataError(self.loaded.path, self.line(*field), reason)


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in RULE_FILE_SUFFIXES)


def _entries(loaded: LoadedYaml) -> Iterator[tuple[PathKey, Any] | DataError]:
    data = loaded.data
    if data is None:
        yield DataError(loaded.path, None, "file is empty; write one rule or a list of rules")
    elif isinstance(data, dict):
        yield (), data
    elif isinstance(data, list):
        if not data:
            yield DataError(loaded.path, loaded.line_of(()), "the list of rules is empty")
        for index, item in enumerate(data):
            yield (index,), item
    else:
        yield DataError(loaded.path, loaded.line_of(()),
                        "a rule file holds one rule (a mapping) or a list of rules")


def _parse(loaded: LoadedYaml, root: PathKey, raw: Any) -> _Parsed | list[DataError]:
    where = loaded.line_of(root)
    if not isinstance(raw, dict):
        return [DataError(loaded.path, where, "a rule is a mapping with id, kind, title, ...")]
    kinds = ", ".join(MODEL_OF_KIND)
    kind = raw.get("kind")
    if kind is None:
        return [DataError(loaded.path, where, f"kind: required field is missing (one of {kinds})")]
    model = MODEL_OF_KIND.get(kind) if isinstance(kind, str) else None
    if model is None:
        return [DataError(loaded.path, loaded.line_of((*root, "kind")),
                          f"kind: {kind!r} is not a rule kind (one of {kinds})")]
    try:
        return _Parsed(validate(loaded, model, root), loaded, root)
    except DataFileError as exc:
        return exc.errors


def _check_window(p: _Parsed, catalog: Catalog) -> list[DataError]:
    rule = p.rule
    if rule.valid_from is None or rule.valid_to is None:
        return []
    window = Window.of(rule.valid_from, rule.valid_to, catalog.timezone)
    if window.is_empty():
        return [p.error(f"valid_to: {rule.valid_to} ends before valid_from {rule.valid_from} starts",
                        "valid_to")]
    return []


def _check_skus(p: _Parsed, catalog: Catalog, field: str, skus: tuple[str, ...],
                shops: frozenset[str] | None) -> list[DataError]:
    errors = []
    for index, sku in enumerate(skus):
        product = catalog.products.get(sku)
        if product is None:
            errors.append(p.error(f"{field}: unknown SKU {sku!r} (not in the catalogue)", field, index))
        elif shops is not None and product.shop not in shops:
            errors.append(p.error(
                f"{field}: {sku} belongs to shop {product.shop!r}, which this rule does not cover",
                field, index))
    return errors


def _check_item_rule(p: _Parsed, rule: ItemDiscountRule, catalog: Catalog) -> list[DataError]:
    errors = _check_skus(p, catalog, "skus", rule.skus, None)
    for index, sku in enumerate(rule.skus):
        product = catalog.products.get(sku)
        if product is None:
            continue
        if rule.amount_off is not None and rule.amount_off >= product.price:
            errors.append(p.error(
                f"amount_off: {format_yuan(rule.amount_off)} is not below the list price "
                f"{format_yuan(product.price)} of {sku}", "amount_off"))
        if rule.price is not None and rule.price >= product.price:
            errors.append(p.error(
                f"price: {format_yuan(rule.price)} is not below the list price "
                f"{format_yuan(product.price)} of {sku}, so nothing would be discounted", "price"))
    seen: set[str] = set()
    for index, sku in enumerate(rule.skus):
        if sku in seen:
            errors.append(p.error(f"skus: {sku} is listed twice", "skus", index))
        seen.add(sku)
    return errors


def _check_threshold_rule(p: _Parsed, rule: ThresholdRule, catalog: Catalog) -> list[DataError]:
    errors: list[DataError] = []
    if isinstance(rule, ShopThresholdRule):
        if rule.shop not in catalog.shops:
            return errors + [p.error(f"shop: unknown shop {rule.shop!r} (not in shops.yaml)", "shop")]
        shops = frozenset({rule.shop})
        if rule.cap_times is not None and not rule.repeats():
            errors.append(p.error("cap_times: needs repeat: every (a once-per-order coupon has "
                                  "no multiples to cap)", "cap_times"))
    else:
        for index, shop_id in enumerate(rule.shops):
            shop = catalog.shops.get(shop_id)
            if shop is None:
                errors.append(p.error(f"shops: unknown shop {shop_id!r} (not in shops.yaml)",
                                      "shops", index))
            elif not shop.in_cross_shop:
                errors.append(p.error(
                    f"shops: {shop_id} does not take part in cross-shop reductions "
                    "(in_cross_shop: false in shops.yaml)", "shops", index))
        if errors:
            return errors
        shops = cross_shop_shops(rule, catalog)
    errors += _check_skus(p, catalog, "skus", rule.skus, shops)
    errors += _check_skus(p, catalog, "exclude_skus", rule.exclude_skus, shops)
    if not any("SKU" in e.reason for e in errors) and not covered_products(rule, catalog):
        errors.append(p.error("the rule covers no product of the catalogue"))
    return errors


def _check_rule(p: _Parsed, catalog: Catalog) -> list[DataError]:
    errors = _check_window(p, catalog)
    if isinstance(p.rule, ItemDiscountRule):
        return errors + _check_item_rule(p, p.rule, catalog)
    return errors + _check_threshold_rule(p, p.rule, catalog)


def _check_across(parsed: list[_Parsed], catalog: Catalog) -> list[DataError]:
    """Duplicate ids, and cross-shop rules that would both apply to one item at one time."""
    errors: list[DataError] = []
    first: dict[str, _Parsed] = {}
    for p in parsed:
        earlier = first.setdefault(p.rule.id, p)
        if earlier is not p:
            errors.append(p.error(
                f"id: duplicate id {p.rule.id!r} (already used at "
                f"{earlier.loaded.path}:{earlier.line('id')})", "id"))
    crosses = [p for p in parsed if isinstance(p.rule, CrossShopRule) and p.rule.enabled
               and first[p.rule.id] is p]
    for i, later in enumerate(crosses):
        for earlier in crosses[:i]:
            a, b = earlier.rule, later.rule
            assert isinstance(a, CrossShopRule) and isinstance(b, CrossShopRule)
            if not Window.of(a.valid_from, a.valid_to, catalog.timezone).overlaps(
                    Window.of(b.valid_from, b.valid_to, catalog.timezone)):
                continue
            shared = ({x.sku for x in covered_products(a, catalog)}
                      & {x.sku for x in covered_products(b, catalog)})
            if shared:
                errors.append(later.error(
                    f"cross-shop rule {b.id!r} overlaps {a.id!r} ({earlier.loaded.path}:"
                    f"{earlier.line('id')}) in time on {', '.join(sorted(shared))}: an item takes "
                    "part in one cross-shop reduction at a time; narrow a window or the SKUs", "id"))
    return errors


def load_rules(directory: Path, catalog: Catalog) -> RuleSet:
    """Validate every rule file under `directory`; raise DataFileError listing all problems."""
    if not directory.is_dir():
        raise DataFileError([DataError(directory, None, "promotion rules directory not found")])
    errors: list[DataError] = []
    parsed: list[_Parsed] = []
    for path in rule_files(directory):
        try:
            loaded = load_yaml(path)
        except DataFileError as exc:
            errors.extend(exc.errors)
            continue
        for entry in _entries(loaded):
            if isinstance(entry, DataError):
                errors.append(entry)
                continue
            result = _parse(loaded, *entry)
            if isinstance(result, list):
                errors.extend(result)
                continue
            errors.extend(_check_rule(result, catalog))
            parsed.append(result)
    errors.extend(_check_across(parsed, catalog))
    if errors:
        raise DataFileError(errors)
    rules = RuleSet(
        tuple(p.rule for p in parsed), catalog.timezone,
        {p.rule.id: RuleSource(p.loaded.path, p.line()) for p in parsed})
    log.info("loaded %d promotion rules from %s", len(rules), directory)
    return rules
