"""Redis keys of the customer records.

    P:{cu:B}:tags     SET     tags agents gave buyer B (/tag)
    P:{cu:B}:notes    LIST    agents' notes on B as JSON {by, text, at}, oldest first, capped
    P:{cu:B}:tier     STRING  a tier set by hand (vip), overriding the computed one
    P:{cu}:buyers     ZSET    every buyer with a record, scored by last change (ms), for export
    P:{cu:B}:started  STRING  "1" once buyer B has started the bot (/start or any private
                              message): Telegram lets a bot write to a user only after that;
                              TTL renewed on each private message
    P:{ar:B}:chat     STREAM  the chat archive of buyer B: every message between B and the
                              shop (author buyer|bot|agent, kind, text); entries older than
                              the retention are trimmed on each XADD (MINID ~)
    P:{ar}:day:D      SET     buyers with archived messages on shop-time day D (YYYY-MM-DD),
                              expiring with the retention, for `archive export --day`

A buyer's keys share the tag {cu:B}; the index has its own tag and is written separately
(nothing needs both atomically).
"""

from __future__ import annotations


def tags(prefix: str, buyer: int) -> str:
    return f"{prefix}:{{cu:{buyer}}}:tags"


def notes(prefix: str, buyer: int) -> str:
    return f"{prefix}:{{cu:{buyer}}}:notes"


def tier(prefix: str, buyer: int) -> str:
    return f"{prefix}:{{cu:{buyer}}}:tier"


def chat(prefix: str, buyer: int) -> str:
    return f"{prefix}:{{ar:{buyer}}}:chat"


def chat_day(prefix: str, day: str) -> str:
    return f"{prefix}:{{ar}}:day:{day}"


def buyers(prefix: str) -> str:
    return f"{prefix}:{{cu}}:buyers"


def started(prefix: str, buyer: int) -> str:
    return f"{prefix}:{{cu:{int(buyer)}}}:started"
