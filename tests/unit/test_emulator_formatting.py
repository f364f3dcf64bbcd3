"""Telegram-HTML to plain text + entities, and what a person's typing gets marked as."""

from __future__ import annotations

import pytest

from bot.sandbox.formatting import EntityParseError, parse_html, user_entities


def test_html_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html('😀 <b>亲</b>，&lt;M码&gt; <a href="tg://user?id=700001">小王</a>')
    assert text == "😀 亲，<M码> 小王"
    assert entities[0] == {"type": "bold", "offset": 3, "length": 1}
    mention = entities[1]
    assert mention["type"] == "text_mention" and mention["user"]["id"] == 700001
    assert (mention["offset"], mention["length"]) == (10, 2)


def test_plain_text_passes_untouched() -> None:
    assert parse_html("多少钱 100%") == ("多少钱 100%", [])


@pytest.mark.parametrize("bad", ["<foo>x</foo>", "<b>open", "a <i>b</b>", "价格<3折"])
def test_malformed_html_is_refused_like_telegram(bad: str) -> None:
    with pytest.raises(EntityParseError, match="can't parse entities"):
        parse_html(bad)


def test_commands_and_mentions_typed_by_people() -> None:
    assert user_entities("/now BS-DRESS") == [{"type": "bot_command", "offset": 0, "length": 4}]
    assert user_entities("问 @livedesk_bot 一下") == [
        {"type": "mention", "offset": 2, "length": 13}]
    assert user_entities("/take@livedesk_bot") == [
        {"type": "bot_command", "offset": 0, "length": 18}]
    assert user_entities("1/2 件") == []
