"""What a priced cart looks like: the answer the bot explains and the JSON ops inspect.

Frozen values only; per-rule maps are read-only views so a quote handed to a template
or cached for a follow-up question cannot be changed under anyone's feet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.money import Fen
from bot.promotions.models import FundedBy, ItemDiscountRule, RuleKind


@dataclass(frozen=True)
class CartLine:
    """What the buyer wants: a SKU and how many."""

    sku: str
    qty: int = 1


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    shop: str
    qty: int
    unit_list_fen: Fen
    list_fen: Fen
    item_discount_fen: Fen
    item_rule: str | None
    shares: Mapping[str, Fen]
    payable_fen: Fen

    @property
    def after_item_fen(self) -> Fen:
        """The amount thresholds are measured on."""
        return self.list_fen - self.item_discount_fen

    @property
    def shares_fen(self) -> Fen:
        return sum(self.shares.values())


@dataclass(frozen=True)
class Discount:
    """One order-level discount as applied: what it took off and who carries it.

    `amount_fen` is what the buyer actually gets: `times * per_times_fen` minus any fen
    forfeited because a line had nothing left to carry its share.
    """

    rule: str
    title: str
    kind: RuleKind
    amount_fen: Fen
    by_shop: Mapping[str, Fen]
    funded_by: FundedBy
    times: int
    threshold_fen: Fen
    per_times_fen: Fen
    eligible_fen: Fen
    nominal_fen: Fen

    @property
    def forfeited_fen(self) -> Fen:
        return self.nominal_fen - self.amount_fen


@dataclass(frozen=True)
class Suggestion:
    """An in-stock eligible item that closes the 凑单 gap, and by how much it overshoots."""

    sku: str
    qty: int
    adds_fen: Fen
    overshoot_fen: Fen


@dataclass(frozen=True)
class NextThreshold:
    """How much more eligible amount reaches the next threshold, and what that is worth."""

    rule: str
    title: str
    kind: RuleKind
    eligible_fen: Fen
    target_fen: Fen
    short_by_fen: Fen
    gain_fen: Fen
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True)
class Quote:
    at: datetime
    lines: tuple[QuoteLine, ...]
    discounts: tuple[Discount, ...]
    list_fen: Fen
    item_discount_fen: Fen
    payable_fen: Fen
    payable_by_shop: Mapping[str, Fen]
    next_threshold: NextThreshold | None = field(default=None)

    @property
    def saved_fen(self) -> Fen:
        return self.list_fen - self.payable_fen


@dataclass(frozen=True)
class UnitPrice:
    """What one unit costs right now, and the item rule that makes it so (if any)."""

    list_fen: Fen
    price_fen: Fen
    rule: ItemDiscountRule | None

    @property
    def off_fen(self) -> Fen:
        return self.list_fen - self.price_fen
