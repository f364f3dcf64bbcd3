"""Which products a rule applies to.

Kept as one predicate so pricing, 凑单 suggestions and the loader's "matches nothing"
check can never disagree about eligibility. It is evaluated against the catalogue given
at pricing time, so a product added to shop/ joins a shop or cross-shop rule at once.
"""

from __future__ import annotations

from bot.catalog import Catalog, Product
from bot.promotions.models import CrossShopRule, ItemDiscountRule, Rule, ShopThresholdRule


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

