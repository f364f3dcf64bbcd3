"""Who is signing in: Telegram's signed data checked as Telegram specifies, then the staff list.

Two ways in, both signed with the bot's token: the Login Widget (browser; fields as query
parameters, HMAC with SHA-256 of the token) and Mini App init data (opened from the bot;
HMAC keyed by "WebAppData"). aiogram ships both checks. A signature only proves Telegram
vouches for the user id; the role comes from people.yaml, and anyone not on staff is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from aiogram.utils.auth_widget import check_signature
from aiogram.utils.web_app import safe_parse_webapp_init_data

from bot.shop.catalog import Catalog, Role

WIDGET_FIELDS = ("id", "first_name", "last_name", "username", "photo_url", "auth_date", "hash")


class Refusal(StrEnum):
    bad_signature = "bad_signature"
    expired = "expired"
    not_staff = "not_staff"
    malformed = "malformed"


class SignInRefused(Exception):
    def __init__(self, why: Refusal) -> None:
        super().__init__(str(why))
        self.why = why


@dataclass(frozen=True)
class Person:
    """A signed-in staff member and what they may see."""

    user_id: int
    name: str
    role: Role
    shops: tuple[str, ...]

    @property
    def is_ops(self) -> bool:
        return self.role is Role.ops

    @property
    def sees_everyone(self) -> bool:
        """Supervisors and ops see all agents and shops; an agent sees their own."""
        return self.role in (Role.supervisor, Role.ops)


def role_of(catalog: Catalog, user_id: int, extra_ops: frozenset[int] = frozenset()) -> Role | None:
    """The strongest role the person has: ops > supervisor > agent; None for non-staff."""
    staff = catalog.staff.get(user_id)
    roles = set(staff.roles) if staff else set()
    if user_id in extra_ops:
        roles.add(Role.ops)
    for role in (Role.ops, Role.supervisor, Role.agent):
        if role in roles:
            return role
    return None


def person_for(catalog: Catalog, user_id: int, extra_ops: frozenset[int] = frozenset()) -> Person:
    role = role_of(catalog, user_id, extra_ops)
    if role is None:
        raise SignInRefused(Refusal.not_staff)
    staff = catalog.staff.get(user_id)
    shops = staff.shops if staff and staff.shops else tuple(catalog.shops)
    return Person(user_id, staff.name if staff else str(user_id), role, shops)


def _fresh(auth_date: int, now: float, max_age_s: int) -> None:
    if auth_date > now + 60 or now - auth_date > max_age_s:
        raise SignInRefused(Refusal.expired)


def verify_widget(token: str, fields: Mapping[str, str], now: float, max_age_s: int) -> int:
    """The Telegram user id vouched for by Login Widget data; raises SignInRefused."""
    data = {k: v for k, v in fields.items() if k in WIDGET_FIELDS}
    received = data.pop("hash", None)
    if not received or "id" not in data or "auth_date" not in data:
        raise SignInRefused(Refusal.malformed)
    if not check_signature(token, received, **data):
        raise SignInRefused(Refusal.bad_signature)
    try:
        user_id, auth_date = int(data["id"]), int(data["auth_date"])
    except ValueError:
        raise SignInRefused(Refusal.malformed) from None
    _fresh(auth_date, now, max_age_s)
    return user_id


def verify_init_data(token: str, init_data: str, now: float, max_age_s: int) -> int:
    """The Telegram user id in Mini App init data; raises SignInRefused."""
    try:
        parsed = safe_parse_webapp_init_data(token, init_data)
    except ValueError:
        raise SignInRefused(Refusal.bad_signature) from None
    if parsed.user is None:
        raise SignInRefused(Refusal.malformed)
    _fresh(int(parsed.auth_date.timestamp()), now, max_age_s)
    return parsed.user.id


def sign_widget(token: str, user_id: int, first_name: str, auth_date: int | None = None) -> dict[str, str]:
    """Login Widget data as Telegram would sign it, for the sandbox's "sign in as" button
    (signed with the emulator's token) and for tests; it goes through `verify_widget`."""
    data = {"id": str(user_id), "first_name": first_name,
            "auth_date": str(int(time.time()) if auth_date is None else auth_date)}
    check_string = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hashlib.sha256(token.encode()).digest()
    data["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return data
