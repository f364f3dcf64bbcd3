"""Every Redis key of the web console, in one place.

Layout (P = the configured prefix, e.g. `ld`; T = a session token, random 32 bytes urlsafe):

    P:{web:T}:session     HASH    one signed-in person: user, role, csrf, created; TTL =
                                  WebSettings.session_ttl_s, so a session simply expires
    P:{web}:edits         LIST    JSON records of saved edits (who, when, file, diff),
                                  newest first, capped at EDITS_CAP

Sessions are independent of each other, so each gets its own hash tag and they spread over
a cluster; the edit log is one key.
"""

from __future__ import annotations

EDITS_CAP = 500


def session(prefix: str, token: str) -> str:
    return f"{prefix}:{{web:{token}}}:session"


def edits(prefix: str) -> str:
    return f"{prefix}:{{web}}:edits"
