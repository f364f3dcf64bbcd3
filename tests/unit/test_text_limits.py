"""Texts over Telegram's 4,096-character limit go out as several messages, split at lines."""

from __future__ import annotations

import pytest

from bot.telegram.text_limits import MESSAGE_LIMIT, split_text, telegram_length


def test_a_text_within_the_limit_is_one_message() -> None:
    text = "亲" * MESSAGE_LIMIT
    assert split_text(text) == [text]


def test_a_long_text_is_split_at_line_boundaries() -> None:
    lines = [f"第{i}行：订单100{i} 已发货，中通快递" + "。" * 40 for i in range(200)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(telegram_length(p) <= MESSAGE_LIMIT for p in parts)
    assert [line for part in parts for line in part.split("\n")] == lines  # nothing lost, no line cut


def test_a_single_line_over_the_limit_is_cut_hard() -> None:
    text = "a" * (MESSAGE_LIMIT * 2 + 10)
    parts = split_text(text)
    assert [len(p) for p in parts] == [MESSAGE_LIMIT, MESSAGE_LIMIT, 10]
    assert "".join(parts) == text


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "😀" * MESSAGE_LIMIT  # 8,192 UTF-16 units
    parts = split_text(text)
    assert all(telegram_length(p) <= MESSAGE_LIMIT for p in parts) and "".join(parts) == text
    assert len(parts) == 2


@pytest.mark.parametrize("markup", ['<a href="tg://user?id=700001">@小王</a>', "&amp;"])
def test_a_hard_cut_never_falls_inside_a_tag_or_entity(markup: str) -> None:
    text = ("x" * (MESSAGE_LIMIT - 3)) + markup + ("y" * 100)  # the markup crosses the limit
    parts = split_text(text)
    assert "".join(parts) == text
    assert parts[0] == "x" * (MESSAGE_LIMIT - 3) and parts[1].startswith(markup)
