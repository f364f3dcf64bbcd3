"""Which products a rule applies to.

Kept as one predicate so pricing, 凑单 suggestions and the loader's "matches nothing"
check can never disagree about eligibility. It is evaluated against the catalogue given
at pricing time, so a product added to shop/ joins a shop or cross-shop rule at once.
"""

from __future__ import annotations

from bot.promotions.models import CrossShopRule, ItemDiscountRule, Rule, ShopThresholdRule
from bot.shop.catalog import Catalog, Product


def cross_shop_shops(rule: CrossShopRule, catalog: Catalog) -> frozenset[str]:
    """The shops taking part: those named, or every shop marked in_cross_shop."""
    if rule.shops:
        return frozenset(rule.shops)
    return frozenset(shop.id for shop in catalog.shops.values() if shop.in_cross_shop)


def covers(rule: Rule, product: Product, catalog: Catalog) -> bool:
    """True when `product` counts toward (and shares in) `rule`."""
    if isinstance(rule, ItemDiscountRule):
        return product.sku in rule.skus
    if product.sku in rule.exclude_skus or (rule.skus and product.sku not in rule.skus):
        return False
    if isinstance(rule, ShopThresholdRule):
        return product.shop == rule.shop
    return product.shop in cross_shop_shops(rule, catalog)


def covered_products(rule: Rule, catalog: Catalog) -> list[Product]:
    return [p for p in catalog.products.values() if covers(rule, p, catalog)]



class Coverage:
    """`covers` memoised for one pricing run over one catalogue.

    A 1,000-line cart asks the same (rule, SKU) question many times, and the cross-shop
    shop set would otherwise be rebuilt for every line; the memo lives only as long as the
    run, so a reloaded catalogue or rule set is never answered from stale data.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._answers: dict[tuple[str, str], bool] = {}
        self._shops: dict[str, frozenset[str]] = {}

    def __call__(self, rule: Rule, product: Product) -> bool:
        key = (rule.id, product.sku)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._covers(rule, product)
        return answer

    def _covers(self, rule: Rule, product: Product) -> bool:
        if not isinstance(rule, CrossShopRule):
            return covers(rule, product, self.catalog)
        if product.sku in rule.exclude_skus or (rule.skus and product.sku not in rule.skus):
            return False
        shops = self._shops.get(rule.id)
        if shops is None:
            shops = self._shops[rule.id] = cross_shop_shops(rule, self.catalog)
        return product.shop in shops
