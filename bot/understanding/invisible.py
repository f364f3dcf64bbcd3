"""Removing invisible format characters (Unicode category Cf) from what people type.

Zero-width spaces and joiners, soft hyphens, bidi marks and the like render as nothing,
so `投\u200b诉` reads as 投诉 to a person while defeating every substring and pattern
match. Buyers paste them by accident (copied text) and, now and then, on purpose to slip a
word past a filter; agents could do the same with a forbidden word. Both the matcher and
the service-language check read text with them removed.

One Cf character carries meaning: the zero-width joiner (U+200D) that glues emoji into one
picture (👨‍👩‍👧). It is kept when it stands between two emoji; so are the tag characters
that spell a subdivision flag after 🏴.
"""

from __future__ import annotations

import unicodedata

_ZWJ = "\u200d"
_BLACK_FLAG = "\U0001f3f4"
_TAGS = range(0xE0020, 0xE0080)
_EMOJI_TAIL = "\ufe0f\ufe0e\u20e3"  # variation selectors and the keycap mark end an emoji


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or ch in _EMOJI_TAIL


def strip_format_characters(text: str) -> str:
    """`text` without Cf characters, except ZWJ inside emoji sequences and flag tags."""
    if text.isascii():
        return text  # no Cf character is ASCII
    kept: list[str] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            kept.append(ch)
        elif ch == _ZWJ and kept and _is_emoji(kept[-1]) and i + 1 < len(text) and _is_emoji(text[i + 1]):
            kept.append(ch)
        elif ord(ch) in _TAGS and kept and (kept[-1] == _BLACK_FLAG or ord(kept[-1]) in _TAGS):
            kept.append(ch)
    return "".join(kept)
