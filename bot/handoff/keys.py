"""Every Redis key of the handoff store, in one place.

Layout (P = the configured prefix, e.g. `ld`; C = conversation id; A = agent id;
S = shop id; R = relay id; B = buyer id; T = forum topic id; U = Telegram update id):

    P:{hd}:seq              HASH    id counters: conv, msg, relay. Every script gets it as
                                    KEYS[1] and derives the other {hd} keys from its base
    P:{hd}:c:C              HASH    one conversation (fields: see codec.py); no TTL while
                                    open, closed_ttl_s once closed
    P:{hd}:c:C:log          LIST    the conversation's messages as JSON, oldest first,
                                    capped at log_cap
    P:{hd}:c:C:tg           HASH    "<role>:<telegram message id>" -> logged message id,
                                    to find what an edited Telegram message was
    P:{hd}:c:C:relays       HASH    "<direction>:<message id>" -> relay id: enqueueing the
                                    same message twice returns the first relay
    P:{hd}:c:C:copies       HASH    logged message id -> Telegram id of its delivered copy
    P:{hd}:b:B              STRING  the buyer's open conversation id (deleted on release)
    P:{hd}:t:T              STRING  the conversation of forum topic T (TTL once closed)
    P:{hd}:q:S              ZSET    shop S's queue, score policy.queue_score (priority, then
                                    queued_at); the head is served first
    P:{hd}:qshops           SET     shops whose queue is not empty
    P:{hd}:waiting          ZSET    every queued conversation, scored by queued_at (ms)
    P:{hd}:presence         HASH    agent -> online | break | offline (absent = offline)
    P:{hd}:held:A           SET     conversations agent A holds; SCARD is the open count
    P:{hd}:rr               HASH    shop -> the agent auto-assigned last (round robin)
    P:{hd}:r:R              HASH    one relay: conversation, direction, message, payload,
                                    created, attempts, delivered copy; TTL once delivered
    P:{hd}:rdue             ZSET    undelivered relays, scored by when they may be handed
                                    out again (enqueue time, or claim time + lease)
    P:{hd}:aside            LIST    relays set aside (refused by Telegram, or out of
                                    attempts), oldest first; each keeps its hash, no TTL
    P:{hdb:B}:history       LIST    buyer B's recent history (JSON, capped, TTL), kept
                                    before and outside any handoff

Redis Cluster: a Lua script may touch keys of one slot only, and take/transfer/assign
touch a conversation, a shop queue (two for a transfer between shops) and agents' open
sets that span shops. So the whole handoff state shares one hash tag, `{hd}`, and lives
in one slot. At this scale (a few shops, a handful of agents, hundreds of open
conversations) one slot holds it easily and every change stays a single atomic script;
sharding by shop would split exactly the operations that must be atomic. Only the key
family no script touches and that grows with traffic, buyer histories, gets its own tag
(`{hdb:B}`) and spreads over the cluster.

The scripts build {hd} keys from the base with the same suffixes (`common.lua`); those
suffixes are the contract, and the integration tests read what the scripts wrote through
these functions.
"""

from __future__ import annotations

import re

TAG = "{hd}"

_SHOP = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def check_shop(shop: str) -> str:
    """Shop ids become key parts: no braces or colons to break the layout."""
    if not _SHOP.match(shop):
        raise ValueError(f"shop id {shop!r} must be 1-64 of A-Z a-z 0-9 _ . -")
    return shop


def base(prefix: str) -> str:
    return f"{prefix}:{TAG}"


def seq(prefix: str) -> str:
    """Must end in `:seq`: the scripts strip that suffix to find the base."""
    return f"{base(prefix)}:seq"


def conversation(prefix: str, conversation_id: int) -> str:
    return f"{base(prefix)}:c:{int(conversation_id)}"


def conversation_log(prefix: str, conversation_id: int) -> str:
    return f"{conversation(prefix, conversation_id)}:log"


def telegram_index(prefix: str, conversation_id: int) -> str:
    return f"{conversation(prefix, conversation_id)}:tg"


def relay_index(prefix: str, conversation_id: int) -> str:
    return f"{conversation(prefix, conversation_id)}:relays"


def copies(prefix: str, conversation_id: int) -> str:
    return f"{conversation(prefix, conversation_id)}:copies"


def buyer(prefix: str, buyer_id: int) -> str:
    return f"{base(prefix)}:b:{int(buyer_id)}"


def topic(prefix: str, topic_id: int) -> str:
    return f"{base(prefix)}:t:{int(topic_id)}"


def queue(prefix: str, shop: str) -> str:
    return f"{base(prefix)}:q:{check_shop(shop)}"


def queued_shops(prefix: str) -> str:
    return f"{base(prefix)}:qshops"


def waiting(prefix: str) -> str:
    return f"{base(prefix)}:waiting"


def presence(prefix: str) -> str:
    return f"{base(prefix)}:presence"


def held(prefix: str, agent_id: int) -> str:
    return f"{base(prefix)}:held:{int(agent_id)}"


def round_robin(prefix: str) -> str:
    return f"{base(prefix)}:rr"


def relay(prefix: str, relay_id: int) -> str:
    return f"{base(prefix)}:r:{int(relay_id)}"


def relays_due(prefix: str) -> str:
    return f"{base(prefix)}:rdue"


def relays_aside(prefix: str) -> str:
    return f"{base(prefix)}:aside"


def history(prefix: str, buyer_id: int) -> str:
    return f"{prefix}:{{hdb:{int(buyer_id)}}}:history"
