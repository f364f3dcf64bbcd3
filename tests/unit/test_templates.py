"""Answer templates: the bundled ones load cleanly; a broken one is refused with its file
(and line), rendering is sandboxed and escaped, locales fall back, answers that break the
language rules at runtime are replaced, and a failed reload keeps the last good data."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound
from jinja2.exceptions import SecurityError

from bot.answers.composer import Asker, product_view
from bot.answers.rendering import Replies
from bot.clock import SystemClock
from bot.config import Settings
from bot.datafiles import DataError, DataFileError
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder, load_knowledge
from bot.understanding.intents import Channel

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
ZH_FALLBACK = (ROOT / "templates" / "zh-CN" / "fallback.j2").read_text(encoding="utf-8").strip()
EN_FALLBACK = (ROOT / "templates" / "en" / "fallback.j2").read_text(encoding="utf-8").strip()


def copy_of(tmp_path: Path, folder: str) -> Path:
    target = tmp_path / folder
    shutil.copytree(ROOT / folder, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: the bundled data changed"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_errors(settings: Settings) -> list[DataError]:
    with pytest.raises(DataFileError) as caught:
        load_knowledge(settings, NOW)
    return caught.value.errors


def about(errors: list[DataError], path: Path) -> list[DataError]:
    return [e for e in errors if e.file.resolve() == path.resolve()]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(Settings(shop_dir=ROOT / "shop", templates_dir=ROOT / "templates",
                                   promo_dir=ROOT / "promo_rules"), NOW)


def answer_text(knowledge: Knowledge, question: str, locale: str = "zh-CN",
                channel: Channel = Channel.private) -> str:
    match = knowledge.matcher.match(question, channel, None)
    answer = knowledge.composer.compose(match, channel, Asker(700001, "小王"), NOW)
    assert answer is not None
    return knowledge.render_answer(locale, answer)


# --- loading and linting -----------------------------------------------------------------


def test_bundled_templates_load_cleanly(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    knowledge = load_knowledge(Settings(templates_dir=templates), NOW)
    assert knowledge.replies.locales == ("en", "zh-CN")
    assert "price" in knowledge.replies.template_names("zh-CN")
    assert answer_text(knowledge, "连衣裙多少钱") == "亲，纯棉连衣裙售价 ¥120.00。再凑 ¥30.00即可享跨店每满150减20，立减¥20.00。"


def test_jinja_syntax_error_names_template_and_line(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "price.j2", "亲，{{ product.name }}", "亲，{{ product.name }")
    errors = load_errors(Settings(templates_dir=templates))
    (error,) = errors
    assert error.file.resolve() == (templates / "zh-CN" / "price.j2").resolve()
    assert error.line == 2
    assert "Jinja syntax" in error.reason


def test_misspelt_variable_names_template_and_line(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "price.j2", "亲，{{ product.name }}", "亲，{{ product.nmae }}")
    errors = load_errors(Settings(templates_dir=templates))
    mine = about(errors, templates / "zh-CN" / "price.j2")
    assert mine and len(mine) == len(errors)
    undefined = [e for e in mine if "nmae" in e.reason]
    assert undefined and undefined[0].line == 2
    assert "UndefinedError" in undefined[0].reason


def test_misspelt_variable_in_the_en_locale_is_found_too(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "en" / "price.j2", "The {{ product.name }}", "The {{ produkt.name }}")
    errors = load_errors(Settings(templates_dir=templates))
    undefined = [e for e in about(errors, templates / "en" / "price.j2") if "produkt" in e.reason]
    assert undefined and undefined[0].line == 2


def test_a_template_that_fails_to_render_is_not_called_unused(tmp_path) -> None:
    # The template *is* used (every price question renders it); it merely failed. Telling
    # ops it is "never rendered ... (unused, or misnamed?)" sends them looking for the wrong thing.
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "price.j2", "亲，{{ product.name }}", "亲，{{ product.nmae }}")
    errors = load_errors(Settings(templates_dir=templates))
    assert [e for e in errors if "never rendered" in e.reason] == []


def test_forbidden_word_in_a_template_is_refused(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "thanks.j2", "不客气，亲！", "不客气，亲！全网最低价！")
    errors = load_errors(Settings(templates_dir=templates))
    assert about(errors, templates / "zh-CN" / "thanks.j2") == errors
    reasons = " ".join(e.reason for e in errors)
    assert "全网最" in reasons and "最低价" in reasons


def test_zh_answer_without_polite_address_is_refused(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "thanks.j2", "不客气，亲！", "不客气！")
    errors = load_errors(Settings(templates_dir=templates))
    (error,) = errors
    assert error.file.resolve() == (templates / "zh-CN" / "thanks.j2").resolve()
    assert "politely" in error.reason


def test_ops_notices_need_no_polite_address(knowledge) -> None:
    text = knowledge.render("zh-CN", "ops/not_allowed", {})
    assert text == "这个命令只有运营账号可以使用。"


def test_a_broken_shop_file_stops_the_load(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    edit(shop / "products.yaml", 'price: "39.90"', 'price: "39.905"')
    with pytest.raises(DataFileError) as caught:
        load_knowledge(Settings(shop_dir=shop), NOW)
    assert [e.file.name for e in caught.value.errors] == ["products.yaml"]


def test_a_sku_too_long_for_a_button_is_a_data_error_with_its_line(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    long_sku = "BS-" + "SCARF" * 12  # "product:" + 63 characters is more than Telegram's 64 bytes
    edit(shop / "products.yaml", "  - sku: BS-SCARF\n", f"""  - sku: {long_sku}
    shop: beishang
    name: 超长编号围巾
    price: "30.00"
    stock: {{one: 1}}
  - sku: BS-SCARF
