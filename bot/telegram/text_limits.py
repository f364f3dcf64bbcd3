"""Telegram's size limit on one message, and splitting longer texts to fit.

Telegram refuses a text over 4,096 characters ("message is too long"), counted in UTF-16
code units as its entity offsets are (an emoji outside the BMP counts twice). A long
answer — a gathered room answer, an order list, a report — is split at line boundaries
into messages that each fit; a single line longer than the limit is cut hard, never
inside an HTML tag or entity (the bot sends HTML), so every part still parses.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` as one or more parts of at most `limit` units, split after whole lines."""
    if telegram_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if telegram_length(current + line) <= limit:
            current += line
            continue
        if current:
            parts.append(current)
            current = ""
        while telegram_length(line) > limit:
            head = _hard_cut(line, limit)
            parts.append(head)
            line = line[len(head):]
        current = line
    if current:
        parts.append(current)
    return [part.rstrip("\n") for part in parts if part.strip()]


def _hard_cut(line: str, limit: int) -> str:
    """The longest head of `line` within `limit` that does not end inside a tag or entity.

    Texts are HTML: a raw `<` always opens a tag and a raw `&` an entity (text itself
    carries `&lt;` and `&amp;`), so an opener without its closer in the head is cut off."""
    units = 0
    end = 0
    for ch in line:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        end += 1
    head = line[:end]
    for opener, closer in (("<", ">"), ("&", ";")):
        cut = head.rfind(opener)
        if cut > 0 and closer not in head[cut:]:
            head = head[:cut]
    return head or line[:max(1, end)]  # nothing safe to keep: cut at the limit rather than loop
