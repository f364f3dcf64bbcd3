"""Answer topics described by example buyer messages, one YAML file per topic (loading only).

Ops teach the bot a phrasing by adding a line to `templates/topics/<topic>.yaml`; the
classifier (bot.understanding.classifier) is trained from these examples whenever the
data loads. A file that is wrong is reported with file, line and reason, and the whole
load fails, so the last good model stays live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from bot.datafiles import DataError, DataFileError, StrictModel, load_yaml, validate

NOISE = "noise"
OUT_OF_SCOPE = "out_of_scope"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _number_as_text(value: Any) -> Any:
    """`- 666`, `- 88` and `- 12315` are phrases too, though YAML reads them as numbers."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("empty phrase (a bare '-' or blank line in a list)")
    return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


Phrase = Annotated[str, BeforeValidator(_number_as_text)]
"""A buyer's phrase in a data file; a bare number in YAML counts as text."""


class TopicFile(StrictModel):
    topic: str
    private: bool = False
    """About the buyer's own order or data: never answered in the live room."""
    examples: dict[str, tuple[Phrase, ...]] = Field(min_length=1)
    """Example messages per locale (zh-CN, en, ...)."""

    @field_validator("topic")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a topic name is lower-case letters, digits and _ (e.g. shipping_time)")
        return value

    @field_validator("examples")
    @classmethod
    def _examples(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for locale, lines in value.items():
            if not lines:
                raise ValueError(f"locale {locale} has no examples")
        return value


@dataclass(frozen=True)
class Topic:
    name: str
    private: bool
    examples: tuple[str, ...]
    file: Path


@dataclass(frozen=True)
class TopicSet:
    """Every topic with its examples, in a stable order (file name), ready for training."""

    topics: tuple[Topic, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics)

    def get(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def is_private(self, name: str) -> bool:
        topic = self.get(name)
        return topic is not None and topic.private


def load_topics(folder: Path) -> TopicSet:
    """Load every `*.yaml` under `folder`; raise DataFileError listing every problem."""
    errors: list[DataError] = []
    topics: list[Topic] = []
    seen_examples: dict[str, tuple[str, Path]] = {}
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise DataFileError([DataError(folder, None, "no topic files (*.yaml) found")])
    for path in files:
        try:
            loaded = load_yaml(path)
            parsed = validate(loaded, TopicFile)
        except DataFileError as exc:
            errors.extend(exc.errors)
            continue
        if parsed.topic != path.stem:
            errors.append(DataError(path, loaded.line_of(("topic",)),
                                    f"topic {parsed.topic!r} must match the file name {path.stem!r}"))
            continue
        examples: list[str] = []
        for locale, lines in parsed.examples.items():
            for i, line in enumerate(lines):
                text = str(line).strip()
                key = text.lower()
                if key in seen_examples and seen_examples[key][0] != parsed.topic:
                    other, other_path = seen_examples[key]
                    errors.append(DataError(path, loaded.line_of(("examples", locale, i)),
                                            f"example {text!r} is also an example of {other!r} "
                                            f"({other_path.name}): one message, one topic"))
                    continue
                seen_examples[key] = (parsed.topic, path)
                examples.append(text)
        topics.append(Topic(parsed.topic, parsed.private, tuple(examples), path))
    names = {t.name for t in topics}
    if not errors and OUT_OF_SCOPE not in names:
        errors.append(DataError(folder, None, f"{OUT_OF_SCOPE}.yaml is missing: the bot needs examples "
                                              "of what it must not answer"))
    if errors:
        raise DataFileError(errors)
    return TopicSet(tuple(topics))
