"""Tiers and automatic tags from a buyer's orders: pure functions over plain data.

Spend is what the orders paid (re-priced at payment when the order source gives no
amount), so tiers use the same fen as refunds. VIP is set by hand, never computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from bot.datafiles import StrictModel, load_model
from bot.money import Fen, YuanField
from bot.promotions.pricing import price_cart
from bot.promotions.quote import CartLine
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog, Tier
from bot.shop.orders import Order


class TierRule(StrictModel):
    tier: Tier
    min_spend: YuanField = Field(default=0, ge=0)
    min_orders: int = Field(default=0, ge=0)
    within_days: int | None = Field(default=None, gt=0)


class TierRules(StrictModel):
    tiers: tuple[TierRule, ...] = ()


def load_tier_rules(path: Path) -> TierRules:
    rules = load_model(path, TierRules)
    return rules


class AutoTag(StrEnum):
    purchased = "purchased"
    unpaid = "unpaid"
    inquiry = "inquiry"
    aftersales = "aftersales"
    complaint = "complaint"


@dataclass(frozen=True)
class Standing:
    tier: Tier
    spend_fen: Fen
    paid_orders: int
    last_paid_at: datetime | None
    tags: tuple[AutoTag, ...]


def order_spend(catalog: Catalog, rules: RuleSet, order: Order) -> Fen:
    """What a paid order paid: its recorded amount, else the order re-priced at payment."""
    if order.paid_at is None:
        return 0
    if order.paid_fen is not None:
        return order.paid_fen
    return price_cart(catalog, rules, [CartLine(i.sku, i.qty) for i in order.items], order.paid_at).payable_fen


def tier_for(rules: TierRules, spend_fen: Fen, paid_orders: int, last_paid_at: datetime | None,
             now: datetime, manual: Tier | None = None) -> Tier:
    if manual == Tier.vip:
        return Tier.vip
    for rule in rules.tiers:
        if rule.tier == Tier.vip:
            continue
        recent = rule.within_days is None or (
            last_paid_at is not None and now - last_paid_at <= timedelta(days=rule.within_days))
        if spend_fen >= rule.min_spend and paid_orders >= rule.min_orders and recent and paid_orders > 0:
            return rule.tier
    return manual or Tier.normal


def standing(catalog: Catalog, rules: RuleSet, tier_rules: TierRules, orders: list[Order], now: datetime, *,
             manual: Tier | None = None, cases: int = 0, disputed: int = 0) -> Standing:
    paid = [o for o in orders if o.paid_at is not None]
    spend = sum(order_spend(catalog, rules, o) for o in paid)
    last = max((o.paid_at for o in paid if o.paid_at is not None), default=None)
    tags = [AutoTag.purchased if paid else AutoTag.unpaid if orders else AutoTag.inquiry]
    if cases:
        tags.append(AutoTag.aftersales)
    if disputed:
        tags.append(AutoTag.complaint)
    return Standing(tier_for(tier_rules, spend, len(paid), last, now, manual), spend, len(paid), last, tuple(tags))
