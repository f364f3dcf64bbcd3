"""Settings from the environment and an optional config file (pydantic-settings).

Every setting has a default that serves the bundled demo shops, so `livedesk sandbox`
needs nothing and `livedesk run` needs only BOT_TOKEN. Environment variables use the
names in the README (BOT_TOKEN, TELEGRAM_API_BASE, REDIS_URL, ...); a YAML file named by
LIVEDESK_CONFIG (or ./livedesk.yaml when present) is read underneath them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from bot.clock import TimeZoneName
from bot.handoff.settings import HandoffSettings
from bot.runtime.settings import RuntimeSettings
from bot.sla.settings import SlaSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Where the bundled data directories (shop/, templates/, promo_rules/) live."""

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _config_file() -> Path | None:
    named = os.environ.get("LIVEDESK_CONFIG")
    if named:
        return Path(named)
    local = Path("livedesk.yaml")
    return local if local.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather")
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint asked to pick a topic when unsure "
                                  "(private chat); off when unset, e.g. http://127.0.0.1:11434/v1")
    llm_model: str | None = Field(default=None, description="Model name for the topic fallback")
    llm_api_key: SecretStr | None = Field(default=None, description="Key for the topic fallback endpoint")
    llm_timeout_s: float = Field(default=3.0, gt=0, description="Give up on the fallback after this")
    telegram_api_base: str | None = Field(
        default=None, description="Another Bot API server, e.g. http://127.0.0.1:8081")
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS base URL; set it to receive updates by webhook, not polling")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret Telegram sends with each update (derived from the token if unset)")
    webhook_path: str = "/telegram/webhook"
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8443
    redis_url: str | None = Field(
        default=None, description=f"Redis for state; `run` defaults to {DEFAULT_REDIS_URL}, "
                                  "`sandbox` to an embedded fakeredis")
    redis_prefix: str = Field(default="ld", description="Prefix of every Redis key")
    archive_retention_days: int = Field(default=180, gt=0,
                                        description="How long the chat archive keeps messages (days)")

    live_room_chat_id: int = -1001000000100
    agents_chat_id: int = -1001000000900
    ops_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Ops accounts in addition to staff with the ops role")

    timezone: TimeZoneName = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    shop_dir: Path = PROJECT_ROOT / "shop"
    templates_dir: Path = PROJECT_ROOT / "templates"
    promo_dir: Path = PROJECT_ROOT / "promo_rules"

    burst_gather_seconds: float = Field(
        default=0.8, gt=0, description="How long the first answer waits to gather identical questions")
    burst_repeat_seconds: float = Field(
        default=30.0, ge=0, description="The same answer is not posted to the room again within this")
    burst_max_mentions: int = Field(
        default=20, ge=1, le=90,
        description="A gathered room answer mentions at most this many askers and says how many more "
                    "(Telegram formats only about the first 100 entities of a message)")

    send_rate_per_second: float = 30.0
    group_messages_per_minute: int = 20
    private_messages_per_second: float = 1.0
    send_max_attempts: int = 5

    handoff: HandoffSettings = Field(default_factory=HandoffSettings,
                                     description="Queue, ETA, per-agent cap, 'no agent yet' notice")
    sla: SlaSettings = Field(default_factory=SlaSettings, description="Service-level definitions")
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings,
                                     description="Update streams, workers, leases, metrics (see README)")
    sla_window: str | None = Field(default=None, description="SLA_WINDOW=08:00-23:00 overrides sla.window")

    web_public_url: str | None = Field(
        default=None, description="Public address of the web console; staff get a 控制台 button "
                                  "(a Mini App when HTTPS) from /console in private chat")

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    log_level: str = "INFO"

    @field_validator("ops_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @model_validator(mode="after")
    def _sla_follows_shop(self) -> Self:
        """SLA_WINDOW overrides the window; the SLA clock is the shop's time zone."""
        sla = self.sla.with_window(self.sla_window) if self.sla_window else self.sla
        self.sla = sla.model_copy(update={"timezone": self.timezone})
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


SANDBOX_REDIS_PREFIX = "ld-sandbox"
"""Key prefix of a sandbox pointed at a real Redis when REDIS_PREFIX is not set."""


def sandbox_settings(settings: Settings) -> Settings:
    """The settings `livedesk sandbox` runs with.

    A sandbox on a shared Redis (REDIS_URL set, e.g. the one a shop's bot uses) must not
    read or write the production keys: without an explicit REDIS_PREFIX it uses its own,
    SANDBOX_REDIS_PREFIX. On the embedded store (no REDIS_URL) nothing is shared, and a
    prefix someone did set is always kept.
    """
    if settings.redis_url and "redis_prefix" not in settings.model_fields_set:
        return settings.model_copy(update={"redis_prefix": SANDBOX_REDIS_PREFIX})
    return settings
