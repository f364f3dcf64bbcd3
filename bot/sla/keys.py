"""Every Redis key of the SLA store, in one place.

Layout (P = the configured prefix, e.g. `ld`; S = shop id; D = local date 2026-11-23;
W = ISO week 2026-W48; A = agent id; C = conversation id; K = rb | l30 | l3m | srv):

    P:sla:shops                      SET   shops seen, for reports and alert sweeps (no tag:
                                           written outside the Lua scripts)
    P:{shop:S}:sla:c:C               HASH  one conversation's open state (round start, flags,
                                           reply-text counts); TTL state_ttl_s, refreshed on
                                           every event; closed_state_ttl_s once closed
    P:{shop:S}:sla:open              ZSET  conversations with an open round, scored by the
                                           next alert instant (ms); members leave when done
    P:{shop:S}:sla:hold              ZSET  conversations with a pending 稍等, scored by the
                                           follow-up deadline (ms)
    P:{shop:S}:sla:d:D               HASH  the shop's counters for day D
    P:{shop:S}:sla:d:D:a:A           HASH  agent A's counters for day D
    P:{shop:S}:sla:d:D:agents        SET   agents with counters on day D
    P:{shop:S}:sla:d:D:s:K           SET   buyer ids of day D (shop scope)
    P:{shop:S}:sla:d:D:a:A:s:K       SET   buyer ids of day D (agent scope)
    P:{shop:S}:sla:w:W:s:K           SET   buyer ids of week W (shop scope)
    P:{shop:S}:sla:w:W:a:A:s:K       SET   buyer ids of week W (agent scope)

Buyer sets: rb = buyers with an assessed round, l30 / l3m = buyers with a round not
answered within 30 s / 3 min (per-buyer rates), srv = buyers an agent replied to (接待人数).
Weekly sets exist because a distinct count over a week is not a sum of daily counts.

Every per-shop key carries the hash tag `{shop:S}`, so one Lua call touches one slot and
the store runs unchanged on Redis Cluster. Day and week keys get a TTL of
counter_ttl_days, refreshed on write, so they outlive the chat archive's retention and
then go; memory grows with shops x agents x days and distinct buyers, never with messages.

The Lua scripts receive the shop base (`P:{shop:S}:sla`) and append the same suffixes
(`:c:`, `:d:`, `:w:`, `:a:`, `:s:`, `:agents`) because the day a round belongs to is only
known from the conversation's state inside the script; the suffixes below are the contract
and the integration tests read what the scripts wrote through these functions.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from bot.sla.periods import day_key, week_key

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class BuyerSet(StrEnum):
    rounds = "rb"
    late_fast = "l30"
    late_slow = "l3m"
    served = "srv"


def check_id(kind: str, value: str) -> str:
    """Shop and agent ids become key parts: no braces or colons that would break the layout."""
    if not _ID.match(value):
        raise ValueError(f"{kind} id {value!r} must be 1-64 of A-Z a-z 0-9 _ . -")
    return value


def shops_registry(prefix: str) -> str:
    return f"{prefix}:sla:shops"


def shop_base(prefix: str, shop: str) -> str:
    return f"{prefix}:{{shop:{check_id('shop', shop)}}}:sla"


def conversation(prefix: str, shop: str, conversation_id: str) -> str:
    return f"{shop_base(prefix, shop)}:c:{conversation_id}"


def open_rounds(prefix: str, shop: str) -> str:
    return f"{shop_base(prefix, shop)}:open"


def pending_holds(prefix: str, shop: str) -> str:
    return f"{shop_base(prefix, shop)}:hold"


def day_counters(prefix: str, shop: str, day: date, agent: str | None = None) -> str:
    key = f"{shop_base(prefix, shop)}:d:{day_key(day)}"
    return key if agent is None else f"{key}:a:{check_id('agent', agent)}"


def day_agents(prefix: str, shop: str, day: date) -> str:
    return f"{shop_base(prefix, shop)}:d:{day_key(day)}:agents"


def day_buyers(prefix: str, shop: str, day: date, kind: BuyerSet, agent: str | None = None) -> str:
    return f"{day_counters(prefix, shop, day, agent)}:s:{kind.value}"


def week_buyers(prefix: str, shop: str, week: str, kind: BuyerSet, agent: str | None = None) -> str:
    key = f"{shop_base(prefix, shop)}:w:{week}"
    if agent is not None:
        key = f"{key}:a:{check_id('agent', agent)}"
    return f"{key}:s:{kind.value}"


def week_of(day: date) -> str:
    return week_key(day)
