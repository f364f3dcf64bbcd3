"""Item direct discounts (单品直降): the live price of one unit.

Shared by pricing, the 凑单 suggestions and the price FAQ so that "多少钱" and the cart
breakdown always quote the same unit price.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.money import Fen
from bot.promotions.errors import UnknownSku
from bot.promotions.models import ItemDiscountRule
from bot.promotions.quote import UnitPrice
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog, Product


def product_of(catalog: Catalog, sku: str) -> Product:
    product = catalog.products.get(sku)
    if product is None:
        raise UnknownSku(sku)
    return product


def best_item_rule(rules: Iterable[ItemDiscountRule], sku: str, list_fen: Fen) -> ItemDiscountRule | None:
    """The item discount a buyer gets: item discounts do not stack, the largest applies.

    Ties go to the smaller rule id so the answer never depends on file order.
    """
    offers = [(-rule.off_per_unit(list_fen), rule.id, rule) for rule in rules if sku in rule.skus]
    offers = [offer for offer in offers if offer[0] < 0]
    return min(offers)[2] if offers else None


def live_unit_price(catalog: Catalog, rules: RuleSet, sku: str, at: datetime) -> UnitPrice:
    """The price per unit after an active item direct discount (MX-LONGJING 98.00 -> 88.00)."""
    product = product_of(catalog, sku)
    rule = best_item_rule(rules.active_item_rules(at), sku, product.price)
    price = product.price - (rule.off_per_unit(product.price) if rule else 0)
    return UnitPrice(product.price, price, rule)
