"""Turning what buyers type into one canonical form before matching.

Buyers write traditional and simplified Chinese, full-width letters and digits (ＸＬ, １６０),
emoji, colloquial spellings (啥, 咋, 木有) and Chinese numerals (一米六, 一百斤). Matching
rules are written once, against the canonical form: NFKC, simplified Chinese, lower case,
colloquial words replaced, numerals in height/weight phrases turned into digits.

Invisible format characters (zero-width spaces, bidi marks: Unicode Cf) are removed first,
so `投\u200b诉` matches 投诉. Matching reads at most the first MATCH_READ_CHARS characters
of a message: buyer questions are short, and a bound keeps the cost of a 4,096-character
message (Telegram's maximum) flat whatever the patterns are (bench/bench_odd_input.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import opencc

from bot.understanding.invisible import strip_format_characters

# How much of a message matching reads; the rest is ignored (a question is near the start).
MATCH_READ_CHARS = 300

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+")
_HEIGHT_CN = re.compile(r"([一1])米([一二三四五六七八九\d])([一二三四五六七八九\d])?")
_SPACES = re.compile(r"\s+")
_UNITS = ("斤", "公斤", "千克", "kg", "cm", "厘米", "公分", "件", "条", "盒", "箱", "个")
# 么 ending a question is the spoken 吗 (可以退么, 在么); inside 什么/怎么/那么/这么/多么 it is not.
_ME_QUESTION = re.compile(r"(?<![什怎那这多要])么(?=[\s,.!?~、。]|$)")


_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
EN_NUMBER_WORDS = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
"""For patterns: the English number words `english_number` reads."""


def english_number(word: str) -> int | None:
    """"two" → 2 (one to twelve: the quantities buyers spell out)."""
    return _EN_NUMBERS.get(word)


def chinese_number(text: str) -> int | None:
    """Small Chinese numerals: 五十八 → 58, 一百 → 100, 一百二 → 120, 九十五 → 95."""
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for i, ch in enumerate(text):
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS[ch]
            if i == len(text) - 1 and i > 0 and text[i - 1] == "百":
                current *= 10  # 一百二 means 120
    return total + current


def _numerals(text: str) -> str:
    def height(match: re.Match[str]) -> str:
        digits = [str(_CN_DIGITS.get(g, g)) for g in match.groups() if g]
        return f"1米{''.join(digits[1:])}"

    text = _HEIGHT_CN.sub(height, text)

    def number(match: re.Match[str]) -> str:
        value = chinese_number(match[0])
        following = text[match.end():match.end() + 3].lstrip()
        if value is None or value < 10 or not following.startswith(_UNITS):
            return match[0]
        return str(value)

    return _CN_NUMBER.sub(number, text)


def is_emoji_or_symbol(ch: str) -> bool:
    """Emoji, pictographs, dingbats and other symbols buyers sprinkle into comments."""
    category = unicodedata.category(ch)
    return category in ("So", "Sk", "Cs", "Co", "Cn") or ch in "\u200d\ufe0f\ufe0e"


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str
    """Canonical text: simplified, NFKC, lower case, synonyms applied, symbols removed."""
    had_symbols: bool


class Normalizer:
    """Holds the converters; build one per loaded lexicon (OpenCC setup is not free)."""

    def __init__(self, synonyms: Mapping[str, str]) -> None:
        self._t2s = opencc.OpenCC("t2s")
        ordered = sorted(synonyms, key=len, reverse=True)
        self._synonyms = dict(synonyms)
        self._synonym_re = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, raw: str) -> Normalized:
        text = strip_format_characters(raw)[:MATCH_READ_CHARS]
        text = unicodedata.normalize("NFKC", text)
        text = self._t2s.convert(text).lower()
        had_symbols = any(is_emoji_or_symbol(ch) for ch in text)
        text = "".join(" " if is_emoji_or_symbol(ch) else ch for ch in text)
        if self._synonym_re is not None:
            text = self._synonym_re.sub(lambda m: self._synonyms[m[0]], text)
        text = _ME_QUESTION.sub("吗", text)
        text = _numerals(text)
        text = _SPACES.sub(" ", text).strip()
        return Normalized(original=raw, text=text, had_symbols=had_symbols)