""")
    errors = load_errors(Settings(shop_dir=shop))
    lines = (shop / "products.yaml").read_text(encoding="utf-8").splitlines()
    assert [(e.file.name, lines[e.line - 1].strip()) for e in errors] == [("products.yaml", f"- sku: {long_sku}")]
    assert long_sku in errors[0].reason and "button" in errors[0].reason


def test_a_sku_that_fits_a_button_loads(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    fitting = "BS-" + "S" * (64 - len("product:") - 3)  # exactly 64 bytes of callback data
    edit(shop / "products.yaml", "  - sku: BS-SCARF\n", f"""  - sku: {fitting}
    shop: beishang
    name: 超长编号围巾
    price: "30.00"
    stock: {{one: 1}}
  - sku: BS-SCARF
""")
    knowledge = load_knowledge(Settings(shop_dir=shop), NOW)
    assert fitting in knowledge.catalog.products


# --- safety ------------------------------------------------------------------------------


def test_sandbox_blocks_access_to_python_internals(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    (templates / "zh-CN" / "evil.j2").write_text("亲，{{ ''.__class__.__mro__ }}", encoding="utf-8")
    replies = Replies(templates, "zh-CN")
    with pytest.raises(SecurityError, match="unsafe"):
        replies.render("zh-CN", "evil", {})


def test_unsafe_template_is_refused_at_load(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "zh-CN" / "thanks.j2", "不客气，亲！", "不客气，亲！{{ ''.__class__.__mro__ }}")
    errors = load_errors(Settings(templates_dir=templates))
    mine = about(errors, templates / "zh-CN" / "thanks.j2")
    assert any("unsafe" in e.reason for e in mine)


def test_product_name_with_markup_is_escaped(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    edit(shop / "products.yaml", "name: 纯棉连衣裙", "name: 纯棉<b>连衣裙</b>")
    knowledge = load_knowledge(Settings(shop_dir=shop), NOW)
    text = answer_text(knowledge, "连衣裙多少钱")
    assert "纯棉&lt;b&gt;连衣裙&lt;/b&gt;" in text
    assert "<b>" not in text


def test_buyer_names_in_the_room_post_are_escaped(knowledge) -> None:
    text = knowledge.render("zh-CN", "live/burst", {
        "askers": [{"id": 1, "name": "<i>A</i>"}, {"id": 2, "name": "B&C"}], "more": 0,
        "answer": knowledge.markup("亲，<b>有货</b>。"),
    })
    assert "&lt;i&gt;A&lt;/i&gt;" in text and "B&amp;C" in text
    assert "<b>有货</b>" in text  # already-rendered answer is kept as markup


# --- locales -----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "locale"), [
    ("en", "en"), ("en-US", "en"), ("EN-gb", "en"),
    ("zh-hans", "zh-CN"), ("zh", "zh-CN"), (None, "zh-CN"), ("", "zh-CN"), ("ru", "zh-CN"),
])
def test_locale_is_chosen_from_the_telegram_language(knowledge, code, locale) -> None:
    assert knowledge.locale(code) == locale


def test_en_answer_uses_the_en_templates_and_macros(knowledge) -> None:
    text = answer_text(knowledge, "连衣裙多少钱", locale="en")
    assert text.startswith("The cotton dress is")  # English catalogue words (shop/products.yaml en:)
    assert "120.00" in text and "售价" not in text


def test_template_missing_in_en_falls_back_to_zh(knowledge) -> None:
    rendered = knowledge.replies.render("en", "ops/reload_ok", {"products": 6, "rules": 3, "templates": 40})
    assert rendered.locale == "zh-CN"
    assert rendered.template == "zh-CN/ops/reload_ok.j2"
    assert "6个商品" in rendered.text


def test_template_missing_everywhere_is_an_error(knowledge) -> None:
    with pytest.raises(TemplateNotFound):
        knowledge.replies.render("en", "no_such_template", {})


def test_labels_fall_back_to_the_default_locale_then_to_the_key(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    edit(templates / "en" / "labels.yaml", "topic.courier: Courier\n", "")
    replies = Replies(templates, "zh-CN")
    assert replies.label("en", "topic.price") == "Price"
    assert replies.label("en", "topic.courier") == "快递"
    assert replies.label("zh-CN", "topic.courier") == "快递"
    assert replies.label("en", "topic.nonexistent") == "topic.nonexistent"


def test_missing_default_locale_folder_is_reported(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    shutil.rmtree(templates / "zh-CN")
    with pytest.raises(DataFileError) as caught:
        Replies(templates, "zh-CN")
    assert "default locale" in str(caught.value)


# --- runtime check -----------------------------------------------------------------------


def test_answer_breaking_the_rules_at_runtime_is_replaced_by_the_fallback(knowledge, caplog) -> None:
    product = knowledge.catalog.products["BS-DRESS"]
    view = {**product_view(knowledge.catalog, knowledge.rules, product, NOW), "name": "销量第一连衣裙"}
    with caplog.at_level(logging.WARNING, logger="bot.knowledge.snapshot"):
        text = knowledge.render("zh-CN", "price", {"product": view, "deal": None})
    assert text == ZH_FALLBACK
    assert "第一" not in text
    assert any("zh-CN/price.j2" in r.getMessage() and "第一" in r.getMessage() for r in caplog.records)


def test_en_answer_breaking_the_rules_gets_the_en_fallback(knowledge) -> None:
    product = knowledge.catalog.products["BS-DRESS"]
    view = {**product_view(knowledge.catalog, knowledge.rules, product, NOW), "name": "YYDS dress"}
    assert knowledge.render("en", "price", {"product": view, "deal": None}) == EN_FALLBACK


def test_innocent_data_is_not_replaced(knowledge) -> None:
    product = knowledge.catalog.products["BS-DRESS"]
    view = {**product_view(knowledge.catalog, knowledge.rules, product, NOW), "name": "第一次穿的裙子"}
    assert knowledge.render("zh-CN", "price", {"product": view, "deal": None}) == "亲，第一次穿的裙子售价 ¥120.00。"


# --- reload ------------------------------------------------------------------------------


async def test_failed_reload_keeps_the_old_snapshot_and_a_fixed_one_swaps_in(tmp_path) -> None:
    shop = copy_of(tmp_path, "shop")
    settings = Settings(shop_dir=shop, templates_dir=copy_of(tmp_path, "templates"),
                        promo_dir=copy_of(tmp_path, "promo_rules"))
    holder = KnowledgeHolder.load(settings, SystemClock())
    first = holder.current
    assert first.catalog.products["BS-SCARF"].price == 3000

    edit(shop / "products.yaml", 'price: "30.00"', "price: -oops")
    errors = await holder.reload()
    assert errors and all(e.file.name == "products.yaml" for e in errors)
    assert holder.current is first
    assert answer_text(holder.current, "围巾多少钱").startswith("亲，真丝围巾售价 ¥30.00。")

    edit(shop / "products.yaml", "price: -oops", 'price: "35.00"')
    assert await holder.reload() == []
    assert holder.current is not first
    assert holder.current.catalog.products["BS-SCARF"].price == 3500
    assert answer_text(holder.current, "围巾多少钱").startswith("亲，真丝围巾售价 ¥35.00。")


async def test_failed_template_reload_returns_the_template_error(tmp_path) -> None:
    templates = copy_of(tmp_path, "templates")
    settings = Settings(shop_dir=copy_of(tmp_path, "shop"), templates_dir=templates,
                        promo_dir=copy_of(tmp_path, "promo_rules"))
    holder = KnowledgeHolder.load(settings, SystemClock())
    first = holder.current
    edit(templates / "zh-CN" / "thanks.j2", "不客气，亲！", "不客气，亲！YYDS")
    errors = await holder.reload()
    assert errors and any(e.file.name == "thanks.j2" and "yyds" in e.reason for e in errors)
    assert holder.current is first
    assert answer_text(holder.current, "谢谢") == "不客气，亲！还有其他问题随时问我哦。"


@pytest.mark.parametrize(("locale", "says"), [("zh-CN", "等25位买家"), ("en", "and 20 more")])
def test_a_room_post_counts_the_askers_it_does_not_name(knowledge, locale: str, says: str) -> None:
    text = knowledge.render(locale, "live/burst", {
        "askers": [{"id": i, "name": f"买家{i}"} for i in range(5)], "more": 20,
        "answer": knowledge.markup("亲，有货。"),
    })
    assert text.count("tg://user?id=") == 5 and says in text
