"""aiogram routers, one per audience, joined in `get_routers`.

Order matters: ops commands are tried first (they work in the live room and in private
chat), then the agents' group, the live room, the after-sales form (its states and
buttons come before private chat's catch-all questions) and private chat; the errors router catches
what escapes.
"""

from __future__ import annotations

from aiogram import Router

from bot.config import Settings
from handlers import (
    after_sales,
    agents,
    console,
    customer_notes,
    errors,
    live_room,
    ops,
    private_chat,
)


def get_routers(settings: Settings) -> list[Router]:
    return [
        ops.make_router(settings),
        console.make_router(settings),
        customer_notes.make_router(settings),
        agents.make_router(settings),
        live_room.make_router(settings),
        after_sales.make_router(settings),
        private_chat.make_router(settings),
        errors.make_router(),
    ]
