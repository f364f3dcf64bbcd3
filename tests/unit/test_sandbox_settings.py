"""A sandbox on a shared Redis keeps out of production's keys unless told otherwise."""

from __future__ import annotations

import pytest

from bot.config import SANDBOX_REDIS_PREFIX, Settings, sandbox_settings


@pytest.fixture(autouse=True)
def _no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "REDIS_PREFIX", "LIVEDESK_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_a_sandbox_on_a_shared_redis_uses_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://shared-redis:6379/0")
    assert Settings().redis_prefix == "ld"  # what `livedesk run` uses
    assert sandbox_settings(Settings()).redis_prefix == SANDBOX_REDIS_PREFIX != "ld"


def test_an_explicit_prefix_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://shared-redis:6379/0")
    monkeypatch.setenv("REDIS_PREFIX", "ld")
    assert sandbox_settings(Settings()).redis_prefix == "ld"


def test_the_embedded_store_keeps_the_default_prefix() -> None:
    assert sandbox_settings(Settings()).redis_prefix == "ld"
