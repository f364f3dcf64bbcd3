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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.aftersales.policy import AftersalesPolicy, load_aftersales
from bot.answers.audience import buyer_facing, needs_polite
from bot.answers.composer import Answer, Composer
from bot.answers.language import LanguageRules, check, load_language_rules
from bot.answers.lint import Sample, lint
from bot.answers.lint_samples import SAMPLES_FILE, load_sample_data
from bot.answers.localize import Terms, catalogue_terms, catalogue_words, localized
from bot.answers.message import Message
from bot.answers.messages import fallback
from bot.answers.rendering import Replies, locale_for
from bot.clock import Clock
from bot.config import Settings
from bot.customers.tiers import TierRules, load_tier_rules
from bot.datafiles import DataError, DataFileError
from bot.knowledge.button_data import button_data_errors
from bot.knowledge.template_samples import every_sample
from bot.promotions import RuleSet, load_rules
from bot.shop.catalog import Catalog, load_catalog
from bot.understanding.intents import IntentMatcher
from bot.understanding.reading_rules import ReadingRules, load_reading_rules
from bot.understanding.topics import TopicSet, load_topics

log = logging.getLogger(__name__)

READING_FILE = "understanding.yaml"
TOPICS_DIR = "topics"
LANGUAGE_FILE = "language.yaml"
AFTERSALES_FILE = "aftersales.yaml"
CUSTOMERS_FILE = "customers.yaml"



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
    aftersales: AftersalesPolicy | None = None
    """Each shop's after-sales policy (shop/aftersales.yaml); None only in hand-built snapshots."""
    tiers: TierRules | None = None
    """How buyers are classified (shop/customers.yaml); None only in hand-built snapshots."""
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
        safe = fallback()
        return self.replies.render(locale, safe.template, safe.context).text

    def render_message(self, locale: str, message: Message) -> str:
        """Render what a template contract built (see `bot.answers.message`)."""
        return self.render(locale, message.template, message.context)

    def render_answer(self, locale: str, answer: Answer) -> str:
        """Render a composer answer as the private chat gets it."""
        return self.render(locale, answer.template, answer.context)

    def markup(self, text: str) -> Markup:
        """Mark an already-rendered answer safe for embedding in another template."""
        return Markup(text)

    def button_label(self, locale: str, key: str) -> str:
        return self.replies.label(locale, key)


def load_knowledge(settings: Settings, now: datetime) -> Knowledge:
    """Load every data file and lint every template; raise DataFileError listing all problems."""
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
    aftersales = attempt(load_aftersales, settings.shop_dir / AFTERSALES_FILE, catalog)
    tiers = attempt(load_tier_rules, settings.shop_dir / CUSTOMERS_FILE)
    if not errors:
        errors += button_data_errors(settings.shop_dir, catalog, topics)
    samples = (attempt(load_sample_data, settings.templates_dir / SAMPLES_FILE, catalog, rules, now)
               if rules is not None else None)
    if errors:
        raise DataFileError(errors)
    matcher = IntentMatcher(reading, topics, catalog)  # trains the topic model
    terms = {loc: catalogue_terms(catalog, loc, rules) for loc in replies.locales}
    knowledge = Knowledge(catalog=catalog, rules=rules, reading=reading, topics=topics, matcher=matcher,
                          composer=Composer(catalog, rules, matcher, aftersales), replies=replies,
                          language=language, loaded_at=now, aftersales=aftersales, tiers=tiers,
                          terms=terms)
    report = lint(replies, language, every_sample(samples, matcher, knowledge.composer, replies, aftersales),
                  terms=terms, catalogue=catalogue_words(catalog, rules))
    if report.errors:
        raise DataFileError(report.errors)
    return replace(knowledge, unchecked_templates=tuple(report.unexercised),
                   untranslated=tuple(report.untranslated))


def template_samples(knowledge: Knowledge, templates_dir: Path, now: datetime) -> Iterator[Sample]:
    """The samples the lint renders for this snapshot (the template editor previews them)."""
    data = load_sample_data(templates_dir / SAMPLES_FILE, knowledge.catalog, knowledge.rules, now)
    return every_sample(data, knowledge.matcher, knowledge.composer, knowledge.replies, knowledge.aftersales)


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
