"""The promotion rules as ops write them in `promo_rules/*.yaml`.

Three kinds, matching what platforms publish (see ../shared/promotions.md):
`item_discount` (单品直降 / 限时价), `shop_threshold` (店铺满减 / 店铺券) and `cross_shop`
(跨店每满减). The models check what one rule can check on its own (types, amounts in
fen, a discount below its threshold); checks that need the catalogue or the other files
(unknown SKU or shop, duplicate ids, windows) live in `loader.py` so they can name the
exact line. Models are frozen: a RuleSet never changes once loaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bot.datafiles import StrictModel
from bot.money import Fen, YuanField, format_yuan
from bot.promotions.windows import MomentField


class RuleKind(StrEnum):
    item_discount = "item_discount"
    shop_threshold = "shop_threshold"
    cross_shop = "cross_shop"


class FundedBy(StrEnum):
    """Who pays for the discount; reported with each discount so finance can settle it."""

    merchant = "merchant"
    platform = "platform"


class Repeat(StrEnum):
    """`once`: 满T减D once per order; `every`: 每满T减D, once per full T."""

    once = "once"
    every = "every"


class AllocateBy(StrEnum):
    """The weights an order-level discount is split by.

    `payable` (default, promotions.md): what each line still owes just before this discount,
    so a shop that already gave its own coupon carries less of the cross-shop reduction.
    `after_item_discounts`: the line amounts after item discounts only, the same base the
    threshold is measured on (Taobao's parallel 平行满减 split).
    """

    payable = "payable"
    after_item_discounts = "after_item_discounts"


RULE_ID = r"^[a-z0-9][a-z0-9_-]*$"


class RuleBase(StrictModel):
    id: str = Field(pattern=RULE_ID, max_length=64)
    title: str = Field(min_length=1, description="Shown to buyers, e.g. 跨店每满150减20")
    title_en: str | None = Field(default=None, min_length=1,
                                 description="Shown to English-speaking buyers, e.g. ¥20 off every ¥150")
    enabled: bool = True
    valid_from: MomentField | None = None
    valid_to: MomentField | None = None
    funded_by: FundedBy = FundedBy.merchant
    note: str | None = Field(default=None, description="For ops; never shown to buyers")


class ItemDiscountRule(RuleBase):
    """单品直降: every unit of the listed SKUs costs `amount_off` less, or costs `price`."""

    kind: Literal[RuleKind.item_discount] = RuleKind.item_discount
    skus: tuple[str, ...] = Field(min_length=1)
    amount_off: YuanField | None = Field(default=None, gt=0)
    price: YuanField | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_way_to_discount(self) -> Self:
        if (self.amount_off is None) == (self.price is None):
            raise ValueError("give exactly one of amount_off (e.g. \"10.00\") or price (e.g. \"88.00\")")
        return self

    def off_per_unit(self, list_fen: Fen) -> Fen:
        """The fen taken off one unit listed at `list_fen`; never below zero, never above it."""
        if self.amount_off is not None:
            return min(self.amount_off, list_fen)
        assert self.price is not None
        return max(0, list_fen - self.price)


class ThresholdRuleBase(RuleBase):
    threshold: YuanField = Field(gt=0, description="满 T: measured after item discounts, ≥ counts")
    discount: YuanField = Field(gt=0, description="减 D, must be below the threshold")
    cap_times: int | None = Field(default=None, ge=1, description="at most this many multiples")
    skus: tuple[str, ...] = Field(default=(), description="only these SKUs (empty: all covered)")
    exclude_skus: tuple[str, ...] = ()
    allocate_by: AllocateBy = AllocateBy.payable

    def repeats(self) -> bool:
        return True

    def times_met(self, eligible_fen: Fen) -> int:
        """How many times the threshold is met; >= counts, so 150.00 qualifies and 149.99 not."""
        if eligible_fen < self.threshold:
            return 0
        if not self.repeats():
            return 1
        times = eligible_fen // self.threshold
        return times if self.cap_times is None else min(times, self.cap_times)

    def next_target(self, eligible_fen: Fen) -> Fen | None:
        """The eligible amount that earns one more discount, or None when no more can be had."""
        times = self.times_met(eligible_fen)
        if times and not self.repeats():
            return None
        if self.cap_times is not None and times >= self.cap_times:
            return None
        return (times + 1) * self.threshold

    @field_validator("discount")
    @classmethod
    def _discount_below_threshold(cls, value: Fen, info: ValidationInfo) -> Fen:
        threshold = info.data.get("threshold")
        if threshold is not None and value >= threshold:
            raise ValueError(
                f"{format_yuan(value)} is not below the threshold {format_yuan(threshold)}; "
                "满T减D needs D < T")
        return value


class ShopThresholdRule(ThresholdRuleBase):
    """店铺满减: 满T减D on one shop's items, once per order or per full multiple."""

    kind: Literal[RuleKind.shop_threshold] = RuleKind.shop_threshold
    shop: str
    repeat: Repeat = Repeat.once

    def repeats(self) -> bool:
        return self.repeat is Repeat.every


class CrossShopRule(ThresholdRuleBase):
    """跨店每满减: every full T of eligible items across the shops takes D off.

    `shops` empty means every shop marked `in_cross_shop: true` in shop/shops.yaml.
    """

    kind: Literal[RuleKind.cross_shop] = RuleKind.cross_shop
    shops: tuple[str, ...] = ()


ThresholdRule = ShopThresholdRule | CrossShopRule
Rule = ItemDiscountRule | ShopThresholdRule | CrossShopRule

MODEL_OF_KIND: dict[str, type[ItemDiscountRule] | type[ShopThresholdRule] | type[CrossShopRule]] = {
    RuleKind.item_discount.value: ItemDiscountRule,
    RuleKind.shop_threshold.value: ShopThresholdRule,
    RuleKind.cross_shop.value: CrossShopRule,
}
