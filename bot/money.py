"""Money as integer fen (0.01 yuan), end to end.

Amounts enter as strings or Decimals in data files ("120.00") and leave as strings with
two decimals; nothing in between is ever a float, so shares always add up exactly.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator

Fen = int
"""An amount of money in fen. A plain int so arithmetic stays exact and cheap."""

_HUNDRED = Decimal(100)


def parse_yuan(value: Any) -> Fen:
    """Turn "120", "120.5", "120.00", 120 or Decimal("120.00") into fen.

    Floats are refused: a data file that says 39.9 unquoted is read by YAML as a float,
    which cannot be trusted to the fen, so ops must write it as a string or an int.
    More than two decimals is an error rather than a silent rounding.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"amount {value!r} must be written as a string like \"39.90\", not a float")
    if isinstance(value, int):
        return value * 100
    try:
        amount = Decimal(str(value).strip().replace("¥", "").replace("￥", ""))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money (write it like \"120.00\")") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money")
    fen = amount * _HUNDRED
    if fen != fen.to_integral_value():
        raise ValueError(f"{value!r} has more than two decimals; amounts are exact to the fen")
    return int(fen)


def format_yuan(fen: Fen) -> str:
    """120.00-style text, with a minus sign for negative amounts."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan_short(fen: Fen) -> str:
    """Like format_yuan but drops ".00" for whole yuan, as buyers write prices ("满150减20")."""
    text = format_yuan(fen)
    return text[:-3] if text.endswith(".00") else text


YuanField = Annotated[Fen, BeforeValidator(parse_yuan)]
"""A pydantic field written in yuan in data files and held in fen."""
