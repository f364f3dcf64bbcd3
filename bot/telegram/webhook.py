"""The webhook secret, and a webhook that handles updates directly (no streams).

`livedesk run` / `livedesk ingest` receive webhooks through `bot.runtime.ingest`, which
keeps each update in Redis before answering (registered with max_connections=1) and
checks the secret derived here. The direct app below remains for in-process use (the
end-to-end webhook test drives the Dispatcher through it).

Receiving updates by webhook, with Telegram's secret token checked.

Telegram calls the webhook URL with the header X-Telegram-Bot-Api-Secret-Token set to
the secret given at setWebhook; any request without it is refused with 401. Updates are
handled before the answer is returned (not in the background), so Telegram re-sends an
update whose handling did not finish: with the desk's de-duplication this is the same
at-least-once guarantee as polling. A malformed update is logged and acknowledged, so
Telegram does not re-send it forever.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from aiogram import Bot
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.config import Settings
from bot.runtime.app import Runtime

log = logging.getLogger(__name__)


def webhook_secret(settings: Settings) -> str:
    """The configured secret, else one derived from the token (stable across restarts)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    return hashlib.sha256(f"livedesk-webhook:{token}".encode()).hexdigest()[:48]


class CheckedRequestHandler(SimpleRequestHandler):
    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            return await super()._handle_request(bot, request)
        except (ValidationError, ValueError) as exc:
            log.warning("malformed webhook update skipped: %s", exc)
            return web.Response(status=200)


def webhook_app(runtime: Runtime, secret: str) -> web.Application:
    app = web.Application()
    handler = CheckedRequestHandler(dispatcher=runtime.dp, bot=runtime.bot, secret_token=secret,
                                    handle_in_background=False)
    handler.register(app, path=runtime.settings.webhook_path)
    return app


async def serve_webhook(runtime: Runtime, **site: Any) -> web.AppRunner:
    """Register the webhook with Telegram and start listening; returns the runner to clean up."""
    settings = runtime.settings
    assert settings.webhook_url, "serve_webhook needs WEBHOOK_URL"
    secret = webhook_secret(settings)
    await runtime.start_background()
    runner = web.AppRunner(webhook_app(runtime, secret), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, site.get("host", settings.webhook_host), site.get("port", settings.webhook_port)).start()
    url = settings.webhook_url.rstrip("/") + settings.webhook_path
    await runtime.bot.set_webhook(url, secret_token=secret,
                                  allowed_updates=runtime.dp.resolve_used_update_types())
    log.info("webhook registered at %s; listening on %s:%s", url, settings.webhook_host, settings.webhook_port)
    return runner
