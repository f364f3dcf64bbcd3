"""`promo check` and `promo explain` as ops use them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.promo import parse_items, promo_app

ROOT = Path(__file__).resolve().parents[2]
RULES = str(ROOT / "promo_rules")
SHOP = str(ROOT / "shop")
runner = CliRunner()


def test_check_demo_rules_passes() -> None:
    result = runner.invoke(promo_app, ["check", RULES, "--shop-dir", SHOP])
    assert result.exit_code == 0, result.output
    assert "OK: 3 rule(s) in 3 file(s)" in result.output


def test_check_prints_file_line_reason_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        'id: bad\nkind: cross_shop\ntitle: x\nthreshold: "150.00"\ndiscount: "150.00"\n',
        encoding="utf-8")
    (tmp_path / "worse.yaml").write_text("id: w\nkind: item_discount\ntitle: x\nskus: [NOPE]\n"
                                         'amount_off: "1.00"\n', encoding="utf-8")
    result = runner.invoke(promo_app, ["check", str(tmp_path), "--shop-dir", SHOP])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{tmp_path / 'bad.yaml'}:5: discount: 150.00 is not below the threshold 150.00; 满T减D needs D < T" in lines
    assert any(line.startswith(f"{tmp_path / 'worse.yaml'}:4: skus: unknown SKU 'NOPE'") for line in lines)
    assert lines[-1] == f"2 error(s) in {tmp_path}"


def test_explain_json_for_two_dresses_and_longjing() -> None:
    result = runner.invoke(promo_app, ["explain", "--json", "--at", "2026-11-23 12:00",
                                       "--promo-dir", RULES, "--shop-dir", SHOP,
                                       "BS-DRESSx2", "MX-LONGJING"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["payable"] == "258.00"
    assert [(d["rule"], d["amount"]) for d in data["discounts"]] == [
        ("beishang-coupon-199-30", "30.00"), ("cross-shop-150-20", "40.00")]
    assert data["lines"][1]["item_discount"] == "10.00"
    assert set(data["discounts"][1]["by_shop"]) == {"beishang", "mingxiang"}


def test_explain_table_shows_payable_bearing_and_hint() -> None:
    result = runner.invoke(promo_app, ["explain", "--at", "2026-11-23", "--promo-dir", RULES,
                                       "--shop-dir", SHOP, "BS-DRESS"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Payable: 120.00" in result.output
    assert "凑单: 30.00 more eligible reaches 150.00" in result.output
    assert "BS-SCARF" in result.output


def test_explain_at_is_shop_time() -> None:
    def payable(at: str) -> str:
        result = runner.invoke(promo_app, ["explain", "--json", "--at", at, "--promo-dir", RULES,
                                           "--shop-dir", SHOP, "MX-LONGJING"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["payable"]

    assert payable("2025-12-31 23:59:59") == "98.00"
    assert payable("2026-01-01") == "88.00"
    assert payable("2025-12-31T16:00:00+00:00") == "88.00"


def test_explain_refuses_unknown_sku_and_bad_time() -> None:
    result = runner.invoke(promo_app, ["explain", "--promo-dir", RULES, "--shop-dir", SHOP, "NOPE"])
    assert result.exit_code == 2 and "unknown SKU 'NOPE'" in result.output
    result = runner.invoke(promo_app, ["explain", "--at", "tomorrow", "--promo-dir", RULES,
                                       "--shop-dir", SHOP, "BS-DRESS"])
    assert result.exit_code == 2


def test_parse_items() -> None:
    lines = parse_items(["BS-DRESSx2", "bs-scarf", "MX-LONGJING*3", "XG-ORANGE×2", "xg-orangex10"])
    assert [(line.sku, line.qty) for line in lines] == [
        ("BS-DRESS", 2), ("BS-SCARF", 1), ("MX-LONGJING", 3), ("XG-ORANGE", 2), ("XG-ORANGE", 10)]
