"""Template contracts: every template is rendered through the function that builds its
context when it is sent, with sample values from whatever data is loaded, so a shop with
other SKUs and order ids gets every template checked, and a template asking for a
variable its contract does not give is refused with its file and line."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answers.lint_samples import SAMPLES_FILE, load_sample_data
from bot.config import Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import Knowledge, load_knowledge
from bot.knowledge.template_samples import every_sample

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
SKU_PREFIXES = {"BS-": "QQ-", "MX-": "RR-", "XG-": "TT-"}


def copy_of(tmp_path: Path, folder: str) -> Path:
    target = tmp_path / folder
    shutil.copytree(ROOT / folder, target)
    return target


def rendered_templates(settings: Settings, knowledge: Knowledge) -> dict[str, list[dict]]:
    """Each template the lint renders, with the contexts it renders it with."""
    data = load_sample_data(settings.templates_dir / SAMPLES_FILE, knowledge.catalog, knowledge.rules, NOW)
    found: dict[str, list[dict]] = {}
    for sample in every_sample(data, knowledge.matcher, knowledge.composer, knowledge.replies,
                               knowledge.aftersales):
        found.setdefault(sample.template, []).append(dict(sample.message.context))
    return found


def renamed_shop(tmp_path: Path) -> tuple[Path, Path]:
    """The demo shop with every SKU and order id renamed (promotion rules follow the SKUs)."""
    shop, promo = copy_of(tmp_path, "shop"), copy_of(tmp_path, "promo_rules")
    for path in [*shop.glob("*.yaml"), *promo.glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        for old, new in SKU_PREFIXES.items():
            text = text.replace(old, new)
        text = re.sub(r'id: "(\d+)"', r'id: "88\1"', text)
        path.write_text(text, encoding="utf-8")
    return shop, promo


def test_a_shop_with_other_skus_and_order_ids_gets_every_template_rendered(tmp_path) -> None:
    demo_settings = Settings(shop_dir=ROOT / "shop", templates_dir=ROOT / "templates", promo_dir=ROOT / "promo_rules")
    demo = load_knowledge(demo_settings, NOW)
    shop, promo = renamed_shop(tmp_path)
    settings = Settings(shop_dir=shop, templates_dir=ROOT / "templates", promo_dir=promo)
    renamed = load_knowledge(settings, NOW)

    assert not set(renamed.catalog.products) & set(demo.catalog.products)
    assert not set(renamed.catalog.orders) & set(demo.catalog.orders)
    assert renamed.unchecked_templates == ()
    demo_rendered = rendered_templates(demo_settings, demo)
    rendered = rendered_templates(settings, renamed)
    assert sorted(rendered) == sorted(demo_rendered)
    # every order of the renamed shop was asked about, and every product put on stage
    statuses = {c["order"]["id"] for c in rendered["order_status"]}
    assert statuses == set(renamed.catalog.orders)
    assert {c["product"]["sku"] for c in rendered["ops/now_set"]} == set(renamed.catalog.products)


def test_staff_buyers_and_shops_of_the_loaded_catalogue_are_the_samples(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    people = shop / "people.yaml"
    text = people.read_text(encoding="utf-8")
    buyer = re.findall(r"name: ([^,}\s]+)", text)[0]
    agent = next(re.search(r"name: ([^,}\s]+)", line)[1] for line in text.splitlines() if "shops:" in line)
    people.write_text(text.replace(buyer, "新买家甲").replace(agent, "新客服乙"), encoding="utf-8")
    settings = Settings(shop_dir=shop, templates_dir=ROOT / "templates", promo_dir=ROOT / "promo_rules")
    rendered = rendered_templates(settings, load_knowledge(settings, NOW))
    assert "新客服乙" in {c["agent"] for c in rendered["agents/taken"]}
    assert "新买家甲" in {c["buyer"]["name"] for c in rendered["quick/greet"]}
    assert "新买家甲" in {c["card"]["buyer"]["name"] for c in rendered["agents/card"]}
    assert {agent, buyer}.isdisjoint({c["agent"] for c in rendered["agents/taken"]})


def test_a_template_using_a_variable_its_contract_does_not_give_fails_with_file_and_line(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    joined = templates / "zh-CN" / "handoff" / "agent_joined.j2"
    joined.write_text(joined.read_text(encoding="utf-8").rstrip("\n") + "\n订单{{ order.id }}。\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge(Settings(templates_dir=templates), NOW)
    mine = [e for e in caught.value.errors if e.file.resolve() == joined.resolve()]
    assert mine and len(mine) == len(caught.value.errors)
    assert mine[0].line == 2
    assert "UndefinedError" in mine[0].reason and "order" in mine[0].reason


def test_a_question_with_an_unknown_placeholder_is_refused_with_its_line(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    samples = templates / SAMPLES_FILE
    lines = samples.read_text(encoding="utf-8").splitlines()
    at = lines.index("  - 订单{order}") + 1
    lines[at - 1] = "  - 订单{ordr}"
    samples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge(Settings(templates_dir=templates), NOW)
    (error,) = caught.value.errors
    assert (error.file.name, error.line) == (SAMPLES_FILE, at)
    assert "{ordr}" in error.reason
