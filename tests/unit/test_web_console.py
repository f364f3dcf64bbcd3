"""Pure parts of the web console: Telegram sign-in checks, roles, permissions, SLA colours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handoff.model import Conversation, Priority, Status
from bot.shop.catalog import Catalog, Role, Staff
from bot.web.actions import may_act
from bot.web.auth import Refusal, SignInRefused, person_for, role_of, sign_widget, verify_widget
from bot.web.pages.queue import wait_class

TOKEN = "4242424242:unit-token"
NOW = 1_795_000_000.0  # a fixed "now": sign-in checks take the time as an argument


def test_widget_data_signed_with_the_token_names_the_user() -> None:
    assert verify_widget(TOKEN, sign_widget(TOKEN, 900001, "娜娜", auth_date=int(NOW)), NOW, 3600) == 900001


@pytest.mark.parametrize(("data", "why"), [
    ({**sign_widget("1:other", 900001, "娜娜", auth_date=int(NOW))}, Refusal.bad_signature),
    ({**sign_widget(TOKEN, 900001, "娜娜", auth_date=int(NOW)), "id": "900002"}, Refusal.bad_signature),
    (sign_widget(TOKEN, 900001, "娜娜", auth_date=int(NOW) - 7200), Refusal.expired),
    (sign_widget(TOKEN, 900001, "娜娜", auth_date=int(NOW) + 3600), Refusal.expired),
    ({"id": "900001", "auth_date": str(int(NOW))}, Refusal.malformed),
])
def test_widget_data_is_refused(data: dict[str, str], why: Refusal) -> None:
    with pytest.raises(SignInRefused) as refused:
        verify_widget(TOKEN, data, NOW, 3600)
    assert refused.value.why is why


def with_staff(catalog: Catalog, *staff: Staff) -> Catalog:
    return Catalog(**{**catalog.__dict__, "staff": {s.id: s for s in staff}})


def test_the_strongest_role_counts_and_buyers_are_not_staff(catalog: Catalog) -> None:
    people = with_staff(catalog, Staff(id=1, name="组长", shops=("beishang",), roles=(Role.agent, Role.supervisor)),
                        Staff(id=2, name="客服", shops=("mingxiang",)))
    assert role_of(people, 1) is Role.supervisor
    assert role_of(people, 2) is Role.agent
    assert role_of(people, 2, frozenset({2})) is Role.ops  # OPS_IDS
    with pytest.raises(SignInRefused):
        person_for(people, 700001)


def conversation(shop: str, agent_id: int | None) -> Conversation:
    at = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    return Conversation(id=1, buyer_id=700001, buyer_name="小王", language_code="zh-hans", shop=shop,
                        reason="requested", priority=Priority.normal,
                        status=Status.queued if agent_id is None else Status.held, agent_id=agent_id,
                        topic_id=None, created_at=at, queued_at=at)


def test_agents_act_on_waiting_and_own_conversations_of_their_shops(catalog: Catalog) -> None:
    people = with_staff(catalog, Staff(id=1, name="组长", roles=(Role.supervisor,)),
                        Staff(id=2, name="客服", shops=("mingxiang",)))
    agent, supervisor = person_for(people, 2), person_for(people, 1)
    assert may_act(agent, conversation("mingxiang", None))
    assert may_act(agent, conversation("mingxiang", 2))
    assert not may_act(agent, conversation("mingxiang", 3))
    assert not may_act(agent, conversation("beishang", None))
    assert may_act(agent, conversation("beishang", 2))  # transferred to them from another shop
    assert may_act(supervisor, conversation("beishang", 3))


@pytest.mark.parametrize(("seconds", "colour"), [(None, "answered"), (0, "ok"), (19.9, "ok"), (20, "warn"),
                                                 (30, "warn"), (30.1, "late"), (600, "late")])
def test_wait_times_are_coloured_against_the_sla(seconds: float | None, colour: str) -> None:
    assert wait_class(seconds) == colour
