"""Redis keys of the follow-up markers.

    P:{fu:<kind>:<ref>}:sent    STRING  set (NX, with a TTL) when the follow-up `kind`
                                        (payment_reminder, review) for `ref` (an order id)
                                        went out; its presence means "never again"

One key per message, each its own hash tag, so markers spread over a Redis Cluster.
"""

from __future__ import annotations


def sent(prefix: str, kind: str, ref: str) -> str:
    return f"{prefix}:{{fu:{kind}:{ref}}}:sent"
