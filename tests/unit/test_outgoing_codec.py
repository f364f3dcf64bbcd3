"""A queued send survives the trip through Redis text fields unchanged."""

from __future__ import annotations

import json

import pytest
from aiogram.client.default import Default
from aiogram.methods import CopyMessage, EditMessageReplyMarkup, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.outgoing_codec import UnreadableSend, decode, encode
from bot.telegram.pacing import Lane
from bot.telegram.sending import Outgoing

BUTTONS = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="取消排队", callback_data="hx:c:7")]])


def test_a_message_with_buttons_reply_and_topic_comes_back_the_same() -> None:
    item = Outgoing(-1001000000200, "亲，<b>48小时</b>内发货 🚚", reply_to=12, markup=BUTTONS, thread_id=5,
                    purpose="agents", effect_key="u9:agents:1")
    back = decode(encode(item))
    assert (back.chat_id, back.text, back.reply_to, back.thread_id, back.purpose, back.effect_key) == (
        -1001000000200, "亲，<b>48小时</b>内发货 🚚", 12, 5, "agents", "u9:agents:1")
    assert back.markup == BUTTONS
    assert back.lane is Lane.LOW


def test_a_bot_api_call_comes_back_as_the_same_call() -> None:
    copy = CopyMessage(chat_id=-1001000000200, from_chat_id=700001, message_id=33, message_thread_id=5)
    edit = EditMessageReplyMarkup(chat_id=700001, message_id=40, reply_markup=None)
    for method in (copy, edit):
        back = decode(encode(Outgoing(700001, method=method, purpose="relay to_agents")))
        assert type(back.method) is type(method)
        assert back.method.model_dump(exclude_none=True) == method.model_dump(exclude_none=True)


def test_a_lane_chosen_by_the_sender_is_kept() -> None:
    assert decode(encode(Outgoing(700001, "hi", purpose="agents", priority=Lane.BUYER))).lane is Lane.BUYER


@pytest.mark.parametrize("fields", [
    {"purpose": "answer"},  # no chat
    {"chat": "x1"},
    {"chat": "1", "method": json.dumps({"name": "DropDatabase", "data": {}})},
    {"chat": "1", "method": "{broken"},
    {"chat": "1", "markup": "[]"},
])
def test_a_broken_entry_is_reported_not_guessed(fields: dict[str, str]) -> None:
    with pytest.raises(UnreadableSend):
        decode(fields)


def test_plain_text_stays_plain_and_defaults_stay_defaults() -> None:
    plain = decode(encode(Outgoing(700001, method=SendMessage(chat_id=700001, text="<b>", parse_mode=None))))
    assert isinstance(plain.method, SendMessage) and plain.method.parse_mode is None
    default = decode(encode(Outgoing(700001, method=SendMessage(chat_id=700001, text="hi"))))
    assert isinstance(default.method, SendMessage) and isinstance(default.method.parse_mode, Default)
