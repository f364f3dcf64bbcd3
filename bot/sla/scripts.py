"""The SLA Lua sources, read from the package with importlib.resources.

`common.lua` holds helpers shared by the scripts; it is prepended at load time because
Redis scripts cannot include each other.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def source(name: str) -> str:
    """`common.lua` + `name`, as one script text."""
    package = files("bot.sla")
    return package.joinpath("common.lua").read_text("utf-8") + "\n" + package.joinpath(name).read_text("utf-8")


RECORD = "record.lua"
SWEEP = "sweep.lua"
