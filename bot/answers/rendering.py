"""Rendering answers from ops-edited Jinja2 templates, safely.

Templates are written by ops staff, so they run in Jinja2's SandboxedEnvironment with
StrictUndefined (a misspelt variable is an error, not a blank) and HTML autoescaping
(buyers' names and shop data cannot inject markup into Telegram's HTML parse mode).
Each locale is a folder (`templates/zh-CN`, `templates/en`); a template missing in a
locale falls back to the default locale. Button labels live in `labels.yaml` per locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from bot.datafiles import DataError, DataFileError, load_model
from bot.money import format_yuan, format_yuan_short

TEMPLATE_SUFFIX = ".j2"
LABELS_FILE = "labels.yaml"


def _hours_text(hours: int) -> str:
    return str(hours)


def _weight_text(value: Any) -> str:
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Rendered:
    locale: str
    template: str
    text: str


def locale_for(language_code: str | None, locales: tuple[str, ...], default: str) -> str:
    """English for buyers whose Telegram language starts with "en", else the default."""
    if language_code:
        code = language_code.lower()
        for locale in locales:
            if locale != default and code.startswith(locale.lower().split("-")[0]):
                return locale
    return default


class _LocaleEnvironment(SandboxedEnvironment):
    """Resolves `{% import '_macros.j2' %}` inside the importing template's locale folder."""

    def join_path(self, template: str, parent: str) -> str:
        if "/" in parent and not any(template.startswith(f"{p}/") for p in self.locales):
            return f"{parent.split('/', 1)[0]}/{template}"
        return template

    locales: tuple[str, ...] = ()


class Replies:
    """All templates of one templates directory; immutable once built (reload builds anew)."""

    def __init__(self, directory: Path, default_locale: str) -> None:
        self.directory = directory
        self.default_locale = default_locale
        if not (directory / default_locale).is_dir():
            raise DataFileError([DataError(directory / default_locale, None,
                                           "the default locale's template folder is missing")])
        # A locale is a folder of templates; topics/ (example messages) holds none.
        self.locales = tuple(sorted(p.name for p in directory.iterdir()
                                    if p.is_dir() and not p.name.startswith((".", "_"))
                                    and any(p.rglob("*.j2"))))
        self.env = _LocaleEnvironment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.env.locales = self.locales
        self.env.filters["yuan"] = format_yuan
        self.env.filters["yuan_short"] = format_yuan_short
        self.env.filters["kg"] = _weight_text
        self.labels: dict[str, dict[str, str]] = {}
        for locale in self.locales:
            path = directory / locale / LABELS_FILE
            if path.is_file():
                self.labels[locale] = load_model(path, dict[str, str])

    def template_names(self, locale: str) -> list[str]:
        folder = self.directory / locale
        return sorted(str(p.relative_to(folder).with_suffix("")) for p in folder.rglob(f"*{TEMPLATE_SUFFIX}"))

    def has(self, locale: str, name: str) -> bool:
        return (self.directory / locale / f"{name}{TEMPLATE_SUFFIX}").is_file()

    def resolve(self, locale: str, name: str) -> str:
        """The template path actually used: the locale's own, else the default locale's."""
        if locale in self.locales and self.has(locale, name):
            return f"{locale}/{name}{TEMPLATE_SUFFIX}"
        if self.has(self.default_locale, name):
            return f"{self.default_locale}/{name}{TEMPLATE_SUFFIX}"
        raise TemplateNotFound(f"{name}{TEMPLATE_SUFFIX}")

    def render(self, locale: str, name: str, context: Mapping[str, Any]) -> Rendered:
        path = self.resolve(locale, name)
        text = self.env.get_template(path).render(**context, locale=locale).strip()
        return Rendered(locale=path.split("/", 1)[0], template=path, text=text)

    def label(self, locale: str, key: str) -> str:
        """A button label; falls back to the default locale, then to the key itself."""
        for loc in (locale, self.default_locale):
            value = self.labels.get(loc, {}).get(key)
            if value:
                return value
        return key
