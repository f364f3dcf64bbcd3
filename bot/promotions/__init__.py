"""Promotions: rule files, cart pricing to the fen, allocation, 凑单 hints and refunds.

Pure domain code: no I/O except `load_rules` reading the rule files, no clock (callers
pass the instant), no globals. The bot holds one RuleSet and swaps it whole on reload.
"""

from bot.promotions.allocation import allocate, split_units
from bot.promotions.as_json import quote_as_json, refund_as_json
from bot.promotions.errors import (
    InvalidQuantity,
    PromotionInputError,
    RefundError,
    RepricingMismatch,
    UnknownSku,
)
from bot.promotions.item_prices import live_unit_price
from bot.promotions.loader import load_rules
from bot.promotions.models import (
    AllocateBy,
    CrossShopRule,
    FundedBy,
    ItemDiscountRule,
    Repeat,
    Rule,
    RuleKind,
    ShopThresholdRule,
)
from bot.promotions.pricing import price_cart
from bot.promotions.quote import (
    CartLine,
    Discount,
    NextThreshold,
    Quote,
    QuoteLine,
    Suggestion,
    UnitPrice,
)
from bot.promotions.refunds import Refund, RefundLine, refund_for
from bot.promotions.ruleset import RuleSet, RuleSource, active_cross_shop_rules

__all__ = [
    "AllocateBy", "CartLine", "CrossShopRule", "Discount", "FundedBy", "InvalidQuantity",
    "ItemDiscountRule", "NextThreshold", "PromotionInputError", "Quote", "QuoteLine", "Refund",
    "RefundError", "RefundLine", "RepricingMismatch", "Repeat", "Rule", "RuleKind", "RuleSet",
    "RuleSource", "ShopThresholdRule", "Suggestion", "UnitPrice", "UnknownSku",
    "active_cross_shop_rules", "allocate", "live_unit_price", "load_rules", "price_cart",
    "quote_as_json", "refund_as_json", "refund_for", "split_units",
]
