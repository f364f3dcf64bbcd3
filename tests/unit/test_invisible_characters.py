"""Invisible format characters (Unicode Cf) do not hide words from matching or the language check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.language import check, compliant_alternative, load_language_rules
from bot.understanding.invisible import strip_format_characters
from bot.understanding.normalize import MATCH_READ_CHARS, Normalizer

ROOT = Path(__file__).resolve().parents[2]
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one picture: man ZWJ woman ZWJ girl
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize("raw", [
    "投\u200b诉",   # zero-width space
    "投\u200c诉",   # zero-width non-joiner
    "投\u200d诉",   # zero-width joiner between two characters that are not emoji
    "投\u2060诉",   # word joiner
    "\ufeff投诉",   # byte-order mark
    "投\u00ad诉",   # soft hyphen
    "\u202e投诉\u202c",  # bidi override
    "投\u200b\u200b\u200b诉",
])
def test_format_characters_are_removed(raw: str) -> None:
    assert strip_format_characters(raw) == "投诉"


def test_emoji_sequences_keep_their_joiners_and_tags() -> None:
    assert strip_format_characters(f"好{FAMILY}看") == f"好{FAMILY}看"
    assert strip_format_characters(SCOTLAND) == SCOTLAND
    assert strip_format_characters("\U0001f44d\u200d好") == "\U0001f44d好"  # no emoji after it


def test_the_normaliser_reads_through_zero_width_characters() -> None:
    normalize = Normalizer({})
    assert normalize("我要投\u200b诉").text == "我要投诉"
    assert normalize("多\u200b少\ufeff钱").text == "多少钱"
    assert normalize("我要投\u200b诉").original == "我要投\u200b诉"  # what the buyer wrote is kept


def test_matching_reads_only_the_first_few_hundred_characters() -> None:
    normalize = Normalizer({})
    assert 100 <= MATCH_READ_CHARS <= 1000
    long = "多少钱" + "啊" * 5000
    assert normalize(long).text == ("多少钱" + "啊" * 5000)[:MATCH_READ_CHARS]
    assert "投诉" not in normalize("啊" * MATCH_READ_CHARS + "投诉").text  # past the limit: not read
    assert normalize("啊" * (MATCH_READ_CHARS - 2) + "投诉").text.endswith("投诉")
    hidden = "\u200b" * 5000 + "投诉"  # invisible padding does not use up the limit
    assert normalize(hidden).text == "投诉"


@pytest.fixture(scope="module")
def rules():
    return load_language_rules(ROOT / "templates" / "language.yaml")


@pytest.mark.parametrize("text", ["亲，这款是最\u200b好的", "亲，这款是最\ufeff好的", "亲，全网最\u00ad低价"])
def test_a_forbidden_word_split_by_an_invisible_character_is_caught(rules, text: str) -> None:
    found = {v.word for v in check(text, rules)}
    assert found & {"最好", "最低价"}


def test_the_alternative_rewrites_the_hidden_word(rules) -> None:
    alternative = compliant_alternative("亲，这款是最\u200b好的", rules)
    assert "最好" not in alternative and "\u200b" not in alternative
    assert not check(alternative, rules)
