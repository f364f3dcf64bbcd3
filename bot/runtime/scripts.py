"""The runtime's Lua sources, read from the package with importlib.resources."""

from __future__ import annotations

from importlib.resources import files


def source(name: str) -> str:
    """The text of `bot/runtime/lua/<name>.lua`."""
    return files("bot.runtime").joinpath("lua", f"{name}.lua").read_text("utf-8")
