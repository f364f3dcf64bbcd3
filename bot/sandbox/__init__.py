"""Telegram Bot API emulator and the sandbox web page (`livedesk sandbox`, e2e tests, bench)."""

from bot.sandbox.call_record import BotCall
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from bot.sandbox.errors import BotApiError
from bot.sandbox.faults import FaultRule
from bot.sandbox.state import TelegramState
from bot.sandbox.world import (
    DEMO_AGENTS_CHAT_ID,
    DEMO_LIVE_ROOM_ID,
    GroupChat,
    Person,
    World,
    demo_world,
    people_from_records,
)

__all__ = [
    "DEMO_AGENTS_CHAT_ID", "DEMO_LIVE_ROOM_ID", "SANDBOX_TOKEN", "BotApiError", "BotCall",
    "Emulator", "FaultRule", "GroupChat", "Person", "TelegramState", "World", "demo_world",
    "people_from_records",
]
