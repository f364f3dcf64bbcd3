"""Handoff policy: who is served first, waiting estimates, when to tell again, who is next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.handoff.model import Presence, Priority
from bot.handoff.policy import (
    PRIORITY_STEP,
    eta_minutes,
    is_material_change,
    next_agent,
    queue_score,
)
from bot.handoff.settings import HandoffSettings

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
S = HandoffSettings(avg_handling_minutes=5, material_position_step=2, material_eta_minutes=1)


def served_order(entries: dict[str, tuple[Priority, datetime]]) -> list[str]:
    return sorted(entries, key=lambda name: queue_score(*entries[name]))


# --- queue score ------------------------------------------------------------------------


def test_complaints_before_vips_before_the_rest_whatever_the_arrival_order() -> None:
    order = served_order({
        "normal_first": (Priority.normal, T0),
        "vip_second": (Priority.vip, T0 + timedelta(minutes=5)),
        "complaint_last": (Priority.complaint, T0 + timedelta(minutes=30)),
    })
    assert order == ["complaint_last", "vip_second", "normal_first"]


def test_within_a_priority_the_longest_waiting_goes_first() -> None:
    order = served_order({
        "later": (Priority.vip, T0 + timedelta(seconds=1)),
        "earlier": (Priority.vip, T0),
        "latest": (Priority.vip, T0 + timedelta(hours=3)),
    })
    assert order == ["earlier", "later", "latest"]


def test_a_complaint_from_years_later_still_beats_an_old_normal_request() -> None:
    assert queue_score(Priority.complaint, T0 + timedelta(days=3650)) < queue_score(Priority.normal, T0)


def test_scores_are_exact_integers_below_two_to_the_53() -> None:
    score = queue_score(Priority.normal, datetime(2200, 1, 1, tzinfo=UTC))
    assert score < 2**53
    assert float(score) == score
    assert score // PRIORITY_STEP == 2


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        queue_score(Priority.normal, datetime(2026, 11, 23, 12, 0))


# --- waiting estimate -------------------------------------------------------------------


def test_eta_is_position_times_average_over_online_agents_rounded_up() -> None:
    assert eta_minutes(1, 1, S) == 5
    assert eta_minutes(3, 1, S) == 15
    assert eta_minutes(3, 2, S) == 8   # 7.5 rounded up
    assert eta_minutes(4, 2, S) == 10


def test_eta_follows_the_configured_average() -> None:
    assert eta_minutes(2, 1, HandoffSettings(avg_handling_minutes=3)) == 6


def test_eta_is_never_zero_minutes() -> None:
    assert eta_minutes(1, 50, S) == 1


def test_no_estimate_without_an_online_agent() -> None:
    assert eta_minutes(2, 0, S) is None


def test_positions_start_at_one() -> None:
    with pytest.raises(ValueError):
        eta_minutes(0, 1, S)


# --- material change --------------------------------------------------------------------


def test_first_announcement_is_always_made() -> None:
    assert is_material_change(None, None, 5, 25, S)


def test_one_step_forward_with_a_similar_eta_is_not_material() -> None:
    assert not is_material_change(5, 25, 4, 25, S)


def test_two_steps_forward_are_material() -> None:
    assert is_material_change(5, 25, 3, 25, S)


def test_eta_moving_a_minute_either_way_is_material() -> None:
    assert is_material_change(5, 25, 5, 24, S)
    assert is_material_change(5, 25, 6, 26, S)


def test_eta_moving_less_than_the_threshold_is_not() -> None:
    wide = HandoffSettings(material_position_step=3, material_eta_minutes=5)
    assert not is_material_change(5, 25, 4, 21, wide)
    assert is_material_change(5, 25, 4, 20, wide)


def test_reaching_the_head_of_the_line_is_material() -> None:
    assert is_material_change(2, 3, 1, 3, S)


def test_estimate_appearing_or_vanishing_is_material() -> None:
    assert is_material_change(3, None, 3, 15, S)  # an agent came online
    assert is_material_change(3, 15, 3, None, S)  # the last agent went offline


def test_nothing_changed_is_not_material() -> None:
    assert not is_material_change(3, 15, 3, 15, S)
    assert not is_material_change(3, None, 3, None, S)


# --- round robin ------------------------------------------------------------------------


def test_round_robin_goes_to_the_agent_after_the_last_one() -> None:
    assert next_agent([10, 20, 30], {}, 5, None) == 10
    assert next_agent([10, 20, 30], {}, 5, 10) == 20
    assert next_agent([10, 20, 30], {}, 5, 20) == 30


def test_round_robin_wraps_around() -> None:
    assert next_agent([10, 20, 30], {}, 5, 30) == 10


def test_round_robin_does_not_depend_on_the_callers_order() -> None:
    assert next_agent([30, 10, 20], {}, 5, 10) == 20


def test_agents_at_the_cap_are_skipped() -> None:
    counts = {10: 1, 20: 2, 30: 0}
    assert next_agent([10, 20, 30], counts, 2, 10) == 30
    assert next_agent([10, 20, 30], counts, 2, 30) == 10


def test_offline_and_on_break_agents_are_skipped() -> None:
    presence = {10: Presence.online, 20: Presence.on_break, 30: Presence.offline}
    assert next_agent([10, 20, 30], {}, 5, 10, presence) == 10
    presence[30] = Presence.online
    assert next_agent([10, 20, 30], {}, 5, 10, presence) == 30


def test_nobody_when_everyone_is_full_or_away() -> None:
    assert next_agent([10, 20], {10: 3, 20: 3}, 3, None) is None
    assert next_agent([10, 20], {}, 3, None, {10: Presence.offline}) is None
    assert next_agent([], {}, 3, None) is None


def test_pointer_of_an_agent_who_left_the_rotation() -> None:
    assert next_agent([10, 30], {}, 5, 20) == 30
    assert next_agent([10, 30], {}, 5, 99) == 10


def test_rotation_over_many_picks_is_fair() -> None:
    picks, last = [], None
    for _ in range(6):
        last = next_agent([1, 2, 3], {}, 5, last)
        picks.append(last)
    assert picks == [1, 2, 3, 1, 2, 3]


# --- settings ---------------------------------------------------------------------------


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        HandoffSettings(agent_cap=0)
    with pytest.raises(ValueError):
        HandoffSettings(material_eta_minutes=-1)
