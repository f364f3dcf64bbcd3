"""Tunables of the handoff store and policy, with the defaults the demo shops run on.

A plain frozen dataclass so pure code and tests build one without the environment; the
application maps its own Settings onto it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HandoffSettings:
    # policy
    avg_handling_minutes: float = 5.0    # one conversation's average agent time, for ETAs
    material_position_step: int = 2      # tell again when the position improved by this much
    material_eta_minutes: int = 1        # ... or the estimate moved by this many minutes
    agent_cap: int = 5                   # open conversations per agent for auto-assignment
    no_agent_after_s: int = 180          # when a still-queued buyer is told "no agent yet"
    # storage
    log_cap: int = 500                   # messages kept per conversation log
    history_cap: int = 50                # entries kept per buyer's recent history
    history_ttl_s: int = 7 * 86_400      # a buyer's history expires after this idle time
    closed_ttl_s: int = 30 * 86_400      # a closed conversation's keys live this long
    relay_lease_s: int = 30              # a claimed relay comes back if not delivered by then
    relay_max_attempts: int = 10         # then it is set aside and reported, like a refused one
    delivered_relay_ttl_s: int = 7 * 86_400  # delivered relays are kept this long

    def __post_init__(self) -> None:
        for name in ("avg_handling_minutes", "agent_cap", "log_cap", "history_cap",
                     "history_ttl_s", "closed_ttl_s", "relay_lease_s", "relay_max_attempts", "delivered_relay_ttl_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"handoff setting {name} must be positive")
        for name in ("material_position_step", "material_eta_minutes", "no_agent_after_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"handoff setting {name} must not be negative")
