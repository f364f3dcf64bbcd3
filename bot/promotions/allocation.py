"""Splitting one amount of fen over lines, exactly.

Every order-level discount must be told to the buyer and charged to the merchants down
to the fen, so its shares have to add up to it exactly; rounding each share on its own
loses or invents fen (macrozheng/mall #356). The largest-remainder method (Vendure's
`prorate`, moneyphp's `allocate`) floors each exact share and hands the leftover fen,
one each, to the largest fractional parts, ties to the earlier line, so every share is
within one fen of its exact proportional value. All arithmetic is on integers: the
fractional part of ``amount * w / W`` is compared through its numerator ``amount * w % W``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.money import Fen


def allocate(amount: Fen, weights: Sequence[int], caps: Sequence[Fen] | None = None) -> list[Fen]:
    """Split `amount` over `weights` by largest remainder, then cap each share.

    A share above its cap (what the line still owes) is cut to the cap and the excess is
    forfeited rather than pushed onto other lines: a merchant must not carry more of a
    cross-shop reduction because another shop's line ran out of room (Taobao 2020, Medusa,
    Spree). So the shares add up to `amount` exactly unless a cap bites.

    All-zero weights split equally (Vendure's convention), so a caller never divides by
    zero; with caps, zero-amount lines still receive nothing. A negative amount (a
    surcharge) is split as the mirror image of the positive one, caps applying to its size.
    """
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must not be negative")
    if caps is not None and len(caps) != len(weights):
        raise ValueError("one cap per weight is needed")
    if amount < 0:
        return [-share for share in allocate(-amount, weights, caps)]
    count = len(weights)
    if count == 0:
        return []
    total = sum(weights)
    if total == 0:
        weights = [1] * count
        total = count
    shares: list[Fen] = []
    remainders: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(amount * weight, total)
        shares.append(share)
        remainders.append((-remainder, index))
    leftover = amount - sum(shares)
    if leftover:
        # Sorting (-remainder, index) puts the largest fraction first and, among equal
        # fractions, the earlier line first: the tie rule buyers and tests rely on.
        remainders.sort()
        for _, index in remainders[:leftover]:
            shares[index] += 1
    if caps is not None:
        shares = [min(share, max(cap, 0)) for share, cap in zip(shares, caps, strict=True)]
    return shares


def split_units(amount: Fen, units: int) -> list[Fen]:
    """Split a line's amount over its identical units, the first units taking the odd fen.

    Used for refunds of part of a line: returning k of n units gives back the first k
    unit amounts after any already returned, so successive returns of every unit add up
    to exactly what the line paid.
    """
    if units < 1:
        raise ValueError("a line has at least one unit")
    return allocate(amount, [1] * units)
