"""Largest-remainder allocation: exact shares, ties to the earlier line, caps forfeit."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.promotions import allocate, split_units


def test_worked_example_120_and_30_share_20_as_16_and_4() -> None:
    assert allocate(2000, [12000, 3000]) == [1600, 400]


def test_leftover_fen_go_to_largest_fractions() -> None:
    # exact 160.7125 / 52.325 / 85.9625: the two odd fen go to .9625 then .7125
    assert allocate(299, [4300, 1400, 2300]) == [161, 52, 86]


def test_ties_go_to_the_earlier_line() -> None:
    assert allocate(1000, [1, 1, 1]) == [334, 333, 333]
    assert allocate(5, [3, 7]) == [2, 3]


def test_cap_forfeits_excess_instead_of_moving_it() -> None:
    # 50 over 20 and 380: exact 2.5 and 47.5, but line 0 may carry only 1.00
    assert allocate(5000, [2000, 38000], caps=[100, 38000]) == [100, 4750]


def test_zero_weight_line_gets_nothing() -> None:
    assert allocate(400, [0, 1000]) == [0, 400]


def test_all_zero_weights_split_equally_but_caps_still_hold() -> None:
    assert allocate(10, [0, 0]) == [5, 5]
    assert allocate(10, [0, 0], caps=[0, 0]) == [0, 0]


def test_negative_amount_is_the_mirror_image() -> None:
    assert allocate(-299, [4300, 1400, 2300]) == [-161, -52, -86]


def test_split_units_puts_odd_fen_on_first_units() -> None:
    assert split_units(4, 3) == [2, 1, 1]
    assert sum(split_units(29000, 3)) == 29000


amounts = st.integers(min_value=0, max_value=10**9)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=40)


@given(amounts, weight_lists)
def test_shares_add_up_and_stay_within_one_fen_of_exact(amount: int, weights: list[int]) -> None:
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    total = sum(weights) or len(weights)
    effective = weights if sum(weights) else [1] * len(weights)
    for share, weight in zip(shares, effective, strict=True):
        exact = Fraction(amount * weight, total)
        assert share >= 0
        assert abs(share - exact) < 1


@given(amounts, weight_lists, st.data())
def test_caps_are_never_exceeded_and_only_cut(amount: int, weights: list[int], data: st.DataObject) -> None:
    caps = data.draw(st.lists(st.integers(min_value=0, max_value=10**9),
                              min_size=len(weights), max_size=len(weights)))
    capped = allocate(amount, weights, caps)
    free = allocate(amount, weights)
    for c, f, cap in zip(capped, free, caps, strict=True):
        assert 0 <= c <= cap
        assert c == min(f, cap)
