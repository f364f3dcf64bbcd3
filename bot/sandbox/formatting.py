"""Telegram's HTML parse mode, turned into plain text plus entities as Telegram does.

The bot sends HTML; Telegram stores plain text with entities (offsets in UTF-16 code
units) and rejects malformed markup with "can't parse entities". Emulating that rejection
is the point: an unescaped "<" from a buyer's name would break the real bot, so it must
break in the sandbox and the tests too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlparse

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_OTHER_TAGS = {"a", "span", "tg-emoji", "br"}


class EntityParseError(ValueError):
    """Markup Telegram would refuse; str() is the part after "Bad Request: "."""


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units (emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units so far
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def _fail(self, reason: str) -> None:
        raise EntityParseError(f"can't parse entities: {reason}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_data("\n")
            return
        attributes = {k: v or "" for k, v in attrs}
        entity: dict[str, Any]
        if tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
            if tag == "code" and self.stack and self.stack[-1][0] == "pre":
                lang = attributes.get("class", "")
                if lang.startswith("language-"):
                    self.stack[-1][2]["language"] = lang.removeprefix("language-")
                entity = {}
            if tag == "blockquote" and "expandable" in attributes:
                entity = {"type": "expandable_blockquote"}
        elif tag == "a":
            href = attributes.get("href", "")
            entity = _link_entity(href)
        elif tag == "span":
            if attributes.get("class") != "tg-spoiler":
                self._fail('Unsupported start tag "span" without class="tg-spoiler"')
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id", "")}
        else:
            self._fail(f'Unsupported start tag "{tag}" at line {self.getpos()[0]}')
            return
        self.stack.append((tag, self.length, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_data("\n")
            return
        self._fail(f'Unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        if not self.stack or self.stack[-1][0] != tag:
            self._fail(f'Unmatched end tag "{tag}" at line {self.getpos()[0]}')
        _, start, entity = self.stack.pop()
        if entity and self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _link_entity(href: str) -> dict[str, Any]:
    parsed = urlparse(href)
    if parsed.scheme == "tg" and parsed.netloc == "user":
        ids = parse_qs(parsed.query).get("id", [])
        if ids and ids[0].isdigit():
            return {"type": "text_mention", "user": {"id": int(ids[0]), "is_bot": False,
                                                      "first_name": ""}}
    return {"type": "text_link", "url": href}


_BARE_LT = re.compile(r"<(?![A-Za-z/])")


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a Telegram-HTML message, or EntityParseError."""
    if "<" not in text and "&" not in text:
        return text, []
    bare = _BARE_LT.search(text)
    if bare is not None:
        offset = len(text[: bare.start()].encode())
        raise EntityParseError(
            f"can't parse entities: Unexpected end of name token at byte offset {offset}")
    parser = _TelegramHtml()
    parser.feed(text)
    return parser.finish()


def strip_markdown_v2(text: str) -> str:
    """Best effort for MarkdownV2: drop escapes and markers, keep the words readable."""
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"(?<!\\)[*_~|`]", "", text)


_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}")


def user_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram adds to what a person types: bot commands and @mentions."""
    found: list[tuple[int, int, str]] = []
    for match in _COMMAND.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
    for match in _MENTION.finditer(text):
        if not any(s <= match.start() < e for s, e, _ in found):
            found.append((match.start(), match.end(), "mention"))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]
