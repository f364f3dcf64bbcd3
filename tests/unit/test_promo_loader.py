"""Rule files: the demo rules load, and every mistake is reported with file and line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydantic
import pytest

from bot.datafiles import DataError, DataFileError
from bot.promotions import CrossShopRule, ItemDiscountRule, RuleSet, ShopThresholdRule, load_rules
from bot.shop.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]

CROSS = """\
id: cross
kind: cross_shop
title: 跨店每满150减20
threshold: "150.00"
discount: "20.00"
"""


def errors_of(tmp_path: Path, catalog: Catalog, **files: str) -> list[DataError]:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_rules(tmp_path, catalog)
    return caught.value.errors


def where(error: DataError) -> tuple[str, int | None]:
    return error.file.name, error.line


def test_demo_rules_load(catalog) -> None:
    rules = load_rules(ROOT / "promo_rules", catalog)
    kinds = {rule.id: type(rule) for rule in rules.rules}
    assert kinds == {"mx-longjing-live-price": ItemDiscountRule,
                     "beishang-coupon-199-30": ShopThresholdRule,
                     "cross-shop-150-20": CrossShopRule}
    assert rules.sources["cross-shop-150-20"].file.name == "cross-shop-150-20.yaml"


def test_ruleset_is_immutable(catalog) -> None:
    rules = load_rules(ROOT / "promo_rules", catalog)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.rules = ()  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        rules.rules[0].title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rules.windows["cross-shop-150-20"] = None  # type: ignore[index]


def test_yaml_syntax_error_names_the_line(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, broken='id: x\nkind: cross_shop\ntitle: [oops\n')
    assert error.file.name == "broken.yaml" and error.line is not None
    assert "YAML syntax" in error.reason


def test_unknown_sku_and_shop(tmp_path, catalog) -> None:
    errors = errors_of(tmp_path, catalog, item="""\
id: item
kind: item_discount
title: 直降
skus: [MX-LONGJING, MX-NOPE]
amount_off: "5.00"
""", shop="""\
id: shop
kind: shop_threshold
title: 满100减10
shop: nowhere
threshold: "100.00"
discount: "10.00"
""")
    reasons = {where(e): e.reason for e in errors}
    assert "MX-NOPE" in reasons[("item.yaml", 4)] and "skus" in reasons[("item.yaml", 4)]
    assert "unknown shop 'nowhere'" in reasons[("shop.yaml", 4)]


def test_discount_not_below_threshold_points_at_the_discount(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, c=CROSS.replace('discount: "20.00"', 'discount: "150.00"'))
    assert where(error) == ("c.yaml", 5)
    assert error.reason.startswith("discount:") and "not below the threshold 150.00" in error.reason


def test_item_discount_not_below_list_price(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, i="""\
id: free-tea
kind: item_discount
title: 免费
skus: [MX-LONGJING]
amount_off: "98.00"
""")
    assert where(error) == ("i.yaml", 5) and "list price 98.00 of MX-LONGJING" in error.reason


def test_window_ending_before_it_starts(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, w=CROSS + "valid_from: 2026-06-18\nvalid_to: 2026-06-17\n")
    assert where(error) == ("w.yaml", 7) and "ends before valid_from" in error.reason


def test_one_day_window_is_fine(tmp_path, catalog) -> None:
    (tmp_path / "w.yaml").write_text(CROSS + "valid_from: 2026-06-18\nvalid_to: 2026-06-18\n")
    assert len(load_rules(tmp_path, catalog)) == 1


def test_duplicate_ids_across_files(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, a=CROSS, b=CROSS.replace("150.00", "300.00")
                         + "valid_from: 2030-01-01\n")
    assert where(error) == ("b.yaml", 1)
    assert "duplicate id 'cross'" in error.reason and "a.yaml:1" in error.reason


def test_overlapping_cross_shop_rules(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, a=CROSS, b=CROSS.replace("id: cross", "id: cross-2"))
    assert where(error) == ("b.yaml", 1) and "overlaps 'cross'" in error.reason
    # the same rules in windows that do not meet are fine
    (tmp_path / "a.yaml").write_text(CROSS + "valid_to: 2026-06-30\n")
    (tmp_path / "b.yaml").write_text(CROSS.replace("id: cross", "id: cross-2")
                                     + "valid_from: 2026-07-01\n")
    assert len(load_rules(tmp_path, catalog)) == 2


def test_shop_outside_the_cross_shop_programme(tmp_path, catalog) -> None:
    (error,) = errors_of(tmp_path, catalog, c=CROSS + "shops: [beishang, xianguo]\n")
    assert where(error) == ("c.yaml", 6) and "xianguo" in error.reason


def test_unknown_and_missing_kind(tmp_path, catalog) -> None:
    errors = errors_of(tmp_path, catalog, a="id: a\nkind: coupon\ntitle: x\n", b="id: b\ntitle: x\n")
    reasons = {where(e): e.reason for e in errors}
    assert "'coupon' is not a rule kind" in reasons[("a.yaml", 2)]
    assert "kind: required field is missing" in reasons[("b.yaml", 1)]


def test_list_of_rules_reports_the_line_of_each_bad_field(tmp_path, catalog) -> None:
    errors = errors_of(tmp_path, catalog, many="""\
- id: ok
  kind: shop_threshold
  title: 满199减30
  shop: beishang
  threshold: "199.00"
  discount: "30.00"
- id: bad
  kind: shop_threshold
  title: 满100减10
  shop: beishang
  threshold: "100.00"
  discount: "10.00"
  cap_times: 2
- id: typo
  kind: cross_shop
  title: 每满300减30
  threshold: "300.00"
  discount: "30.00"
  colour: red
""")
    reasons = {where(e): e.reason for e in errors}
    assert reasons[("many.yaml", 13)].startswith("cap_times: needs repeat: every")
    assert reasons[("many.yaml", 19)] == "colour: unknown field (check the spelling)"
    assert len(errors) == 2


def test_all_problems_reported_in_one_pass(tmp_path, catalog) -> None:
    errors = errors_of(
        tmp_path, catalog,
        a=CROSS.replace('"20.00"', '"200.00"'),
        b="id: b\nkind: item_discount\ntitle: x\nskus: [NOPE]\nprice: 39.9\n",
        c="[unclosed\n",
        d="",
    )
    assert {e.file.name for e in errors} == {"a.yaml", "b.yaml", "c.yaml", "d.yaml"}
    assert len(errors) >= 4
    assert all(str(e).startswith(str(e.file)) for e in errors)


def test_float_amount_is_refused(tmp_path, catalog) -> None:
    # 39.9 unquoted loads as an exact Decimal; a real float would be refused, and either way
    # the amount is read to the fen, never approximated
    (tmp_path / "i.yaml").write_text(
        "id: i\nkind: item_discount\ntitle: x\nskus: [XG-ORANGE]\nprice: 35.9\n")
    rules = load_rules(tmp_path, catalog)
    rule = rules.get("i")
    assert isinstance(rule, ItemDiscountRule) and rule.price == 3590


def test_missing_directory(tmp_path, catalog) -> None:
    with pytest.raises(DataFileError, match="not found"):
        load_rules(tmp_path / "nope", catalog)


def test_ruleset_built_directly_orders_rules_by_id(catalog) -> None:
    b = CrossShopRule(id="b", title="b", threshold="150.00", discount="20.00")
    a = CrossShopRule(id="a", title="a", threshold="150.00", discount="20.00", enabled=False)
    assert [r.id for r in RuleSet.of([b, a], catalog.timezone).rules] == ["a", "b"]
