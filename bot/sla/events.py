"""The events the handoff code reports to the SLA store, as plain immutable data.

Kept as values (not only method calls) so a batch can be pipelined — the benchmark and any
replay of archived conversations send thousands in one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RatingValue(StrEnum):
    satisfied = "satisfied"  # 满意
    neutral = "neutral"  # 一般
    dissatisfied = "dissatisfied"  # 不满意


@dataclass(frozen=True)
class Handoff:
    """The conversation entered the human queue: first-response clock and first round start."""

    shop: str
    conversation_id: str
    buyer_id: str
    at: datetime | None = None


@dataclass(frozen=True)
class BuyerMessage:
    """A buyer wrote; opens a round when none is open (only in a human conversation)."""

    shop: str
    conversation_id: str
    buyer_id: str
    at: datetime | None = None


@dataclass(frozen=True)
class AgentReply:
    """An agent's text reached the buyer; ends the open round. `text` feeds the 稍等 and repeat flags."""

    shop: str
    conversation_id: str
    agent_id: str
    buyer_id: str
    text: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Rating:
    """The buyer's satisfaction answer after close; a second answer replaces the first."""

    shop: str
    conversation_id: str
    agent_id: str | None
    rating: RatingValue
    at: datetime | None = None


@dataclass(frozen=True)
class Close:
    """The human conversation ended (close, hand-back or buyer cancel): non-service is judged here."""

    shop: str
    conversation_id: str
    agent_id: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class BotAnswer:
    """The bot answered a question itself (bot-only metrics, not assessed)."""

    shop: str
    latency_s: float
    at: datetime | None = None


@dataclass(frozen=True)
class BotUnanswered:
    """The bot could not answer a question (counts against the bot answer share)."""

    shop: str
    at: datetime | None = None


SlaEvent = Handoff | BuyerMessage | AgentReply | Rating | Close | BotAnswer | BotUnanswered
