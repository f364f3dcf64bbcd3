"""Every Redis key of the runtime (update streams, leases, dead letters, sent effects).

All keys start with the configured prefix and carry a hash tag (`{...}`) so that the keys
one Lua script or MULTI touches always fall in one Redis Cluster slot:

    <prefix>:{upd:<p>}:stream        partition p's update stream (consumer group "workers")
    <prefix>:{upd:<p>}:seen:<id>     "update <id> was already written" (ingest de-duplication)
    <prefix>:{upd:<p>}:dead          partition p's dead letters (updates given up on)
    <prefix>:{upd:<p>}:lease         which worker consumes partition p right now
    <prefix>:{workers}:alive         sorted set: worker name -> last heartbeat (ms)
    <prefix>:{lease:<name>}          a named lease (background loops: "background")
    <prefix>:{out:<p>}:stream        partition p's queued sends (consumer group "senders")
    <prefix>:{fx:<chat>}:<key>       a message already sent for an update (shown once)
    <prefix>:{send}:rate             the bot's overall send bucket (Telegram's ~30/s)
    <prefix>:{send}:chat:<chat>      a chat's send bucket (1/s private, 20/min group)
    <prefix>:{send}:hold:<chat>      a chat's 429 back-off (expires after retry_after)

The send keys share one tag on purpose: one script charges the overall bucket and a
chat's bucket together, so they must live in one slot (a few dozen ops a second at most).

A send's partition is fixed by its chat (`send_partition`), so one chat's sends stay in
one stream, in order, consumed by the worker that owns that partition.

The partition of an update is fixed by its ordering key (see `bot.runtime.streams`),
so the number of partitions must not change while streams still hold entries.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP = "workers"
"""The consumer group every worker reads the update streams with."""
SENDERS = "senders"
"""The consumer group every worker reads the send streams with."""


@dataclass(frozen=True)
class RuntimeKeys:
    prefix: str
    partitions: int

    def stream(self, partition: int) -> str:
        return f"{self.prefix}:{{upd:{partition}}}:stream"

    def seen(self, partition: int, update_id: int) -> str:
        return f"{self.prefix}:{{upd:{partition}}}:seen:{update_id}"

    def dead(self, partition: int) -> str:
        return f"{self.prefix}:{{upd:{partition}}}:dead"

    def partition_lease(self, partition: int) -> str:
        return f"{self.prefix}:{{upd:{partition}}}:lease"

    def workers(self) -> str:
        return f"{self.prefix}:{{workers}}:alive"

    def lease(self, name: str) -> str:
        return f"{self.prefix}:{{lease:{name}}}"

    def send_stream(self, partition: int) -> str:
        return f"{self.prefix}:{{out:{partition}}}:stream"

    def send_partition(self, chat_id: int) -> int:
        """The send stream of a chat: fixed, so that a chat's sends stay in order."""
        return chat_id % self.partitions

    def effect(self, chat_id: int, key: str) -> str:
        return f"{self.prefix}:{{fx:{chat_id}}}:{key}"

    def send_rate(self) -> str:
        return f"{self.prefix}:{{send}}:rate"

    def send_chat(self, chat_id: int) -> str:
        return f"{self.prefix}:{{send}}:chat:{chat_id}"

    def send_hold(self, chat_id: int) -> str:
        return f"{self.prefix}:{{send}}:hold:{chat_id}"
