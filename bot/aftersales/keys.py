"""Every Redis key of the after-sales registration store (退换货登记), in one place.

Layout (P = the configured prefix, e.g. `ld`; ID = a case id like AS000123; B = buyer id):

    P:{as}:seq          STRING  case counter (INCR); ids are "AS" + six or more digits
    P:{as}:case:ID      HASH    one case: buyer, order, item, kind, reason, decision,
                                refund, state, times (see cases.py `Case`)
    P:{as}:b:B          ZSET    buyer B's case ids, scored by creation time (ms)
    P:{as}:all          ZSET    every case id by creation time, for agents and export

Registration writes the case, the buyer's index and the global index atomically
(register.lua). Redis Cluster allows that only inside one slot, so all after-sales keys
share the hash tag `{as}`: cases are few (a handful a day per shop) and one slot holds
years of them; splitting by buyer would split exactly the write that must be atomic.
"""

from __future__ import annotations

TAG = "{as}"
CASE_PREFIX = "AS"


def seq(prefix: str) -> str:
    return f"{prefix}:{TAG}:seq"


def case_base(prefix: str) -> str:
    """The case key without its id: register.lua appends the id it allocates."""
    return f"{prefix}:{TAG}:case:"


def case(prefix: str, case_id: str) -> str:
    return case_base(prefix) + case_id


def buyer(prefix: str, buyer_id: int) -> str:
    return f"{prefix}:{TAG}:b:{buyer_id}"


def every(prefix: str) -> str:
    return f"{prefix}:{TAG}:all"
