"""The handoff Lua sources, read from the package with importlib.resources.

A script is three parts: a header of constants (`CFG_*`, from the settings and the policy),
the helpers of `common.lua`, and the script itself. Constants go in the text rather than
in ARGV because Redis scripts cannot include each other and the values never change for
a running store; different settings simply give a different script (and SHA).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from bot.handoff.policy import PRIORITY_STEP
from bot.handoff.settings import HandoffSettings

OPEN = "open.lua"
TAKE = "take.lua"
TRANSFER = "transfer.lua"
RELEASE = "release.lua"
SET_TOPIC = "set_topic.lua"
ASSIGN = "assign.lua"
LOG = "log.lua"
RELAY = "relay.lua"
MARK = "mark.lua"

ALL = (OPEN, TAKE, TRANSFER, RELEASE, SET_TOPIC, ASSIGN, LOG, RELAY, MARK)


@cache
def _read(name: str) -> str:
    return files("bot.handoff").joinpath(name).read_text("utf-8")


def settings_header(s: HandoffSettings) -> str:
    values = {
        "CFG_PRIORITY_STEP": PRIORITY_STEP,
        "CFG_LOG_CAP": s.log_cap,
        "CFG_CLOSED_TTL": s.closed_ttl_s,
        "CFG_DELIVERED_TTL": s.delivered_relay_ttl_s,
    }
    return "\n".join(f"local {name} = {int(value)}" for name, value in values.items()) + "\n"


def source(name: str, settings: HandoffSettings) -> str:
    """Settings header + `common.lua` + `name`, as one script text."""
    return settings_header(settings) + _read("common.lua") + "\n" + _read(name)
