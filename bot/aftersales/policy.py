"""Each shop's after-sales policy, from shop/aftersales.yaml (checked against the catalogue).

Held beside the catalogue in the knowledge snapshot, so an edit reaches the next
decision and a broken file keeps the last good policy live.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

from bot.datafiles import DataError, DataFileError, StrictModel, load_yaml, validate
from bot.money import Fen, YuanField
from bot.shop.catalog import Catalog


class Reason(StrEnum):
    changed_mind = "changed_mind"
    quality = "quality"
    wrong_item = "wrong_item"
    size = "size"
    other = "other"


QUALITY_REASONS = frozenset({Reason.quality, Reason.wrong_item})
"""Reasons that are the shop's fault: accepted whatever the no-reason rules say."""


class OfferKind(StrEnum):
    gift = "gift"
    coupon = "coupon"


class Offer(StrictModel):
    kind: OfferKind
    name: str
    value: YuanField = Field(ge=0)


class Retention(StrictModel):
    enabled: bool = False
    reasons: tuple[Reason, ...] = (Reason.changed_mind,)
    min_refund: YuanField = Field(default=0, ge=0)
    offer: Offer | None = None

    @model_validator(mode="after")
    def _offer_when_enabled(self) -> Retention:
        if self.enabled and self.offer is None:
            raise ValueError("retention is enabled but says no offer")
        return self


class Coupon(StrictModel):
    name: str
    amount: YuanField = Field(gt=0)
    min_spend: YuanField = Field(default=0, ge=0)
    valid_days: int = Field(default=30, gt=0)


class RefundDestination(StrEnum):
    original_payment = "original_payment"
    shop_balance = "shop_balance"


class RefundTiming(StrictModel):
    working_days: int = Field(default=3, ge=0)
    destination: RefundDestination = RefundDestination.original_payment


class PickupMode(StrEnum):
    door = "door"
    self_send = "self_send"


class Pickup(StrictModel):
    mode: PickupMode = PickupMode.door
    courier: str | None = None
    fee: YuanField = Field(default=0, ge=0)
    covered_by: str | None = None


class Exchange(StrictModel):
    fee: YuanField = Field(default=0, ge=0)
    covered_by: str | None = None


class Review(StrictModel):
    days_after_receipt: int = Field(default=5, gt=0)


class QuietHours(StrictModel):
    """Shop-time hours in which the bot writes to nobody unprompted (reminders, invitations)."""

    start: time = time(21, 30)
    end: time = time(9, 0)

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class PaymentReminder(StrictModel):
    after_minutes: int = Field(default=30, gt=0)
    """Remind an unpaid order once, this long after it was placed..."""
    within_hours: int = Field(default=24, gt=0)
    """...and never once it is older than this (the order has lapsed)."""


class Defaults(StrictModel):
    photos_for: tuple[Reason, ...] = (Reason.quality, Reason.wrong_item)
    refund: RefundTiming = RefundTiming()
    review: Review = Review()
    quiet_hours: QuietHours = QuietHours()
    payment_reminder: PaymentReminder = PaymentReminder()


class ShopAftersales(StrictModel):
    retention: Retention = Retention()
    decline_coupon: Coupon | None = None
    photos_for: tuple[Reason, ...] | None = None
    refund: RefundTiming | None = None
    pickup: Pickup = Pickup()
    exchange: Exchange = Exchange()
    review: Review | None = None


class AftersalesFile(StrictModel):
    defaults: Defaults = Defaults()
    shops: dict[str, ShopAftersales] = Field(default_factory=dict)


class AftersalesPolicy:
    """The policy of every shop, with the defaults filled in."""

    def __init__(self, data: AftersalesFile) -> None:
        self._data = data

    def shop(self, shop_id: str) -> ShopAftersales:
        return self._data.shops.get(shop_id) or ShopAftersales()

    def photos_for(self, shop_id: str) -> frozenset[Reason]:
        own = self.shop(shop_id).photos_for
        return frozenset(self._data.defaults.photos_for if own is None else own)

    def refund(self, shop_id: str) -> RefundTiming:
        return self.shop(shop_id).refund or self._data.defaults.refund

    def review_days(self, shop_id: str) -> int:
        return (self.shop(shop_id).review or self._data.defaults.review).days_after_receipt

    @property
    def quiet_hours(self) -> QuietHours:
        return self._data.defaults.quiet_hours

    @property
    def payment_reminder(self) -> PaymentReminder:
        return self._data.defaults.payment_reminder

    def retention_offer(self, shop_id: str, reason: Reason, refund_fen: Fen) -> Offer | None:
        retention = self.shop(shop_id).retention
        if not retention.enabled or reason not in retention.reasons or refund_fen < retention.min_refund:
            return None
        return retention.offer


def load_aftersales(path: Path, catalog: Catalog) -> AftersalesPolicy:
    """Load the policy file; every shop named must exist in the catalogue."""
    loaded = load_yaml(path)
    data = validate(loaded, AftersalesFile)
    errors = [DataError(loaded.path, loaded.line_of(("shops", shop_id)), f"unknown shop {shop_id!r}")
              for shop_id in data.shops if shop_id not in catalog.shops]
    if errors:
        raise DataFileError(errors)
    return AftersalesPolicy(data)
