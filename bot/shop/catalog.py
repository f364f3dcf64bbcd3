"""The shops' own data: shops, products, stock, size charts, policies, orders, people.

Loaded from the YAML files under `shop/` into immutable models. Every fact a buyer is told
comes from here (through templates), so editing a file changes the answer. Cross-file
references (a product's shop, an order's SKU) are checked at load time and reported with
file and line like any other mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, field_validator, model_validator

from bot.clock import TimeZoneName
from bot.datafiles import DataError, DataFileError, LoadedYaml, StrictModel, load_yaml, validate
from bot.money import Fen, YuanField

ONE_SIZE = "one"
"""The stock key of goods that come in one size."""


class ReturnCondition(StrEnum):
    unopened = "unopened"


class QualityClaim(StrictModel):
    within_hours: int = Field(gt=0)
    evidence: str = "photos"
    remedy: str = "refund_or_resend"


class ReturnPolicy(StrictModel):
    no_reason_days: int = Field(ge=0)
    condition: ReturnCondition | None = None
    shipping_covered_by: str | None = None
    quality_claim: QualityClaim | None = None


class Shop(StrictModel):
    id: str
    name: str
    ships_within_hours: int = Field(gt=0)
    courier: str
    in_cross_shop: bool = False
    returns: ReturnPolicy


class ShippingPolicy(StrictModel):
    fee: YuanField = 0
    remote_regions: tuple[str, ...] = ()
    remote_surcharge: YuanField = 0


class SizeRange(StrictModel):
    height: tuple[int, int]
    weight: tuple[int, int]

    @field_validator("height", "weight")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] > value[1]:
            raise ValueError(f"range {list(value)} goes down; write it as [low, high]")
        return value


class Product(StrictModel):
    sku: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    shop: str
    name: str
    aliases: tuple[str, ...] = ()
    price: YuanField = Field(ge=0)
    stock: dict[str, int]
    colours: tuple[str, ...] = ()
    material: str | None = None
    notes: str | None = None
    custom: bool = False
    custom_note: str | None = None
    fresh: bool = False
    ships_within_hours: int | None = Field(default=None, gt=0)
    size_chart: dict[str, SizeRange] = {}

    @field_validator("stock")
    @classmethod
    def _stock_not_negative(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [size for size, n in value.items() if n < 0]
        if bad:
            raise ValueError(f"stock of {', '.join(bad)} is negative")
        if not value:
            raise ValueError("stock needs at least one size (use `one: N` for one-size goods)")
        return value

    @model_validator(mode="after")
    def _chart_sizes_exist(self) -> Self:
        unknown = [s for s in self.size_chart if s not in self.stock]
        if unknown:
            raise ValueError(f"size chart lists {', '.join(unknown)}, which is not in stock sizes")
        return self

    @property
    def sizes(self) -> tuple[str, ...]:
        return tuple(s for s in self.stock if s != ONE_SIZE)

    @property
    def one_size(self) -> bool:
        return not self.sizes

    @property
    def total_stock(self) -> int:
        return sum(self.stock.values())


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


class Tier(StrEnum):
    normal = "normal"
    potential = "potential"
    core = "core"
    vip = "vip"


class Buyer(StrictModel):
    id: int
    name: str
    tier: Tier = Tier.normal


class Role(StrEnum):
    agent = "agent"
    ops = "ops"
    supervisor = "supervisor"  # may close, hand back or transfer any conversation, held by anyone


class Staff(StrictModel):
    id: int
    name: str
    shops: tuple[str, ...] = ()
    roles: tuple[Role, ...] = (Role.agent,)


class ShopsFile(StrictModel):
    timezone: TimeZoneName = "Asia/Shanghai"
    shipping: ShippingPolicy = ShippingPolicy()
    shops: tuple[Shop, ...] = Field(min_length=1)


class ProductsFile(StrictModel):
    products: tuple[Product, ...] = Field(min_length=1)


class OrdersFile(StrictModel):
    orders: tuple[OrderRecord, ...] = ()


class PeopleFile(StrictModel):
    buyers: tuple[Buyer, ...] = ()
    staff: tuple[Staff, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """Everything the shops know, immutable; a reload builds a new one and swaps it in."""

    timezone: ZoneInfo
    shipping: ShippingPolicy
    shops: dict[str, Shop]
    products: dict[str, Product]
    orders: dict[str, Order]
    buyers: dict[int, Buyer]
    staff: dict[int, Staff]
    loaded_at: datetime
    source: Path = field(default=Path("shop"))

    def shop_of(self, product: Product) -> Shop:
        return self.shops[product.shop]

    def ships_within_hours(self, product: Product) -> int:
        return product.ships_within_hours or self.shop_of(product).ships_within_hours

    def orders_of(self, buyer_id: int) -> list[Order]:
        return sorted((o for o in self.orders.values() if o.buyer == buyer_id), key=lambda o: o.id)

    def order_for(self, order_id: str, buyer_id: int) -> Order | None:
        """The order only if it belongs to this buyer: another buyer's number reveals nothing."""
        order = self.orders.get(order_id)
        return order if order is not None and order.buyer == buyer_id else None

    def is_ops(self, user_id: int) -> bool:
        person = self.staff.get(user_id)
        return person is not None and Role.ops in person.roles

    def is_agent(self, user_id: int) -> bool:
        person = self.staff.get(user_id)
        return person is not None and Role.agent in person.roles

    def is_supervisor(self, user_id: int) -> bool:
        person = self.staff.get(user_id)
        return person is not None and Role.supervisor in person.roles

    def serves(self, user_id: int, shop: str) -> bool:
        """Whether this agent serves the shop (may take its conversations, be given them)."""
        person = self.staff.get(user_id)
        return person is not None and Role.agent in person.roles and shop in person.shops


