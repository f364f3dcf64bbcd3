"""Conversations, messages and relays to Redis values and back (pure).

Instants are epoch milliseconds (integers keep Lua arithmetic exact); absent optional
values are absent hash fields, never empty strings, so a script's HGET answers false.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.handoff.model import (
    CloseKind,
    Conversation,
    Direction,
    HistoryEntry,
    LoggedMessage,
    MessageKind,
    Priority,
    Relay,
    Role,
    Status,
)
from bot.handoff.policy import to_ms

Raw = Mapping[bytes | str, bytes | str]


def text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def from_ms(ms: int | str | bytes) -> datetime:
    return datetime.fromtimestamp(int(text(ms) if not isinstance(ms, int) else ms) / 1000, UTC)


def decode_hash(raw: Raw) -> dict[str, str]:
    return {text(k): text(v) for k, v in raw.items()}


def _opt_int(fields: Mapping[str, str], name: str) -> int | None:
    value = fields.get(name)
    return None if value is None or value == "" else int(value)


def _opt_time(fields: Mapping[str, str], name: str) -> datetime | None:
    value = _opt_int(fields, name)
    return None if value is None else from_ms(value)


def conversation_fields(c: Conversation) -> dict[str, str]:
    """The hash of a conversation; only present values."""
    out = {
        "id": str(c.id), "buyer_id": str(c.buyer_id), "buyer_name": c.buyer_name,
        "language_code": c.language_code, "shop": c.shop, "reason": c.reason,
        "priority": str(int(c.priority)), "status": c.status.value,
        "created_at": str(to_ms(c.created_at)), "queued_at": str(to_ms(c.queued_at)),
    }
    optional: dict[str, object | None] = {
        "agent_id": c.agent_id, "topic_id": c.topic_id,
        "taken_at": None if c.taken_at is None else to_ms(c.taken_at),
        "closed_at": None if c.closed_at is None else to_ms(c.closed_at),
        "close_kind": None if c.close_kind is None else c.close_kind.value,
        "closed_by": c.closed_by, "stage_sku": c.stage_sku,
        "told_no_agent": "1" if c.told_no_agent else None,
        "told_position": c.told_position, "told_eta": c.told_eta_minutes,
    }
    out.update({k: str(v) for k, v in optional.items() if v is not None})
    return out


def conversation_from(raw: Raw) -> Conversation | None:
    """None for an empty hash (unknown or expired conversation)."""
    f = decode_hash(raw)
    if not f:
        return None
    return Conversation(
        id=int(f["id"]), buyer_id=int(f["buyer_id"]), buyer_name=f.get("buyer_name", ""),
        language_code=f.get("language_code", ""), shop=f["shop"], reason=f.get("reason", ""),
        priority=Priority(int(f["priority"])), status=Status(f["status"]),
        agent_id=_opt_int(f, "agent_id"), topic_id=_opt_int(f, "topic_id"),
        created_at=from_ms(f["created_at"]), queued_at=from_ms(f["queued_at"]),
        taken_at=_opt_time(f, "taken_at"), closed_at=_opt_time(f, "closed_at"),
        close_kind=CloseKind(f["close_kind"]) if f.get("close_kind") else None,
        closed_by=_opt_int(f, "closed_by"), stage_sku=f.get("stage_sku") or None,
        told_no_agent=f.get("told_no_agent") == "1",
        told_position=_opt_int(f, "told_position"), told_eta_minutes=_opt_int(f, "told_eta"),
    )


def message_json(conversation_id: int, role: Role, sender_id: int, body: str,
                 kind: MessageKind, file_id: str | None, telegram_message_id: int | None,
                 at: datetime) -> str:
    """A logged message without its id: the log script puts `"id":N,` in front."""
    return json.dumps({
        "conversation_id": int(conversation_id), "role": role.value, "sender_id": int(sender_id),
        "text": body, "kind": kind.value, "file_id": file_id,
        "telegram_message_id": telegram_message_id, "at": to_ms(at),
    }, ensure_ascii=False, separators=(",", ":"))


def message_from(raw: bytes | str) -> LoggedMessage:
    d = json.loads(text(raw))
    return LoggedMessage(
        id=int(d["id"]), conversation_id=int(d["conversation_id"]), role=Role(d["role"]),
        sender_id=int(d["sender_id"]), text=d["text"], kind=MessageKind(d["kind"]),
        file_id=d.get("file_id"), telegram_message_id=d.get("telegram_message_id"),
        at=from_ms(d["at"]),
    )


def history_json(role: Role, body: str, at: datetime) -> str:
    return json.dumps({"role": role.value, "text": body, "at": to_ms(at)},
                      ensure_ascii=False, separators=(",", ":"))


def history_from(raw: bytes | str) -> HistoryEntry:
    d = json.loads(text(raw))
    return HistoryEntry(role=Role(d["role"]), text=d["text"], at=from_ms(d["at"]))


def payload_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def relay_from(raw: Raw) -> Relay | None:
    f = decode_hash(raw)
    if not f:
        return None
    return Relay(
        id=int(f["id"]), conversation_id=int(f["conversation_id"]),
        direction=Direction(f["direction"]), message_id=int(f["message_id"]),
        payload=json.loads(f.get("payload") or "{}"),
        created_at=_opt_time(f, "created_at"), attempts=int(f.get("attempts", "0")),
    )
