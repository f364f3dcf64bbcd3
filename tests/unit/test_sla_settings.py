"""SLA settings: the issue's defaults, SLA_WINDOW override, validation, key layout."""

from __future__ import annotations

from datetime import date, time

import pytest
from pydantic import ValidationError

from bot.sla import keys
from bot.sla.recorder import reply_fingerprint
from bot.sla.settings import SlaSettings, sla_settings_of, window_from_env


def test_defaults_are_the_issue_definitions() -> None:
    s = SlaSettings()
    assert str(s.window) == "08:00-23:00"
    assert (s.round_cap_s, s.fast_reply_s, s.slow_reply_s) == (600, 30, 180)
    assert (s.alert_after_s, s.missed_after_s) == (20, 30)
    assert (s.repeat_reply_times, s.slow_day_avg_s, s.hold_followup_s) == (3, 90, 180)
    assert s.weekly_report_day.index == 1 and s.weekly_report_time == time(9, 0)
    assert s.rate_basis.value == "round"
    assert s.is_hold("亲，稍等一下") and not s.is_hold("好的")


def test_window_from_config_text_and_from_env() -> None:
    assert str(SlaSettings.model_validate({"window": "09:30-21:00"}).window) == "09:30-21:00"
    s = window_from_env(SlaSettings(), {"SLA_WINDOW": "00:00-24:00"})
    assert (s.window.start_s, s.window.end_s) == (0, 86_400)
    assert window_from_env(SlaSettings(), {}) == SlaSettings()
    with pytest.raises(ValueError):
        window_from_env(SlaSettings(), {"SLA_WINDOW": "late"})


def test_nested_settings_are_read_when_the_app_settings_carry_them() -> None:
    class AppSettings:
        sla = SlaSettings(alert_after_s=10)

    assert sla_settings_of(AppSettings(), {}).alert_after_s == 10
    assert sla_settings_of(object(), {"SLA_WINDOW": "10:00-20:00"}).window.start_s == 36_000


@pytest.mark.parametrize("bad", [{"alert_after_s": 40}, {"fast_reply_s": 300}, {"timezone": "Mars/Base"},
                                 {"no_such": 1}, {"buyer_mask_ttl_s": 3600}])
def test_inconsistent_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SlaSettings.model_validate(bad)


def test_keys_are_prefixed_and_hash_tagged_by_shop() -> None:
    day = date(2026, 11, 23)
    assert keys.day_counters("ld", "beishang", day) == "ld:{shop:beishang}:sla:d:2026-11-23"
    assert keys.week_buyers("ld", "beishang", "2026-W48") == "ld:{shop:beishang}:sla:w:2026-W48:b"
    assert keys.open_rounds("ld", "beishang").endswith(":open")  # the scripts rely on it
    with pytest.raises(ValueError):
        keys.shop_base("ld", "bei}shang")
    with pytest.raises(ValueError):
        keys.agent_field("9:1", "rounds")


def test_counter_fields_split_into_shop_and_agent_scopes() -> None:
    raw = {b"rounds": b"3", b"a:900001:rounds": b"2", b"a:900002:rounds": b"1", b"a:900001:u_srv": b"4"}
    assert keys.split_scopes(raw) == {None: {"rounds": 3}, "900001": {"rounds": 2, "u_srv": 4},
                                      "900002": {"rounds": 1}}


def test_reply_fingerprint_ignores_whitespace_only() -> None:
    assert reply_fingerprint("亲，有货 ") == reply_fingerprint("亲，有货")
    assert reply_fingerprint("亲，有货") != reply_fingerprint("亲，没货")
    assert reply_fingerprint("  ") == ""
