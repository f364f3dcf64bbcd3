"""The SLA Lua sources, read from the package with importlib.resources.

A script is three parts: a header of constants from the settings (`CFG_*`), the helpers
of `common.lua`, and the script itself. Constants go in the text rather than in ARGV
because the hot path is dominated by argument packing and Redis scripts cannot include
each other; different settings simply give a different script (and SHA).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from bot.sla.settings import SlaSettings

RECORD = "record.lua"
SWEEP = "sweep.lua"


@cache
def _read(name: str) -> str:
    return files("bot.sla").joinpath(name).read_text("utf-8")


def settings_header(s: SlaSettings) -> str:
    """The CFG_* constants the scripts use, in integer milliseconds and seconds."""
    values = {
        "CFG_CAP": round(s.round_cap_s * 1000),
        "CFG_FAST": round(s.fast_reply_s * 1000),
        "CFG_SLOW": round(s.slow_reply_s * 1000),
        "CFG_ALERT": round(s.alert_after_s * 1000),
        "CFG_MISSED": round(s.missed_after_s * 1000),
        "CFG_HOLD": round(s.hold_followup_s * 1000),
        "CFG_REPEAT": s.repeat_reply_times,
        "CFG_STATE_TTL": s.state_ttl_s,
        "CFG_CLOSED_TTL": s.closed_state_ttl_s,
        "CFG_COUNTER_TTL": s.counter_ttl_days * 86_400,
        "CFG_MASK_TTL": s.buyer_mask_ttl_s,
    }
    lines = [f"local {name} = {int(value)}" for name, value in values.items()]
    lines.append(f"local CFG_CAP_FIRST = {'true' if s.cap_first_response else 'false'}")
    return "\n".join(lines) + "\n"


def source(name: str, settings: SlaSettings) -> str:
    """Settings header + `common.lua` + `name`, as one script text."""
    return settings_header(settings) + _read("common.lua") + "\n" + _read(name)
