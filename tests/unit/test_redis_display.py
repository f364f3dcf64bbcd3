"""Which Redis a command reads is shown with its password masked."""

from __future__ import annotations

import pytest

from bot.runtime.redis_connection import display_url


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("redis://:s3cret@redis.internal:6380/2", "redis://:***@redis.internal:6380/2"),
    ("rediss://ops:s3cret@cache.example.com/0", "rediss://ops:***@cache.example.com/0"),
    ("redis://ops:p%40ss@[::1]:6379/1", "redis://ops:***@[::1]:6379/1"),
])
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert display_url(url) == shown
