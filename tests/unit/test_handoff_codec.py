"""Conversations and messages survive the trip to Redis values and back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handoff.codec import (
    conversation_fields,
    conversation_from,
    history_from,
    history_json,
    message_from,
    message_json,
)
from bot.handoff.model import CloseKind, Conversation, MessageKind, Priority, Role, Status

T0 = datetime(2026, 11, 23, 4, 0, 0, 123000, tzinfo=UTC)


def test_a_full_conversation_round_trips() -> None:
    conv = Conversation(
        id=7, buyer_id=5_000_000_001, buyer_name="小美", language_code="zh-hans", shop="bloom",
        reason="投诉; 转人工", priority=Priority.complaint, status=Status.closed, agent_id=9001,
        topic_id=42, created_at=T0, queued_at=T0, taken_at=T0 + timedelta(seconds=30),
        closed_at=T0 + timedelta(minutes=5), close_kind=CloseKind.back, closed_by=9001,
        stage_sku="BS-DRESS", told_no_agent=True, told_position=3, told_eta_minutes=None,
    )
    fields = conversation_fields(conv)
    assert all(isinstance(v, str) and v != "" for v in fields.values())
    assert conversation_from({k.encode(): v.encode() for k, v in fields.items()}) == conv


def test_a_fresh_conversation_has_no_optional_fields() -> None:
    conv = Conversation(7, 1, "A", "en", "bloom", "转人工", Priority.normal, Status.queued,
                        None, None, T0, T0)
    fields = conversation_fields(conv)
    assert "agent_id" not in fields and "taken_at" not in fields and "told_no_agent" not in fields
    assert conversation_from(fields) == conv


def test_an_empty_hash_is_no_conversation() -> None:
    assert conversation_from({}) is None


def test_a_logged_message_gets_its_id_in_front_and_round_trips() -> None:
    body = message_json(7, Role.buyer, 1, "有M码吗？\n\"引号\"", MessageKind.photo, "AgAD", 88, T0)
    assert body.startswith("{") and '"id"' not in body
    stored = '{"id":12,' + body[1:]  # what log.lua writes
    msg = message_from(stored.encode())
    assert (msg.id, msg.conversation_id, msg.role, msg.text, msg.kind, msg.file_id,
            msg.telegram_message_id, msg.at) == (12, 7, Role.buyer, "有M码吗？\n\"引号\"",
                                                 MessageKind.photo, "AgAD", 88, T0)


def test_history_lines_round_trip() -> None:
    entry = history_from(history_json(Role.bot, "下单后48小时内发货", T0))
    assert (entry.role, entry.text, entry.at) == (Role.bot, "下单后48小时内发货", T0)
