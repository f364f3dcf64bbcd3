"""English answers show English catalogue words; missing translations are found by the lint."""

from __future__ import annotations

from datetime import datetime

from bot.answers.localize import catalogue_terms, catalogue_words, localized, untranslated
from bot.shop.catalog import Catalog


def test_catalogue_values_are_swapped_in_nested_contexts(catalog: Catalog) -> None:
    terms = catalogue_terms(catalog, "en")
    context = {"product": {"name": "纯棉连衣裙", "material": "棉95% 氨纶5%", "colours": ["米白", "雾蓝"]},
               "cart": {"lines": [{"name": "针织开衫", "qty": 2}]}, "buyer": {"name": "小王"},
               "shipping": {"remote_regions": ["新疆", "西藏", "青海"]}}
    out = localized(context, terms)
    assert out["product"] == {"name": "cotton dress", "material": "95% cotton 5% spandex",
                              "colours": ["off-white", "haze blue"]}
    assert out["cart"]["lines"][0]["name"] == "knit cardigan"
    assert out["buyer"]["name"] == "小王"                       # not a catalogue value
    assert out["shipping"]["remote_regions"] == ["Xinjiang", "Tibet", "Qinghai"]
    assert catalogue_terms(catalog, "zh-CN") == {}


def test_a_missing_translation_is_reported(catalog: Catalog) -> None:
    words = catalogue_words(catalog)
    assert "纯棉连衣裙" in words and "cotton dress" not in words
    assert untranslated("The 纯棉连衣裙 is ¥120.00.", words) == ["纯棉连衣裙"]
    assert untranslated("The cotton dress is ¥120.00.", words) == []


def test_english_answers_are_english_throughout(tmp_path, demo_now: datetime) -> None:
    from bot.answers.composer import Asker
    from bot.config import Settings
    from bot.knowledge.snapshot import load_knowledge
    from bot.understanding.intents import Channel

    knowledge = load_knowledge(Settings(), demo_now)
    for question in ("what is the dress made of", "what colours does the dress come in",
                     "how much is the silk scarf"):
        match = knowledge.matcher.match(question, Channel.private)
        answer = knowledge.composer.compose(match, Channel.private, Asker(1, "Ann", "en"), demo_now)
        assert answer is not None and answer.template != "clarify", question
        text = knowledge.render_answer("en", answer)
        assert untranslated(text, catalogue_words(knowledge.catalog)) == [], text
