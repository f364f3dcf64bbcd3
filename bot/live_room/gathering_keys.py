"""Every Redis key of the live room's gathering of identical answers, in one place.

Layout (P = the configured prefix, R = the room's chat id, D = the answer's digest, a hash
of its locale and rendered text; G = one gathering, `D:n` with n from the room's sequence):

    P:{room:R}:burst:due        ZSET  gatherings of the room -> when they are to be posted
                                      (ms since the epoch, on the bot's clock). While a
                                      gathering is being posted its score is the end of the
                                      poster's lease: a poster that dies before Telegram took
                                      the message leaves it due again for another process
    P:{room:R}:burst:seq        STRING  counter giving each gathering of the room its `n`
    P:{room:R}:burst:open:D     STRING  the gathering G still taking askers for answer D
                                        (gone once G is taken for posting)
    P:{room:R}:burst:last:D     STRING  when answer D was last taken for posting (ms): the
                                        no-repeat window starts there
    P:{room:R}:burst:g:G        HASH  locale, answer, digest, count (distinct askers), taken
                                      (how many times a poster took it; absent while open)
    P:{room:R}:burst:g:G:named  LIST  the first `burst_max_mentions` askers, JSON
                                      {"u": user id, "n": name, "m": message id}, in the
                                      order they asked
    P:{room:R}:burst:g:G:who    SET   user ids already counted (at most TRACK_LIMIT of them)
    P:{live}:burst:rooms        SET   rooms that ever gathered an answer, so every process's
                                      flush loop finds a room's due gatherings, including
                                      those of a process that died (one member per room;
                                      never shrinks, written beside the scripts)

Every key of a room carries the hash tag `{room:R}` (the same as the room's stage key), so
each script touches one Cluster slot. The scripts receive the due-set key and derive the
others by replacing its `:due` suffix with the suffixes above (a gathering's id is only
known inside the script); these functions are that contract, and the tests read what the
scripts wrote through them.

Nothing grows with the number of comments: a gathering keeps at most `burst_max_mentions`
names and TRACK_LIMIT user ids; its keys expire STALE_SECONDS after they were last due, so
a room whose processes all stopped does not keep them for ever.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DUE_SUFFIX = ":due"


def answer_digest(locale: str, answer: str) -> str:
    """The identity of an answer within a room: identical text in the same locale."""
    return hashlib.blake2b(f"{locale}\0{answer}".encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class GatheringKeys:
    prefix: str

    def base(self, room_id: int) -> str:
        return f"{self.prefix}:{{room:{room_id}}}:burst"

    def due(self, room_id: int) -> str:
        """Must end in `:due`: the scripts strip it to find the room's base."""
        return self.base(room_id) + DUE_SUFFIX

    def seq(self, room_id: int) -> str:
        return f"{self.base(room_id)}:seq"

    def open(self, room_id: int, digest: str) -> str:
        return f"{self.base(room_id)}:open:{digest}"

    def last(self, room_id: int, digest: str) -> str:
        return f"{self.base(room_id)}:last:{digest}"

    def gathering(self, room_id: int, gathering_id: str) -> str:
        return f"{self.base(room_id)}:g:{gathering_id}"

    def named(self, room_id: int, gathering_id: str) -> str:
        return f"{self.gathering(room_id, gathering_id)}:named"

    def who(self, room_id: int, gathering_id: str) -> str:
        return f"{self.gathering(room_id, gathering_id)}:who"

    def rooms(self) -> str:
        return f"{self.prefix}:{{live}}:burst:rooms"
