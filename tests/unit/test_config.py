"""Settings: the defaults serve the bundled demo; environment variables and a YAML config
file are read, the environment winning over the file."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]

ENV_NAMES = ("BOT_TOKEN", "TELEGRAM_API_BASE", "REDIS_URL", "REDIS_PREFIX", "OPS_IDS", "LIVEDESK_CONFIG",
             "LIVE_ROOM_CHAT_ID", "AGENTS_CHAT_ID", "SHOP_DIR", "TEMPLATES_DIR", "PROMO_DIR",
             "BURST_GATHER_SECONDS", "LOG_LEVEL", "DEFAULT_LOCALE", "TIMEZONE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path) -> None:
    """No setting leaks in from the machine running the tests, nor a ./livedesk.yaml."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_serve_the_demo() -> None:
    settings = Settings()
    assert settings.live_room_chat_id == -1001000000100
    assert settings.agents_chat_id == -1001000000900
    assert settings.shop_dir.resolve() == (ROOT / "shop").resolve()
    assert settings.templates_dir.resolve() == (ROOT / "templates").resolve()
    assert settings.promo_dir.resolve() == (ROOT / "promo_rules").resolve()
    for folder in (settings.shop_dir, settings.templates_dir, settings.promo_dir):
        assert folder.is_dir()
    assert (settings.shop_dir / "products.yaml").is_file()
    assert (settings.templates_dir / settings.default_locale).is_dir()
    assert settings.default_locale == "zh-CN"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.bot_token is None and settings.redis_url is None and settings.telegram_api_base is None
    assert settings.ops_ids == frozenset()
    assert settings.redis_prefix == "ld"


def test_defaults_do_not_depend_on_the_working_directory(tmp_path) -> None:
    # the fixture moved us to an empty tmp_path: the bundled data is still found
    assert Path.cwd() == tmp_path
    assert (Settings().shop_dir / "shops.yaml").is_file()


def test_environment_variables_are_read(monkeypatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-secret")
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://127.0.0.1:8081")
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6380/2")
    monkeypatch.setenv("LIVE_ROOM_CHAT_ID", "-100555")
    settings = Settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == "123456:ABC-secret"
    assert settings.telegram_api_base == "http://127.0.0.1:8081"
    assert settings.redis_url == "redis://redis.internal:6380/2"
    assert settings.live_room_chat_id == -100555


def test_the_token_does_not_show_in_printed_settings(monkeypatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-secret")
    settings = Settings()
    assert "ABC-secret" not in repr(settings) and "ABC-secret" not in str(settings)


@pytest.mark.parametrize("written", ["1,2", "1 2", " 1, 2 ", "1,,2"])
def test_ops_ids_from_the_environment(monkeypatch, written) -> None:
    monkeypatch.setenv("OPS_IDS", written)
    assert Settings().ops_ids == frozenset({1, 2})


def test_a_single_ops_id(monkeypatch) -> None:
    monkeypatch.setenv("OPS_IDS", "900001")
    assert Settings().ops_ids == frozenset({900001})


def test_ops_ids_that_are_not_numbers_are_refused(monkeypatch) -> None:
    monkeypatch.setenv("OPS_IDS", "1,alice")
    with pytest.raises(pydantic.ValidationError):
        Settings()


def test_config_file_named_by_livedesk_config_is_read(monkeypatch, tmp_path) -> None:
    config = tmp_path / "elsewhere" / "prod.yaml"
    config.parent.mkdir()
    config.write_text(
        "redis_url: redis://from-file:6379/1\n"
        "live_room_chat_id: -1009999\n"
        "ops_ids: [5, 6]\n"
        "burst_gather_seconds: 2.5\n"
        "telegram_api_base: http://file-api:8081\n",
        encoding="utf-8")
    monkeypatch.setenv("LIVEDESK_CONFIG", str(config))
    settings = Settings()
    assert settings.redis_url == "redis://from-file:6379/1"
    assert settings.live_room_chat_id == -1009999
    assert settings.ops_ids == frozenset({5, 6})
    assert settings.burst_gather_seconds == 2.5
    assert settings.telegram_api_base == "http://file-api:8081"
    assert settings.agents_chat_id == -1001000000900  # not in the file: default


def test_environment_overrides_the_config_file(monkeypatch, tmp_path) -> None:
    config = tmp_path / "livedesk-prod.yaml"
    config.write_text("redis_url: redis://from-file:6379/1\nops_ids: '7,8'\nlog_level: DEBUG\n", encoding="utf-8")
    monkeypatch.setenv("LIVEDESK_CONFIG", str(config))
    monkeypatch.setenv("REDIS_URL", "redis://from-env:6379/3")
    monkeypatch.setenv("OPS_IDS", "1 2")
    settings = Settings()
    assert settings.redis_url == "redis://from-env:6379/3"
    assert settings.ops_ids == frozenset({1, 2})
    assert settings.log_level == "DEBUG"  # only in the file: still read


def test_livedesk_yaml_in_the_working_directory_is_read(tmp_path) -> None:
    (tmp_path / "livedesk.yaml").write_text("redis_prefix: shopA\n", encoding="utf-8")
    assert Settings().redis_prefix == "shopA"


def test_constructor_arguments_win(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SHOP_DIR", "/nowhere")
    assert Settings(shop_dir=tmp_path).shop_dir == tmp_path


def test_invalid_values_are_refused(monkeypatch) -> None:
    monkeypatch.setenv("BURST_GATHER_SECONDS", "0")
    with pytest.raises(pydantic.ValidationError, match="burst_gather_seconds"):
        Settings()
