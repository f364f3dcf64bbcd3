"""Orders, and the interface behind which a shop keeps them.

The bot never needs to own orders: it asks an `OrderSource`. The bundled demo shops keep
theirs in `shop/orders.yaml` with ages ("3d") instead of instants, resolved against the
moment the data loads so the demo always looks current (`DemoOrders`).

How a real shop plugs in its own orders: write a class with the two async methods of
`OrderSource` that asks the shop's order system (an HTTP API, a database), returning
`Order` values (amounts in integer fen, instants time-zone aware), and pass it to
`build_runtime(..., orders=YourSource(...))`. `order_for` must return None for an order
of another buyer, exactly as for an unknown number, so nothing is revealed; the bot
never lists or searches orders in any other way. The catalogue (products, prices,
promotion rules) must still describe the items, because refunds are computed by
re-pricing the order as it was at payment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Protocol, Self

from pydantic import BeforeValidator, Field, model_validator

from bot.datafiles import StrictModel
from bot.money import Fen, YuanField

ONE_SIZE = "one"
"""The stock key of goods that come in one size."""


class OrderStatus(StrEnum):
    unpaid = "unpaid"
    paid = "paid"
    shipped = "shipped"
    received = "received"


_AGE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _parse_age(value: object) -> object:
    if isinstance(value, str):
        match = _AGE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not an age like 30m, 1h or 3d")
        return timedelta(**{_AGE_UNITS[match[2]]: int(match[1])})
    return value


Age = Annotated[timedelta, BeforeValidator(_parse_age)]


class OrderItem(StrictModel):
    sku: str
    size: str = ONE_SIZE
    qty: int = Field(default=1, gt=0)


class OrderRecord(StrictModel):
    """An order as written in orders.yaml, with ages instead of instants."""

    id: str = Field(pattern=r"^\d{3,20}$")
    buyer: int
    shop: str
    items: tuple[OrderItem, ...] = Field(min_length=1)
    status: OrderStatus
    paid: YuanField | None = None
    placed_ago: Age | None = None
    paid_ago: Age | None = None
    shipped_ago: Age | None = None
    received_ago: Age | None = None
    tracking: str | None = None

    @model_validator(mode="after")
    def _stage_has_its_times(self) -> Self:
        needs = {
            OrderStatus.paid: ("paid_ago",),
            OrderStatus.shipped: ("paid_ago", "shipped_ago"),
            OrderStatus.received: ("paid_ago", "shipped_ago", "received_ago"),
        }.get(self.status, ())
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.status} order needs {', '.join(missing)}")
        return self


@dataclass(frozen=True)
class Order:
    id: str
    buyer: int
    shop: str
    items: tuple[OrderItem, ...]
    status: OrderStatus
    paid_fen: Fen | None
    placed_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    tracking: str | None


def resolve_order(record: OrderRecord, now: datetime) -> Order:
    """An order record with its ages turned into instants, relative to `now` (load time)."""
    def at(age: timedelta | None) -> datetime | None:
        return None if age is None else now - age

    return Order(
        id=record.id, buyer=record.buyer, shop=record.shop, items=record.items,
        status=record.status, paid_fen=record.paid, placed_at=at(record.placed_ago or record.paid_ago),
        paid_at=at(record.paid_ago), shipped_at=at(record.shipped_ago),
        received_at=at(record.received_ago), tracking=record.tracking,
    )


class OrderSource(Protocol):
    """Where the bot reads a buyer's orders. Async because a real shop's orders live elsewhere."""

    async def order_for(self, order_id: str, buyer_id: int) -> Order | None:
        """The order only if it belongs to this buyer: another buyer's number reveals nothing."""
        ...

    async def orders_of(self, buyer_id: int) -> list[Order]:
        """The buyer's orders, oldest number first."""
        ...

    async def recent(self, since: datetime) -> list[Order]:
        """Orders placed or received since `since`, for the follow-up rounds (reminders,
        review invitations); a shop's API usually has exactly this query."""
        ...


class DemoOrders:
    """The demo shops' orders from shop/orders.yaml, read from the live data snapshot.

    `current` returns the orders of the snapshot in force, so a reload of the data
    files takes effect at once.
    """

    def __init__(self, current: Callable[[], Mapping[str, Order]]) -> None:
        self._current = current

    @classmethod
    def of(cls, orders: Mapping[str, Order]) -> DemoOrders:
        return cls(lambda: orders)

    def get(self, order_id: str) -> Order | None:
        """Any order by number: for staff tools (the CLI), never for a buyer's request."""
        return self._current().get(order_id)

    async def order_for(self, order_id: str, buyer_id: int) -> Order | None:
        order = self._current().get(order_id)
        return order if order is not None and order.buyer == buyer_id else None

    async def recent(self, since: datetime) -> list[Order]:
        def latest(o: Order) -> datetime | None:
            return max((t for t in (o.placed_at, o.received_at) if t is not None), default=None)

        return sorted((o for o in self._current().values() if (t := latest(o)) is not None and t >= since),
                      key=lambda o: o.id)

    async def orders_of(self, buyer_id: int) -> list[Order]:
        return sorted((o for o in self._current().values() if o.buyer == buyer_id), key=lambda o: o.id)
