"""Every Redis key of the buyers' reachability store, in one place.

Layout (P = the configured prefix; B = buyer's Telegram user id):

    P:{bs:B}:started        STRING  "1" once buyer B has started the bot (/start or any
                                    private message); TTL started_ttl_s, renewed on each

Telegram lets a bot write to a user only after the user has opened a private chat with
it, so this is the bot's own record of who it can reach. One key per buyer with its own
hash tag: no script touches two of them, so they spread over a cluster.
"""

from __future__ import annotations


def started(prefix: str, buyer_id: int) -> str:
    return f"{prefix}:{{bs:{int(buyer_id)}}}:started"
