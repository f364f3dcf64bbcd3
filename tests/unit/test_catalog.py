"""The shops' data files: the demo loads, and every mistake ops can make is reported with
the file, the line and a reason they can act on. Also money parsing, which the files use."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.datafiles import DataError, DataFileError
from bot.money import format_yuan, parse_yuan
from bot.shop.catalog import Catalog, OrderStatus, load_catalog

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def shop_copy(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(ROOT / "shop", target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {name}: the demo data changed"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(folder: Path, name: str, needle: str) -> int:
    """1-based line of the first line containing `needle` in the (edited) file."""
    for number, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in {name}")


def errors_after(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, list[DataError]]:
    folder = shop_copy(tmp_path)
    edit(folder, name, old, new)
    with pytest.raises(DataFileError) as caught:
        load_catalog(folder, NOW)
    return folder, caught.value.errors


def only_error(errors: list[DataError]) -> DataError:
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


# --- the demo ---------------------------------------------------------------------------


def test_demo_catalogue_loads_with_every_shop_product_order_and_person() -> None:
    catalog = load_catalog(ROOT / "shop", NOW)
    assert set(catalog.shops) == {"beishang", "mingxiang", "xianguo"}
    assert set(catalog.products) == {"BS-DRESS", "BS-CARDIGAN", "BS-SCARF",
                                     "MX-GIFTBOX", "MX-LONGJING", "XG-ORANGE"}
    assert set(catalog.orders) == {f"100{i}" for i in range(1, 8)}
    assert catalog.buyers[700003].tier == "vip"
    assert catalog.is_ops(900001) and catalog.is_agent(900001)
    assert catalog.is_agent(900002) and not catalog.is_ops(900002)
    assert not catalog.is_agent(700001)
    assert str(catalog.timezone) == "Asia/Shanghai"


def test_demo_prices_and_stock_are_exact_fen() -> None:
    catalog = load_catalog(ROOT / "shop", NOW)
    assert catalog.products["XG-ORANGE"].price == 3990
    assert catalog.products["BS-DRESS"].price == 12000
    assert catalog.products["BS-DRESS"].stock == {"S": 12, "M": 0, "L": 30, "XL": 5}
    assert catalog.products["BS-DRESS"].sizes == ("S", "M", "L", "XL")
    assert catalog.products["BS-SCARF"].one_size
    assert catalog.orders["1004"].paid_fen == 13000
    assert catalog.shipping.remote_surcharge == 1000


def test_unquoted_decimal_price_means_the_same_exact_amount(tmp_path) -> None:
    folder = shop_copy(tmp_path)
    edit(folder, "products.yaml", 'price: "39.90"', "price: 39.90")
    assert load_catalog(folder, NOW).products["XG-ORANGE"].price == 3990


# --- broken copies ------------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", "    name: 纯棉连衣裙", "    name: 纯棉: 连衣裙")
    error = only_error(errors)
    assert error.file.name == "products.yaml"
    assert error.line == line_of(folder, "products.yaml", "纯棉: 连衣裙")
    assert "YAML syntax" in error.reason
    assert f"products.yaml:{error.line}: YAML syntax" in str(error)


def test_unknown_field_is_reported_as_a_probable_misspelling(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", "    material: 桑蚕丝", "    materail: 桑蚕丝")
    error = only_error(errors)
    assert error.file.name == "products.yaml"
    assert error.line == line_of(folder, "products.yaml", "materail")
    assert "materail" in error.reason and "unknown field" in error.reason


def test_missing_required_field_names_the_field_and_the_entry(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "shops.yaml", "    courier: 中通快递\n", "")
    error = only_error(errors)
    assert error.file.name == "shops.yaml"
    assert error.line == line_of(folder, "shops.yaml", "- id: beishang")
    assert "courier" in error.reason and "required field is missing" in error.reason


@pytest.mark.parametrize("written", ["39.905", '"39.905"'])
def test_price_with_three_decimals_is_refused_not_rounded(tmp_path, written) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", 'price: "39.90"', f"price: {written}")
    error = only_error(errors)
    assert error.file.name == "products.yaml"
    assert error.line == line_of(folder, "products.yaml", "39.905")
    assert "price" in error.reason and "more than two decimals" in error.reason


def test_negative_stock_names_the_size(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", "stock: {M: 40, L: 22}", "stock: {M: 40, L: -2}")
    error = only_error(errors)
    assert error.file.name == "products.yaml"
    assert error.line == line_of(folder, "products.yaml", "L: -2")
    assert "stock" in error.reason and "L" in error.reason and "negative" in error.reason


def test_product_of_a_shop_that_does_not_exist(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", "    shop: xianguo", "    shop: guoyuan")
    products_errors = [e for e in errors if e.file.name == "products.yaml"]
    error = only_error(products_errors)
    assert error.line == line_of(folder, "products.yaml", "shop: guoyuan")
    assert "guoyuan" in error.reason and "XG-ORANGE" in error.reason and "shops.yaml" in error.reason


def test_order_with_an_unknown_sku(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "orders.yaml", "sku: MX-LONGJING}", "sku: MX-LONGJIN}")
    error = only_error(errors)
    assert error.file.name == "orders.yaml"
    assert error.line == line_of(folder, "orders.yaml", "MX-LONGJIN}")
    assert "1003" in error.reason and "unknown SKU" in error.reason and "MX-LONGJIN" in error.reason


def test_order_with_a_size_the_product_lacks(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "orders.yaml", "sku: BS-CARDIGAN, size: M}", "sku: BS-CARDIGAN, size: XS}")
    error = only_error(errors)
    assert error.file.name == "orders.yaml"
    assert error.line == line_of(folder, "orders.yaml", "size: XS")
    assert "1002" in error.reason and "BS-CARDIGAN" in error.reason and "'XS'" in error.reason


def test_duplicate_sku_points_at_the_second_entry(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "products.yaml", "sku: BS-SCARF", "sku: BS-CARDIGAN")
    dup = [e for e in errors if e.file.name == "products.yaml"]
    error = only_error(dup)
    # the second BS-CARDIGAN (where BS-SCARF was) is the one reported
    lines = [n for n, text in enumerate((folder / "products.yaml").read_text(encoding="utf-8").splitlines(), 1)
             if "sku: BS-CARDIGAN" in text]
    assert error.line == lines[1]
    assert "duplicate" in error.reason and "BS-CARDIGAN" in error.reason


def test_duplicate_key_in_a_mapping_is_an_error_not_a_silent_override(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "shops.yaml", "    courier: 中通快递\n",
                                  "    courier: 中通快递\n    courier: 顺丰速运\n")
    error = only_error(errors)
    assert error.file.name == "shops.yaml"
    assert error.line == line_of(folder, "shops.yaml", "courier: 顺丰速运")
    assert "duplicate key" in error.reason and "courier" in error.reason


def test_staff_member_of_an_unknown_shop(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "people.yaml", "shops: [mingxiang, xianguo]", "shops: [mingxiang, xiangguo]")
    error = only_error(errors)
    assert error.file.name == "people.yaml"
    assert error.line == line_of(folder, "people.yaml", "xiangguo")
    assert "900002" in error.reason and "xiangguo" in error.reason


def test_bad_time_zone(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "shops.yaml", "timezone: Asia/Shanghai", "timezone: Asia/Beijing")
    error = only_error(errors)
    assert error.file.name == "shops.yaml"
    assert error.line == line_of(folder, "shops.yaml", "Asia/Beijing")
    assert "Asia/Beijing" in error.reason and "time zone" in error.reason


def test_all_problems_of_a_file_are_reported_together(tmp_path) -> None:
    folder = shop_copy(tmp_path)
    edit(folder, "products.yaml", "stock: {M: 40, L: 22}", "stock: {M: 40, L: -2}")
    edit(folder, "products.yaml", "    material: 桑蚕丝", "    materail: 桑蚕丝")
    edit(folder, "products.yaml", 'price: "39.90"', 'price: "39.905"')
    with pytest.raises(DataFileError) as caught:
        load_catalog(folder, NOW)
    errors = caught.value.errors
    assert all(e.file.name == "products.yaml" for e in errors)
    assert {e.line for e in errors} == {line_of(folder, "products.yaml", "L: -2"),
                                        line_of(folder, "products.yaml", "materail"),
                                        line_of(folder, "products.yaml", "39.905")}
    message = str(caught.value)
    assert "negative" in message and "materail" in message and "more than two decimals" in message


def test_problems_in_several_files_are_reported_together(tmp_path) -> None:
    folder = shop_copy(tmp_path)
    edit(folder, "shops.yaml", "timezone: Asia/Shanghai", "timezone: Asia/Beijing")
    edit(folder, "people.yaml", "name: 阿明", "nmae: 阿明")
    with pytest.raises(DataFileError) as caught:
        load_catalog(folder, NOW)
    assert {e.file.name for e in caught.value.errors} == {"shops.yaml", "people.yaml"}


def test_missing_file_is_named(tmp_path) -> None:
    folder = shop_copy(tmp_path)
    (folder / "people.yaml").unlink()
    with pytest.raises(DataFileError) as caught:
        load_catalog(folder, NOW)
    error = only_error(caught.value.errors)
    assert error.file.name == "people.yaml" and "cannot read" in error.reason


# --- behaviour of the loaded catalogue ---------------------------------------------------


def test_order_ages_become_instants_relative_to_the_load_time() -> None:
    catalog = load_catalog(ROOT / "shop", NOW)
    assert catalog.orders["1001"].placed_at == NOW - timedelta(minutes=20)
    assert catalog.orders["1001"].paid_at is None
    assert catalog.orders["1002"].paid_at == NOW - timedelta(hours=1)
    assert catalog.orders["1002"].shipped_at is None
    assert catalog.orders["1003"].shipped_at == NOW - timedelta(days=1)
    assert catalog.orders["1003"].status is OrderStatus.shipped
    assert catalog.orders["1004"].received_at == NOW - timedelta(days=3)
    later = NOW + timedelta(days=5)
    assert load_catalog(ROOT / "shop", later).orders["1002"].paid_at == later - timedelta(hours=1)


def test_an_age_that_is_not_an_age_is_reported(tmp_path) -> None:
    folder, errors = errors_after(tmp_path, "orders.yaml", "paid_ago: 1h", "paid_ago: an hour")
    error = only_error(errors)
    assert error.file.name == "orders.yaml"
    assert error.line == line_of(folder, "orders.yaml", "an hour")
    assert "'an hour'" in error.reason


def test_order_for_reveals_another_buyers_order_to_nobody() -> None:
    catalog = load_catalog(ROOT / "shop", NOW)
    own = catalog.order_for("1004", 700001)
    assert own is not None and own.id == "1004"
    assert catalog.order_for("1004", 700002) is None
    assert catalog.order_for("1004", 900001) is None  # not even staff through this door
    assert catalog.order_for("9999", 700001) is None
    assert [o.id for o in catalog.orders_of(700001)] == ["1001", "1004"]


def test_ships_within_hours_product_override_beats_the_shop(catalog: Catalog) -> None:
    assert catalog.ships_within_hours(catalog.products["MX-GIFTBOX"]) == 72
    assert catalog.ships_within_hours(catalog.products["MX-LONGJING"]) == 48
    assert catalog.ships_within_hours(catalog.products["XG-ORANGE"]) == 24


# --- money -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "fen"), [
    ("120.00", 12000), ("120", 12000), ("120.5", 12050), ("39.90", 3990), (120, 12000),
    (Decimal("0.01"), 1), ("¥30.00", 3000), (" 0 ", 0), ("-5.25", -525),
])
def test_parse_yuan_reads_amounts_exactly(value, fen) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize("fen", [0, 1, 9, 10, 99, 100, 3990, 12000, 100000001, -1, -525])
def test_format_and_parse_round_trip(fen) -> None:
    text = format_yuan(fen)
    assert len(text.split(".")[-1]) == 2
    assert parse_yuan(text) == fen


def test_format_yuan_has_two_decimals_and_a_sign() -> None:
    assert format_yuan(3990) == "39.90"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-525) == "-5.25"


@pytest.mark.parametrize("value", [39.9, 1.0, True])
def test_parse_yuan_refuses_floats(value) -> None:
    with pytest.raises(ValueError, match="float|amount"):
        parse_yuan(value)


@pytest.mark.parametrize("value", ["39.905", "0.001", Decimal("1.234")])
def test_parse_yuan_refuses_more_than_two_decimals(value) -> None:
    with pytest.raises(ValueError, match="more than two decimals"):
        parse_yuan(value)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_parse_yuan_refuses_non_amounts(value) -> None:
    with pytest.raises(ValueError):
        parse_yuan(value)
