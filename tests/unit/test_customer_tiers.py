"""Tiers by configurable rules and automatic tags, from the buyer's orders."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.customers.tiers import AutoTag, TierRule, TierRules, load_tier_rules, standing, tier_for
from bot.promotions.loader import load_rules
from bot.shop.catalog import Catalog, Tier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tier_rules() -> TierRules:
    return load_tier_rules(ROOT / "shop" / "customers.yaml")


def test_demo_buyers(catalog: Catalog, tier_rules: TierRules, demo_now) -> None:
    rules = load_rules(ROOT / "promo_rules", catalog)

    def of(buyer: int, **kw: object):
        orders = [o for o in catalog.orders.values() if o.buyer == buyer]
        return standing(catalog, rules, tier_rules, orders, demo_now, **kw)  # type: ignore[arg-type]

    wang = of(700001)
    assert (wang.tier, wang.spend_fen, wang.paid_orders, wang.tags) == (Tier.potential, 13000, 1, (AutoTag.purchased,))
    li = of(700002, cases=1, disputed=1)
    assert li.tier == Tier.core and li.spend_fen == 8900 + 8900 + 14800
    assert li.tags == (AutoTag.purchased, AutoTag.aftersales, AutoTag.complaint)
    zhang = of(700003, manual=Tier.vip)
    assert zhang.tier == Tier.vip and zhang.spend_fen == 8800 + 3990
    assert standing(catalog, rules, tier_rules, [], demo_now).tags == (AutoTag.inquiry,)
    unpaid = [catalog.orders["1001"]]
    assert standing(catalog, rules, tier_rules, unpaid, demo_now).tags == (AutoTag.unpaid,)


def test_rules_in_order_with_recency(demo_now) -> None:
    rules = TierRules(tiers=(TierRule.model_validate({"tier": "core", "min_spend": "500.00", "min_orders": 3, "within_days": 30}),
                             TierRule.model_validate({"tier": "potential", "min_orders": 1})))
    recent, old = demo_now - timedelta(days=5), demo_now - timedelta(days=40)
    assert tier_for(rules, 60000, 3, recent, demo_now) == Tier.core
    assert tier_for(rules, 60000, 3, old, demo_now) == Tier.potential  # core needs a recent payment
    assert tier_for(rules, 60000, 2, recent, demo_now) == Tier.potential
    assert tier_for(rules, 0, 0, None, demo_now) == Tier.normal
    assert tier_for(rules, 0, 0, None, demo_now, manual=Tier.vip) == Tier.vip


def test_a_bad_tier_rule_names_file_and_line(tmp_path: Path) -> None:
    from bot.datafiles import DataFileError

    path = tmp_path / "customers.yaml"
    path.write_text('tiers:\n  - {tier: core, min_spend: "1.00"}\n  - {tier: gold}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=f"{path}:3: .*'normal', 'potential', 'core' or 'vip'"):
        load_tier_rules(path)
