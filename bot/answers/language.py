"""Service-language rules (规范用语): no absolute claims, no slang, a polite address.

Pure checks over text. The same rules gate templates at load time (`templates lint`),
every outgoing bot answer at runtime, and agents' messages (held with a suggestion).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from bot.datafiles import StrictModel, load_model
from bot.understanding.invisible import strip_format_characters

_TAGS = re.compile(r"<[^>]+>")


class LanguageRules(StrictModel):
    forbidden: tuple[str, ...] = ()
    slang: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    suggestions: dict[str, str] = {}
    polite: tuple[str, ...] = Field(default=("亲", "您"), min_length=1)


def load_language_rules(path: Path) -> LanguageRules:
    return load_model(path, LanguageRules)


class Problem(StrEnum):
    forbidden = "forbidden"
    slang = "slang"
    impolite = "impolite"


@dataclass(frozen=True)
class Violation:
    problem: Problem
    word: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        if self.problem is Problem.impolite:
            return "does not address the buyer politely (亲 / 您)"
        hint = f" (say {self.suggestion!r} instead)" if self.suggestion else ""
        kind = "forbidden word" if self.problem is Problem.forbidden else "slang"
        return f"{kind} {self.word!r}{hint}"


def plain_text(text: str) -> str:
    """What the buyer reads: HTML tags removed, entities decoded, invisible format
    characters (zero-width spaces...) removed, so `最\u200b好` is read as 最好."""
    return strip_format_characters(html.unescape(_TAGS.sub("", text)))


def check(text: str, rules: LanguageRules, *, require_polite: bool = False) -> list[Violation]:
    """Every rule the text breaks; an empty list means it may be sent."""
    plain = plain_text(text)
    lowered = plain.lower()
    for phrase in rules.exceptions:
        lowered = lowered.replace(phrase.lower(), " ")
    found: list[Violation] = []
    for problem, words in ((Problem.forbidden, rules.forbidden), (Problem.slang, rules.slang)):
        for word in words:
            if word.lower() in lowered:
                found.append(Violation(problem, word, rules.suggestions.get(word)))
    if require_polite and not any(p in plain for p in rules.polite):
        found.append(Violation(Problem.impolite))
    return found


def compliant_alternative(text: str, rules: LanguageRules) -> str:
    """The text with each flagged word replaced by its suggestion (or removed).

    Exception phrases (第一次) are set aside first, so only the claims are rewritten.
    """
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match[0])
        return f"\x00{len(kept) - 1}\x00"

    out = strip_format_characters(text)  # the words were found without them
    if rules.exceptions:
        out = re.sub("|".join(map(re.escape, rules.exceptions)), keep, out, flags=re.IGNORECASE)
    for violation in check(text, rules):
        if violation.word:
            out = re.sub(re.escape(violation.word), violation.suggestion or "", out, flags=re.IGNORECASE)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m[1])], out)
