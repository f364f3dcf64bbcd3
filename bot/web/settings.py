"""Settings of the console, from the environment (`WEB_*`), beside the bot's own Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", case_sensitive=False)

    host: str = "127.0.0.1"
    port: int = 8090
    session_ttl_s: int = Field(default=12 * 3600, gt=0, description="A sign-in lasts one shift")
    login_max_age_s: int = Field(
        default=24 * 3600, gt=0,
        description="Telegram sign-in data older than this is refused (replayed links)")
    bot_username: str | None = Field(
        default=None, description="For the Login Widget; `livedesk web` asks getMe when unset")
    secure_cookies: bool = Field(
        default=False, description="Set on HTTPS deployments: Secure cookies, SameSite=None so the Mini "
                                   "App keeps its session inside Telegram Web's frame")
    queue_refresh_s: float = Field(default=2.0, gt=0)
