"""An `Outgoing` as flat text fields and back, so a queued send can wait in Redis.

A send queued by one process may be delivered by another (the durable send queue,
`bot.runtime.send_streams`), so everything needed to send it again must survive as text:
the message fields, the buttons (aiogram's own JSON of the markup) and, for any other Bot
API call, the method's name and its JSON. The future a caller holds does not travel:
whoever needs the sent message waits on `Outbox.call`, which stays in the process.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import methods
from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup

from bot.telegram.pacing import Lane
from bot.telegram.sending import Outgoing


class UnreadableSend(ValueError):
    """A queued send that cannot be rebuilt (a method this version does not know, broken JSON)."""


def _method_json(method: TelegramMethod[Any]) -> str:
    # Fields left to the bot's defaults (parse_mode...) are left out: rebuilt, they default
    # again. Unset fields are None; an explicit None (parse_mode=None: plain text) is kept.
    chosen = {name for name, value in method if value is not None and not isinstance(value, Default)}
    chosen |= {name for name in method.model_fields_set if getattr(method, name) is None}
    data = method.model_dump(mode="json", by_alias=True, include=chosen)
    return json.dumps({"name": type(method).__name__, "data": data}, ensure_ascii=False)


def _method(raw: str) -> TelegramMethod[Any]:
    spec = json.loads(raw)
    kind = getattr(methods, str(spec.get("name", "")), None)
    if not (isinstance(kind, type) and issubclass(kind, TelegramMethod)):
        raise UnreadableSend(f"unknown Bot API method {spec.get('name')!r}")
    return kind.model_validate(spec["data"])


def encode(item: Outgoing) -> dict[str, str]:
    """The fields of a stream entry for `item` (empty fields left out)."""
    fields = {"chat": str(item.chat_id), "purpose": item.purpose, "lane": str(int(item.lane))}
    if item.text:
        fields["text"] = item.text
    if item.reply_to is not None:
        fields["reply_to"] = str(item.reply_to)
    if item.thread_id is not None:
        fields["thread"] = str(item.thread_id)
    if item.markup is not None:
        fields["markup"] = item.markup.model_dump_json(exclude_none=True)
    if item.method is not None:
        fields["method"] = _method_json(item.method)
    if item.effect_key is not None:
        fields["effect"] = item.effect_key
    return fields


def decode(fields: dict[str, str]) -> Outgoing:
    """The send described by `fields` (as `encode` wrote them); UnreadableSend if broken."""
    try:
        return Outgoing(
            chat_id=int(fields["chat"]),
            text=fields.get("text", ""),
            reply_to=int(fields["reply_to"]) if "reply_to" in fields else None,
            markup=InlineKeyboardMarkup.model_validate_json(fields["markup"]) if "markup" in fields else None,
            thread_id=int(fields["thread"]) if "thread" in fields else None,
            purpose=fields.get("purpose", "answer"),
            method=_method(fields["method"]) if "method" in fields else None,
            effect_key=fields.get("effect"),
            priority=Lane(int(fields["lane"])) if "lane" in fields else None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        if isinstance(exc, UnreadableSend):
            raise
        raise UnreadableSend(f"{type(exc).__name__}: {exc}") from exc
