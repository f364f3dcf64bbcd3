"""Every Redis key of the SLA store, in one place.

Layout (P = the configured prefix, e.g. `ld`; S = shop id; D = local date 2026-11-23;
W = ISO week 2026-W48; C = conversation id; A = agent id):

    P:sla:shops              SET   shops seen, for reports and alert sweeps (no hash tag:
                                   written beside the scripts, once per process and shop)
    P:{shop:S}:sla:c:C       HASH  one conversation's open state (round start, flags,
                                   reply-text digests and counts); TTL state_ttl_s, refreshed
                                   on every event; closed_state_ttl_s once closed
    P:{shop:S}:sla:open      ZSET  conversations with an open round, scored by their next
                                   alert instant (ms); members leave when nothing is due
    P:{shop:S}:sla:hold      ZSET  conversations with a pending 稍等, scored by the
                                   follow-up deadline (ms)
    P:{shop:S}:sla:unserved  ZSET  human conversations handed off in the window that no
                                   agent has replied to yet, scored by handoff (ms); left
                                   at the first reply or the close. A report counts the
                                   ones still there as not served (the period may end
                                   before they close)
    P:{shop:S}:sla:d:D       HASH  counters of day D. Additive ones (rounds, on30, on3m,
                                   dur_ms, unans, fr_n, fr_ms, convs, nonserv, rat_*, f_hold,
                                   f_rep) are kept once, as `a:A:field` when an agent is known
                                   and as `field` otherwise; the shop's figure is the sum over
                                   its scopes. bot_* are the shop's. Distinct-buyer counts
                                   (u_rb, u_l30, u_l3m, u_srv) are per scope: `u_*` for the
                                   shop, `a:A:u_*` for agent A.
    P:{shop:S}:sla:d:D:b     HASH  buyer -> bit mask for day D (`B` shop scope, `a:A:B`
                                   agent scope): 1 had an assessed round, 2 a round late for
                                   30 s, 4 late for 3 min, 8 served by an agent
    P:{shop:S}:sla:d:D:h     HASH  the shop's hourly counters of day D (no agent scopes), for
                                   the dashboard's charts: `HH:rounds`, `HH:on30` (assessed
                                   rounds by the shop-local hour HH they started, and those
                                   answered within 30 s), `HH:handoffs` (conversations handed
                                   off in HH, in the window or not), `HH:wait_ms` (ms buyers
                                   waited for a first agent reply inside HH: / 3 600 000 = the
                                   hour's mean queue length), and the day's reply-time
                                   histogram `rt:lt10|10_30|30_60|1_3m|gt3m` (unanswered rounds
                                   in gt3m); TTL as the day counters
    P:{shop:S}:sla:w:W       HASH  distinct-buyer counts of week W (u_*), shop and agent scope
    P:{shop:S}:sla:w:W:b     HASH  buyer -> bit mask for week W

Distinct buyers (接待人数, per-buyer rates) are counted when a buyer's bit is first set, so a
report reads counters only: a day is one HGETALL per shop, a week eight. Weekly hashes
exist because a distinct count over a week is not a sum of daily counts.

Every per-shop key carries the hash tag `{shop:S}`, so one Lua call touches one slot and
the store runs unchanged on Redis Cluster. Day and week keys get a TTL of
counter_ttl_days, refreshed on write, so they outlive the chat archive's retention and
then go. Buyer masks (`:b`) only serve the counting and expire buyer_mask_ttl_s after
their last write. Long-run memory is shops x agents x days of counters; the masks add
distinct buyers of the last few days and weeks; nothing grows with the number of messages.

The Lua scripts derive the shop base (`P:{shop:S}:sla`) from the open-rounds key and
append the same suffixes (`:c:`, `:d:`, `:w:`, `:b`, `a:A:`) because the day a round
belongs to is only known from the conversation's state inside the script; the suffixes
here are the contract, and the integration tests read what the scripts wrote through
these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from bot.sla.periods import day_key, week_key

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


AGENT_FIELD = re.compile(r"^a:([^:]+):(.+)$")


def check_id(kind: str, value: str) -> str:
    """Shop and agent ids become key and field parts: no braces or colons to break the layout."""
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
    """Must end in `:open`: the scripts strip that suffix to find the shop base."""
    return f"{shop_base(prefix, shop)}:open"


def pending_holds(prefix: str, shop: str) -> str:
    return f"{shop_base(prefix, shop)}:hold"


def unserved(prefix: str, shop: str) -> str:
    return f"{shop_base(prefix, shop)}:unserved"


def day_counters(prefix: str, shop: str, day: date) -> str:
    return f"{shop_base(prefix, shop)}:d:{day_key(day)}"


def hour_counters(prefix: str, shop: str, day: date) -> str:
    return f"{day_counters(prefix, shop, day)}:h"


def day_buyers(prefix: str, shop: str, day: date) -> str:
    return f"{day_counters(prefix, shop, day)}:b"


def week_counters(prefix: str, shop: str, week: str) -> str:
    return f"{shop_base(prefix, shop)}:w:{week}"


def week_buyers(prefix: str, shop: str, week: str) -> str:
    return f"{week_counters(prefix, shop, week)}:b"


def agent_field(agent: str, field: str) -> str:
    """The field of an agent's counter inside the shop's hash."""
    return f"a:{check_id('agent', agent)}:{field}"


def split_scopes(raw: Mapping[bytes | str, bytes | str]) -> dict[str | None, dict[str, int]]:
    """An HGETALL of counters split into the shop's own (key None) and each agent's."""
    out: dict[str | None, dict[str, int]] = {}
    for key, value in raw.items():
        name = key.decode("utf-8") if isinstance(key, bytes) else key
        match = AGENT_FIELD.match(name)
        scope, field = (match[1], match[2]) if match else (None, name)
        out.setdefault(scope, {})[field] = int(value)
    return out


def week_of(day: date) -> str:
    return week_key(day)
