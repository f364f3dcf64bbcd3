"""Canonical text: what the matching rules can rely on, whatever the buyer typed."""

from __future__ import annotations

import pytest

from bot.understanding.normalize import Normalizer


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    return Normalizer({"啥": "什么", "咋": "怎么", "木有": "没有", "多钱": "多少钱"})


@pytest.mark.parametrize(("raw", "canonical"), [
    ("這件多少錢", "这件多少钱"),            # traditional → simplified
    ("開衫有哪些尺碼", "开衫有哪些尺码"),
    ("ＸＬ有吗？", "xl有吗?"),               # full-width letters and punctuation
    ("１６０ ５０ｋｇ", "160 50kg"),          # full-width digits
    ("啥时候发货", "什么时候发货"),            # colloquial words
    ("咋退", "怎么退"),
    ("m码木有了吗", "m码没有了吗"),
    ("多钱", "多少钱"),
    ("可以退么", "可以退吗"),                 # a question-ending 么 is 吗 ...
    ("什么面料", "什么面料"),                 # ... but not inside 什么/怎么
    ("怎么退", "怎么退"),
    ("Hello   THERE", "hello there"),          # lower case, spaces collapsed
])
def test_canonical_text(normalize: Normalizer, raw: str, canonical: str) -> None:
    assert normalize(raw).text == canonical


@pytest.mark.parametrize(("raw", "canonical"), [
    ("一米六 一百斤", "1米6 100斤"),
    ("一米六五 九十五斤", "1米65 95斤"),
    ("一米五八 五十公斤", "1米58 50公斤"),
    ("一百零五斤", "105斤"),
    ("一百二斤", "120斤"),
    ("一百六十 厘米", "160 厘米"),
])
def test_chinese_numerals_in_measurements(normalize: Normalizer, raw: str, canonical: str) -> None:
    assert normalize(raw).text == canonical


def test_numerals_elsewhere_are_left_alone(normalize: Normalizer) -> None:
    assert normalize("一起买两件").text == "一起买两件"   # 两 < 10: a quantity word, not a measure
    assert normalize("三心二意").text == "三心二意"


def test_emoji_are_removed_and_remembered(normalize: Normalizer) -> None:
    result = normalize("M码还有吗🙏")
    assert result.text == "m码还有吗"
    assert result.had_symbols
    assert normalize("🌹🌹🌹").text == ""
    assert not normalize("有货吗").had_symbols
