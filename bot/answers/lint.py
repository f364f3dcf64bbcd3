"""`livedesk templates lint`: render every template through its contract and check it.

Each template's context is built by one contract function (the composer for answers, a
`messages` module per feature for the rest: see `bot.answers.message`), and the lint
renders the `Sample`s those very functions return for sample values taken from the
loaded data (`bot.answers.lint_samples`). So a misspelt variable, a variable the contract
does not provide, a Jinja error, a forbidden word or a zh answer without 亲/您 is found
before the template can go live. Every problem names the template file and line.

The lint knows nothing of where its samples come from: the caller (the knowledge
snapshot) gathers them from every feature and passes them in.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateSyntaxError

from bot.answers.audience import buyer_facing, needs_polite
from bot.answers.language import LanguageRules, check
from bot.answers.localize import Terms, localized, untranslated
from bot.answers.message import Message
from bot.answers.rendering import Replies
from bot.datafiles import DataError


@dataclass(frozen=True)
class Sample:
    message: Message
    origin: str
    """What the sample stands for (a question, a command), named in the report."""

    @property
    def template(self) -> str:
        return self.message.template


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return None, None


@dataclass(frozen=True)
class LintReport:
    errors: list[DataError]
    """Every problem of every template in every locale; empty when all is well."""
    unexercised: list[Path]
    """Templates no sample reached, so they could not be checked. Not an error: which
    templates the data reaches depends on the data (a refund needs an order whose price
    still reproduces), but ops should know they went unchecked."""
    untranslated: list[str] = field(default_factory=list)
    """"locale: word" for catalogue words shown untranslated (a missing `en:` field)."""


def lint(replies: Replies, language: LanguageRules, samples: Iterable[Sample], *,
         terms: Mapping[str, Terms] | None = None, catalogue: tuple[str, ...] = ()) -> LintReport:
    """Render every sample in every locale as the bot would (catalogue words in the locale's
    `terms`) and check it; `catalogue` words left in Chinese outside zh are reported."""
    root = replies.directory
    missing: dict[str, None] = {}
    problems: dict[tuple[str, int | None, str], DataError] = {}

    def add(path: Path, line: int | None, reason: str, origin: str = "") -> None:
        """One report per file, line and reason: the first sample that showed it is named."""
        where = f" (rendering {origin})" if origin else ""
        problems.setdefault((str(path), line, reason), DataError(path, line, reason + where))

    rendered: set[str] = set()
    for locale in replies.locales:
        for name in replies.template_names(locale):
            try:
                replies.env.get_template(f"{locale}/{name}.j2")
            except TemplateSyntaxError as exc:
                add(root / locale / f"{name}.j2", exc.lineno, f"Jinja syntax: {exc.message}")
    if problems:
        return LintReport(list(problems.values()), [])

    for sample in samples:
        for locale in replies.locales:
            path = replies.resolve(locale, sample.template)
            rendered.add(path)  # used, even if it fails below: that failure is its report
            try:
                context = localized(sample.message.context, (terms or {}).get(locale, {}))
                text = replies.render(locale, sample.template, context).text
            except Exception as exc:  # noqa: BLE001 - any failure of an ops-edited template is reported
                filename, line = _template_line(exc)
                add(Path(filename) if filename else root / path, line,
                    f"{type(exc).__name__}: {exc}", sample.origin)
                continue
            if not text:
                add(root / path, None, "renders empty text", sample.origin)
            if not buyer_facing(sample.template):
                continue
            if not path.startswith("zh"):
                missing.update((f"{path.split('/', 1)[0]}: {w}", None) for w in untranslated(text, catalogue))
            for violation in check(text, language,
                                   require_polite=needs_polite(path.split("/", 1)[0], sample.template)):
                add(root / path, None, str(violation), f"{sample.origin}: {text[:60]!r}")

    unused = [root / locale / f"{name}.j2" for locale in replies.locales for name in replies.template_names(locale)
              if not Path(name).name.startswith("_") and f"{locale}/{name}.j2" not in rendered]
    return LintReport(list(problems.values()), unused, list(missing))
