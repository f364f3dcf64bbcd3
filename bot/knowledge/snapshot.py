"""Everything the bot knows, loaded as one immutable snapshot and swapped atomically.

Catalogue, promotion rules, topic examples (the topic model is trained here), service-language rules and templates are
edited by ops as files. A snapshot is built completely (loaded, cross-checked, every
template rendered and linted) before it replaces the live one, so a broken file never
goes live and an answer in progress never sees half-loaded data: handlers take
`holder.current` once per update and use that object throughout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.answers.composer import Answer, Composer
from bot.answers.localize import Terms, catalogue_terms, localized
from bot.shop.catalog import Catalog, load_catalog
from bot.clock import Clock
from bot.config import Settings
from bot.datafiles import DataError, DataFileError
from bot.understanding.intents import IntentMatcher
from bot.understanding.reading_rules import ReadingRules, load_reading_rules
from bot.understanding.topics import TopicSet, load_topics
from bot.answers.language import LanguageRules, check, load_language_rules
from bot.promotions import RuleSet, load_rules
from bot.answers.rendering import Replies, locale_for

log = logging.getLogger(__name__)

FALLBACK_TEMPLATE = "fallback"
READING_FILE = "understanding.yaml"
TOPICS_DIR = "topics"
LANGUAGE_FILE = "language.yaml"


STAFF_TEMPLATES = ("ops/", "agents/")
"""Notices to ops and agents: not buyer-facing, and they may quote a held message's words."""


def needs_polite(locale: str, template: str) -> bool:
    """zh answers to buyers must address them politely; staff notices and partials need not."""
    return locale.startswith("zh") and not template.startswith((*STAFF_TEMPLATES, "_"))


def buyer_facing(template: str) -> bool:
    """Whether the service-language rules apply: every text a buyer can read."""
    return not template.startswith(STAFF_TEMPLATES)


@dataclass(frozen=True)
class Knowledge:
    catalog: Catalog
    rules: RuleSet
    reading: ReadingRules
    topics: TopicSet
    matcher: IntentMatcher
    composer: Composer
    replies: Replies
    language: LanguageRules
    loaded_at: datetime
    unchecked_templates: tuple[Path, ...] = ()
    """Templates the lint's sample answers did not reach (reported as warnings)."""
    untranslated: tuple[str, ...] = ()
    """Catalogue words answers show untranslated in a non-Chinese locale (lint warnings)."""
    terms: Mapping[str, Terms] = field(default_factory=dict)
    """Per locale: catalogue value → its translation (see bot.answers.localize)."""

    def locale(self, language_code: str | None) -> str:
        return locale_for(language_code, self.replies.locales, self.replies.default_locale)

    def render(self, locale: str, template: str, context: Mapping[str, Any]) -> str:
        """Render and check one answer; a text that breaks the language rules is replaced.

        Templates were linted at load, but data (a product name, a buyer's name) can still
        bring a forbidden word in: the buyer then gets the safe fallback and ops a log line.
        """
        rendered = self.replies.render(locale, template, localized(context, self.terms.get(locale, {})))
        if not buyer_facing(template):
            return rendered.text
        problems = check(rendered.text, self.language,
                         require_polite=needs_polite(rendered.locale, template))
        if not problems:
            return rendered.text
        log.warning("answer from %s broke service-language rules (%s); sent the fallback instead",
                    rendered.template, "; ".join(map(str, problems)))
        return self.replies.render(locale, FALLBACK_TEMPLATE, {}).text

    def render_answer(self, locale: str, answer: Answer, extra: Mapping[str, Any] | None = None) -> str:
        return self.render(locale, answer.template, {**answer.context, **(extra or {})})

    def markup(self, text: str) -> Markup:
        """Mark an already-rendered answer safe for embedding in another template."""
        return Markup(text)

    def button_label(self, locale: str, key: str) -> str:
        return self.replies.label(locale, key)


def load_knowledge(settings: Settings, now: datetime) -> Knowledge:
    """Load every data file and lint every template; raise DataFileError listing all problems."""
    from bot.answers.lint import lint  # lint composes sample answers, which need Knowledge

    errors: list[DataError] = []
    catalog = load_catalog(settings.shop_dir, now)

    def attempt(loader: Any, *args: Any) -> Any:
        try:
            return loader(*args)
        except DataFileError as exc:
            errors.extend(exc.errors)
            return None

    rules = attempt(load_rules, settings.promo_dir, catalog)
    reading = attempt(load_reading_rules, settings.templates_dir / READING_FILE)
    topics = attempt(load_topics, settings.templates_dir / TOPICS_DIR)
    language = attempt(load_language_rules, settings.templates_dir / LANGUAGE_FILE)
    replies = attempt(Replies, settings.templates_dir, settings.default_locale)
    if errors:
        raise DataFileError(errors)
    matcher = IntentMatcher(reading, topics, catalog)  # trains the topic model
    knowledge = Knowledge(catalog=catalog, rules=rules, reading=reading, topics=topics, matcher=matcher,
                          composer=Composer(catalog, rules, matcher), replies=replies,
                          language=language, loaded_at=now,
                          terms={loc: catalogue_terms(catalog, loc) for loc in replies.locales})
    report = lint(knowledge, now)
    if report.errors:
        raise DataFileError(report.errors)
    return replace(knowledge, unchecked_templates=tuple(report.unexercised),
                   untranslated=tuple(report.untranslated))


class KnowledgeHolder:
    """The live snapshot and the only way to replace it."""

    def __init__(self, settings: Settings, clock: Clock, initial: Knowledge) -> None:
        self._settings = settings
        self._clock = clock
        self._current = initial
        self._lock = asyncio.Lock()

    @classmethod
    def load(cls, settings: Settings, clock: Clock) -> KnowledgeHolder:
        """First load: any problem is fatal (the process must not start on broken data)."""
        return cls(settings, clock, load_knowledge(settings, clock.now()))

    @property
    def current(self) -> Knowledge:
        return self._current

    async def reload(self) -> list[DataError]:
        """Build a new snapshot off the event loop; swap it in only if it is sound.

        Returns the problems found (empty on success); on problems the last good snapshot
        stays live.
        """
        async with self._lock:
            try:
                fresh = await asyncio.to_thread(load_knowledge, self._settings, self._clock.now())
            except DataFileError as exc:
                log.error("reload rejected, last good data stays live:\n%s", exc)
                return exc.errors
            self._current = fresh
            log.info("reloaded: %d products, %d promotion rules",
                     len(fresh.catalog.products), len(fresh.rules))
            return []
