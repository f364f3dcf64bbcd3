"""What ops tune around the topic model: thresholds, synonyms and keyword rules (loading only).

`templates/understanding.yaml` holds it. The keyword lists are plain words, not regular
expressions: a buyer asking for a person or complaining must reach a person even when the
model is unsure, and a short list of words is what ops can check at a glance.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from bot.datafiles import StrictModel, load_model
from bot.understanding.topics import Phrase


class Thresholds(StrictModel):
    confident: float = Field(default=0.55, gt=0, le=1)
    """The best topic's probability must reach this..."""
    margin: float = Field(default=0.2, ge=0, le=1)
    """...and be this far ahead of the second best."""
    handoff: float | None = Field(default=None, gt=0, le=1)
    """A lower bar for "complaint" and "human" as the best topic: handing a buyer to a person
    by mistake costs a person a minute, missing an angry buyer costs the shop. None: the
    same bar as every topic."""


def _keywords(value: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(str(v).strip().lower() for v in value)
    if any(not v for v in cleaned):
        raise ValueError("empty keyword")
    return cleaned


class Handoff(StrictModel):
    complaint: tuple[Phrase, ...] = ()
    human: tuple[Phrase, ...] = ()

    @field_validator("complaint", "human")
    @classmethod
    def _clean(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _keywords(value)


class ReadingRules(StrictModel):
    thresholds: Thresholds = Thresholds()
    synonyms: dict[Phrase, Phrase] = {}
    needs_product: tuple[Phrase, ...] = ()
    handoff: Handoff = Handoff()
    size_words: tuple[Phrase, ...] = ()
    stacking_words: tuple[Phrase, ...] = ()
    same_kind_words: tuple[Phrase, ...] = ()

    @field_validator("size_words", "stacking_words", "same_kind_words")
    @classmethod
    def _clean(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _keywords(value)


def load_reading_rules(path: Path) -> ReadingRules:
    return load_model(path, ReadingRules)
