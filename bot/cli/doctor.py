"""`livedesk doctor`: check a real deployment and say exactly what to fix.

Each check prints ✓ or ✗ with the remedy; the command exits non-zero if any failed.
"""

from __future__ import annotations

from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiohttp import ClientError
from redis.exceptions import RedisError
from rich.console import Console

from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import load_knowledge
from bot.runtime.app import make_bot
from bot.runtime.redis_connection import connect, display_url


async def run_checks(settings: Settings, console: Console) -> bool:
    ok = True

    def good(text: str) -> None:
        console.print(f"[green]✓[/] {text}")

    def bad(text: str, fix: str) -> None:
        nonlocal ok
        ok = False
        console.print(f"[red]✗[/] {text}\n    → {fix}")

    try:
        knowledge = load_knowledge(settings, SystemClock().now())
        good(f"data files: {len(knowledge.catalog.products)} products, {len(knowledge.rules)} rules")
        ops = knowledge.catalog.ops_accounts(settings.ops_ids)
        if ops:
            good(f"ops accounts: {', '.join(map(str, ops))}")
        else:
            bad("no ops account", "add staff with role ops to shop/people.yaml or set OPS_IDS")
    except DataFileError as exc:
        bad(f"data files have {len(exc.errors)} problem(s): {exc.errors[0]}", "run `livedesk check`")

    url = settings.redis_url or DEFAULT_REDIS_URL
    redis = connect(url)
    try:
        await redis.ping()
        good(f"Redis reachable at {display_url(url)} (key prefix {settings.redis_prefix!r})")
    except (RedisError, OSError) as exc:
        bad(f"Redis not reachable at {display_url(url)}: {exc}", "start Redis or set REDIS_URL=redis://host:6379/0")
    finally:
        await redis.aclose()

    if settings.bot_token is None:
        bad("BOT_TOKEN is not set", "create a bot with @BotFather and set BOT_TOKEN")
        return False
    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_base)
    try:
        me = await bot.get_me()
        good(f"token works: @{me.username} (id {me.id})")
        if not me.can_read_all_group_messages:
            console.print("[yellow]![/] privacy mode is on: the bot sees only commands and replies in "
                          "groups unless it is an admin there\n    → @BotFather: /setprivacy → Disable, "
                          "or make the bot an admin of the live room")
        for chat_id, role, forum in ((settings.live_room_chat_id, "live room", False),
                                     (settings.agents_chat_id, "agents' group", True)):
            try:
                chat = await bot.get_chat(chat_id)
                member = await bot.get_chat_member(chat_id, me.id)
            except TelegramAPIError as exc:
                bad(f"{role} {chat_id}: {exc.message}",
                    f"add the bot to the {role} and set its id in the config")
                continue
            if chat.type != ChatType.SUPERGROUP:
                bad(f"{role} {chat_id} is a {chat.type}", "convert it to a supergroup")
            elif forum and not chat.is_forum:
                bad(f"{role} {chat_id} has no topics", "enable Topics in the group settings")
            elif member.status != ChatMemberStatus.ADMINISTRATOR:
                bad(f"bot is {member.status} in the {role}", "make the bot an administrator there")
            elif forum and not getattr(member, "can_manage_topics", False):
                bad(f"bot cannot manage topics in the {role}", "give the bot the Manage Topics right")
            else:
                good(f"{role} {chat.title or chat_id}: supergroup, bot is admin")
    except (TelegramAPIError, ClientError, OSError) as exc:
        bad(f"cannot reach Telegram: {exc}", "check BOT_TOKEN, TELEGRAM_API_BASE and the network")
    finally:
        await bot.session.close()
    return ok
