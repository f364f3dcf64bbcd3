"""The shops' own data: shops, products, stock, size charts, policies, orders, people.

Loaded from the YAML files under `shop/` into immutable models. Every fact a buyer is told
comes from here (through templates), so editing a file changes the answer. Cross-file
references (a product's shop, an order's SKU) are checked at load time and reported with
file and line like any other mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from bot.clock import TimeZoneName
from bot.datafiles import DataError, DataFileError, LoadedYaml, StrictModel, load_yaml, validate
from bot.money import YuanField

# Orders moved to bot.shop.orders; OrderItem and OrderStatus stay importable from here.
from bot.shop.orders import ONE_SIZE, Order, OrderItem, OrderRecord, OrderStatus, resolve_order  # noqa: F401


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


class ShopText(StrictModel):
    """A shop's words in another locale (`en:` in shops.yaml); missing ones fall back."""

    name: str | None = None
    courier: str | None = None


class Shop(StrictModel):
    id: str
    name: str
    ships_within_hours: int = Field(gt=0)
    courier: str
    in_cross_shop: bool = False
    returns: ReturnPolicy
    en: ShopText | None = None


class ShippingText(StrictModel):
    remote_regions: tuple[str, ...] = ()
    """In the order of the remote_regions they translate."""


class ShippingPolicy(StrictModel):
    fee: YuanField = 0
    remote_regions: tuple[str, ...] = ()
    remote_surcharge: YuanField = 0
    en: ShippingText | None = None


class SizeRange(StrictModel):
    height: tuple[int, int]
    weight: tuple[int, int]

    @field_validator("height", "weight")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] > value[1]:
            raise ValueError(f"range {list(value)} goes down; write it as [low, high]")
        return value


class ProductText(StrictModel):
    """A product's words in another locale (`en:` in products.yaml); missing ones fall back."""

    name: str | None = None
    material: str | None = None
    colours: tuple[str, ...] = ()
    """In the order of the colours they translate."""
    notes: str | None = None
    custom_note: str | None = None


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
    en: ProductText | None = None

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
    supervisor = "supervisor"
    """Sees every agent's and shop's figures and conversations (console); may close, hand
    back or transfer a conversation another agent holds."""
    ops = "ops"


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

    def ops_accounts(self, extra: Iterable[int] = ()) -> list[int]:
        """Who gets ops notices: staff with the ops role, plus `extra` (the OPS_IDS setting)."""
        return sorted(set(extra) | {s.id for s in self.staff.values() if Role.ops in s.roles})

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
        orders={r.id: resolve_order(r, now) for r in orders_file.orders},
        buyers={b.id: b for b in people_file.buyers},
        staff={s.id: s for s in people_file.staff},
        loaded_at=now,
        source=directory,
    )
