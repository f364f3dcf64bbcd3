"""The console on a real port, wired to the real bot of the e2e harness (emulator + Redis).

The console verifies sign-ins with TEST_TOKEN (standing in for the bot's token); tests sign
Login Widget data with it, and with STRANGER_TOKEN for a signature from another bot.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.config import Settings
from bot.knowledge.snapshot import load_knowledge
from bot.web.app import build_console, make_app
from bot.web.auth import sign_widget
from bot.web.context import Console
from bot.web.settings import WebSettings
from tests.conftest import ROOT
from tests.e2e.harness import Session, demo_settings, running_bot

TEST_TOKEN = "4242424242:console-test-token"
STRANGER_TOKEN = "5151515151:someone-elses-bot"


@dataclass
class RunningConsole:
    session: Session
    console: Console
    url: str

    def widget_url(self, user_id: int, name: str, *, token: str = TEST_TOKEN,
                   auth_date: int | None = None, **tamper: str) -> str:
        data = sign_widget(token, user_id, name, auth_date)
        data.update(tamper)
        return f"{self.url}/auth/telegram?{urlencode(data)}"


def sign_init_data(token: str, user_id: int, name: str, auth_date: int | None = None) -> str:
    """Mini App init data as Telegram signs it (HMAC keyed by "WebAppData")."""
    fields = {"user": json.dumps({"id": user_id, "first_name": name}, ensure_ascii=False),
              "auth_date": str(int(time.time()) if auth_date is None else auth_date), "query_id": "AAE1"}
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def copied_settings(key_prefix: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Demo settings over copies of the data folders, so editors never touch the repository."""
    for folder in ("promo_rules", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return demo_settings(key_prefix, promo_dir=tmp_path / "promo_rules", templates_dir=tmp_path / "templates",
                         **overrides)


@contextlib.asynccontextmanager
async def running_console(settings: Settings, redis: Redis, *, sandbox: bool = False,
                          web_settings: WebSettings | None = None) -> AsyncIterator[RunningConsole]:
    knowledge = load_knowledge(settings, SystemClock().now())
    async with running_bot(settings, redis, knowledge) as session:
        runtime = session.runtime
        people = [(s.id, s.name) for s in knowledge.catalog.staff.values()] if sandbox else None
        console = build_console(settings, web_settings or WebSettings(), token=TEST_TOKEN,
                                agent_desk=runtime.agent_desk, handoff=runtime.handoff,
                                holder=runtime.holder, redis=redis, clock=SystemClock(), sandbox_people=people)
        runner = web.AppRunner(make_app(console), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield RunningConsole(session, console, f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()
