"""Facts pulled out of canonical text: body measurements, sizes, order numbers, products."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.shop.catalog import Catalog
from bot.understanding.normalize import Normalizer
from bot.understanding.slots import (
    Body,
    ProductIndex,
    body_measurements,
    order_number,
    quantity_mentioned,
    size_mentioned,
)

NORMALIZE = Normalizer({})


def canon(raw: str) -> str:
    return NORMALIZE(raw).text


@pytest.mark.parametrize(("raw", "height", "weight"), [
    ("160 50kg", 160, "50"),
    ("1米6 100斤", 160, "50"),
    ("一米六 一百斤", 160, "50"),
    ("身高168体重58", 168, "58"),
    ("168cm 58公斤", 168, "58"),
    ("160/100斤", 160, "50"),
    ("１６０ ５０ｋｇ", 160, "50"),
    ("体重50公斤身高1米58", 158, "50"),
    ("1.65m 55kg", 165, "55"),
    ("I'm 160cm 50kg, which size?", 160, "50"),
    ("我158 96斤穿什么码", 158, "48"),
    ("160 50", 160, "50"),        # bare numbers: height, then kg
    ("165 110", 165, "55"),       # a bare weight over 90 is 斤
    ("160cm 50kg", 160, "50"),
    ("1.6m 50kg", 160, "50"),
    ("1.6米 50公斤", 160, "50"),
    ("一米六 50KG", 160, "50"),
    ("一米六五 一百一十斤", 165, "55"),
    ("50kg 160", 160, "50"),      # weight first
    ("100斤 160cm", 160, "50"),
    ("160/50", 160, "50"),
    ("160/100", 160, "50"),
    ("我160 100斤", 160, "50"),
    ("160 50kg什么码", 160, "50"),
    ("172cm 65kg什么码", 172, "65"),
    ("身高172 体重65kg什么码", 172, "65"),
    ("身高一米七二体重六十五公斤", 172, "65"),
    ("1米72 130斤", 172, "65"),
    ("5'5 120 lbs", 165, "54.4"),    # feet and inches, pounds: to cm and kg
    ("5 ft 3, 110 pounds", 160, "49.9"),
    ("I'm 5'7\" and 140lb", 170, "63.5"),
    ("5 feet 2 inches 105 lbs what size", 157, "47.6"),
    ("110 pounds, 5’3", 160, "49.9"),
])
def test_height_and_weight(raw: str, height: int, weight: str) -> None:
    assert body_measurements(canon(raw)) == Body(height_cm=height, weight_kg=Decimal(weight))


def test_height_only() -> None:
    assert body_measurements(canon("我160穿什么码")) == Body(height_cm=160, weight_kg=None)
    assert body_measurements(canon("身高一米七")) == Body(height_cm=170, weight_kg=None)


def test_weight_only() -> None:
    assert body_measurements(canon("100斤穿什么码")) == Body(height_cm=None, weight_kg=Decimal("50"))
    assert body_measurements(canon("体重55")) == Body(height_cm=None, weight_kg=Decimal("55"))


@pytest.mark.parametrize("raw", ["多少钱", "满150减20", "150元", "订单1002", "买3条围巾"])
def test_no_body_where_there_is_none(raw: str) -> None:
    assert body_measurements(canon(raw)) is None


ALL_SIZES = ("S", "M", "L", "XL")


@pytest.mark.parametrize(("raw", "size"), [
    ("有M码吗", "M"),
    ("还有m吗", "M"),
    ("ＸＬ有吗", "XL"),          # full-width
    ("xl码", "XL"),
    ("do you have size l", "L"),
    ("连衣裙选S还是M", "S"),
    ("M码", "M"),
    ("m", "M"),
    ("中码有吗", "M"),
    ("小码还有吗", "S"),
    ("大号有没有", "L"),
    ("加大码", "XL"),
    ("XL", "XL"),
    ("do you have it in medium", "M"),
    ("size small please", "S"),
    ("is the large size in stock", "L"),
    ("in extra large?", "XL"),
    ("medium or l", "M"),                # the first named
])
def test_sizes(raw: str, size: str) -> None:
    assert size_mentioned(canon(raw), ALL_SIZES) == size


@pytest.mark.parametrize("raw", ["160cm 50kg", "I'm 160", "what sizes", "it's nice", "1.6m", "5kg",
                                 "a small question", "large box of oranges"])
def test_no_size_inside_words_or_units(raw: str) -> None:
    assert size_mentioned(canon(raw), ALL_SIZES) is None


def test_size_must_exist_for_the_product() -> None:
    assert size_mentioned("有s码吗", ("M", "L")) is None
    assert size_mentioned("有s码吗", ()) == "S"   # no size list: any size is taken


@pytest.mark.parametrize(("raw", "order"), [
    ("我的订单1002发货了吗", "1002"),
    ("订单号 1003", "1003"),
    ("我的訂單１００２", "1002"),
])
def test_order_numbers(raw: str, order: str) -> None:
    assert order_number(canon(raw)) == order


@pytest.mark.parametrize("raw", [
    "SF1402233445566 到哪了",     # the courier's tracking number
    "2025年的茶吗",                 # a year
    "我换手机号了 13812345678",     # a mobile number
    "160 100斤", "一箱5kg", "满199减30",
])
def test_not_order_numbers(raw: str) -> None:
    assert order_number(canon(raw)) is None


@pytest.fixture
def index(catalog: Catalog) -> ProductIndex:
    return ProductIndex.build((p.sku, (p.name, *p.aliases)) for p in catalog.products.values())


@pytest.mark.parametrize(("raw", "skus"), [
    ("纯棉连衣裙多少钱", ["BS-DRESS"]),           # name
    ("裙子有M吗", ["BS-DRESS"]),                  # alias
    ("BS-CARDIGAN 有M吗", ["BS-CARDIGAN"]),       # SKU
    ("連衣裙和圍巾一起買", ["BS-DRESS", "BS-SCARF"]),  # traditional, in order of appearance
    ("禮盒幾天發貨", ["MX-GIFTBOX"]),
    ("how much is the dress", ["BS-DRESS"]),
    ("do you sell oranges", ["XG-ORANGE"]),        # plural
    ("龙井加礼盒", ["MX-LONGJING", "MX-GIFTBOX"]),
])
def test_products_named(index: ProductIndex, raw: str, skus: list[str]) -> None:
    assert index.find(canon(raw)) == skus


@pytest.mark.parametrize("raw", [
    "change my address",     # dress inside address
    "steam iron",            # tea inside steam
    "有橙色的吗",             # 橙色 is a colour
    "多少钱",
])
def test_products_not_named(index: ProductIndex, raw: str) -> None:
    assert index.find(canon(raw)) == []


@pytest.mark.parametrize(("raw", "quantity"), [
    ("两件", 2), ("2条", 2), ("x2", 2), ("×3", 3), ("三盒到手多少", 3), ("买十箱", 10),
    ("two boxes", 2), ("3 pieces how much", 3),
    ("一件", None), ("多少钱", None), ("160 50kg", None), ("one box", None), ("5'5 120 lbs", None),
])
def test_quantities(raw: str, quantity: int | None) -> None:
    assert quantity_mentioned(canon(raw)) == quantity


@pytest.mark.parametrize(("raw", "sku"), [
    ("连衣群多少钱", "BS-DRESS"),          # one wrong character
    ("西湖龙景", "MX-LONGJING"),
    ("赣南齐橙甜吗", "XG-ORANGE"),
    ("how much is the cardigen", "BS-CARDIGAN"),
    ("giftbx price", "MX-GIFTBOX"),
])
def test_products_with_a_typo(index: ProductIndex, raw: str, sku: str) -> None:
    assert index.find(canon(raw)) == [sku]


@pytest.mark.parametrize("raw", ["这件衣服", "手机多少钱", "衣服好看", "the address", "tee shirt"])
def test_no_near_miss_where_none_is_meant(index: ProductIndex, raw: str) -> None:
    assert index.find(canon(raw)) == []


@pytest.mark.parametrize(("raw", "items"), [
    ("两盒龙井到手多少", (("MX-LONGJING", 2),)),
    ("裙子和开衫一起买多少", (("BS-DRESS", 1), ("BS-CARDIGAN", 1))),
    ("连衣裙x2 龙井", (("BS-DRESS", 2), ("MX-LONGJING", 1))),
    ("price of the longjing tea", (("MX-LONGJING", 1),)),      # one product named twice
    ("龙井 再来两盒龙井", (("MX-LONGJING", 3),)),               # an explicit quantity adds
    ("how much for two boxes of longjing and one silk scarf", (("MX-LONGJING", 2), ("BS-SCARF", 1))),
    ("a dress and 3 scarf", (("BS-DRESS", 1), ("BS-SCARF", 3))),
])
def test_cart_items(index: ProductIndex, raw: str, items: tuple[tuple[str, int], ...]) -> None:
    from bot.understanding.cart_request import cart_items

    assert cart_items(canon(raw), index) == items