SHOP_FILES = ("shops.yaml", "products.yaml", "orders.yaml", "people.yaml")


def _unique(loaded: LoadedYaml, section: str, ids: list[object]) -> list[DataError]:
    seen: set[object] = set()
    errors = []
    for i, ident in enumerate(ids):
        if ident in seen:
            errors.append(DataError(loaded.path, loaded.line_of((section, i)), f"duplicate id {ident!r}"))
        seen.add(ident)
    return errors


def _resolve_order(record: OrderRecord, now: datetime) -> Order:
    def at(age: timedelta | None) -> datetime | None:
        return None if age is None else now - age

    return Order(
        id=record.id, buyer=record.buyer, shop=record.shop, items=record.items,
        status=record.status, paid_fen=record.paid, placed_at=at(record.placed_ago or record.paid_ago),
        paid_at=at(record.paid_ago), shipped_at=at(record.shipped_ago),
        received_at=at(record.received_ago), tracking=record.tracking,
    )


def load_catalog(directory: Path, now: datetime) -> Catalog:
    """Load and cross-check every file under `directory`; raise DataFileError listing all problems."""
    errors: list[DataError] = []
    loaded: dict[str, LoadedYaml] = {}
    for name in SHOP_FILES:
        try:
            loaded[name] = load_yaml(directory / name)
        except DataFileError as exc:
            errors.extend(exc.errors)
    if errors:
        raise DataFileError(errors)

    def parse(name: str, model: type) -> object:
        try:
            return validate(loaded[name], model)
        except DataFileError as exc:
            errors.extend(exc.errors)
            return None

    shops_file = parse("shops.yaml", ShopsFile)
    products_file = parse("products.yaml", ProductsFile)
    orders_file = parse("orders.yaml", OrdersFile)
    people_file = parse("people.yaml", PeopleFile)
    if errors:
        raise DataFileError(errors)
    assert isinstance(shops_file, ShopsFile) and isinstance(products_file, ProductsFile)
    assert isinstance(orders_file, OrdersFile) and isinstance(people_file, PeopleFile)

    errors += _unique(loaded["shops.yaml"], "shops", [s.id for s in shops_file.shops])
    errors += _unique(loaded["products.yaml"], "products", [p.sku for p in products_file.products])
    errors += _unique(loaded["orders.yaml"], "orders", [o.id for o in orders_file.orders])
    shops = {s.id: s for s in shops_file.shops}
    products = {p.sku: p for p in products_file.products}

    pf = loaded["products.yaml"]
    for i, product in enumerate(products_file.products):
        if product.shop not in shops:
            errors.append(DataError(pf.path, pf.line_of(("products", i, "shop")),
                                    f"shop {product.shop!r} of {product.sku} is not in shops.yaml"))
    of = loaded["orders.yaml"]
    for i, record in enumerate(orders_file.orders):
        if record.shop not in shops:
            errors.append(DataError(of.path, of.line_of(("orders", i, "shop")),
                                    f"order {record.id}: unknown shop {record.shop!r}"))
        for j, item in enumerate(record.items):
            where = of.line_of(("orders", i, "items", j))
            product = products.get(item.sku)
            if product is None:
                errors.append(DataError(of.path, where, f"order {record.id}: unknown SKU {item.sku!r}"))
            elif item.size not in product.stock:
                errors.append(DataError(of.path, where,
                                        f"order {record.id}: {item.sku} has no size {item.size!r}"))
            elif product.shop != record.shop:
                errors.append(DataError(of.path, where,
                                        f"order {record.id}: {item.sku} belongs to shop {product.shop!r}"))
    people = loaded["people.yaml"]
    for i, person in enumerate(people_file.staff):
        for shop_id in person.shops:
            if shop_id not in shops:
                errors.append(DataError(people.path, people.line_of(("staff", i, "shops")),
                                        f"staff {person.id}: unknown shop {shop_id!r}"))
    if errors:
        raise DataFileError(errors)

    return Catalog(
        timezone=ZoneInfo(shops_file.timezone),
        shipping=shops_file.shipping,
        shops=shops,
        products=products,
        orders={r.id: _resolve_order(r, now) for r in orders_file.orders},
        buyers={b.id: b for b in people_file.buyers},
        staff={s.id: s for s in people_file.staff},
        loaded_at=now,
        source=directory,
    )
