"""Sample values for `livedesk templates lint`, taken from the loaded data, not from code.

The lint renders every template contract with these values. Questions come from
`templates/lint_samples.yaml` (ops-editable); placeholders in them are filled from the
catalogue that is loaded, so a real shop's products, sizes and orders are all asked about.
Buyers, staff and shops are the catalogue's own. Nothing here names a demo product or
order: a shop with other SKUs and order ids gets every template rendered all the same.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import product as cartesian
from pathlib import Path

from pydantic import Field

from bot.answers.composer import Asker
from bot.datafiles import DataError, DataFileError, StrictModel, load_yaml, validate
from bot.promotions import RuleSet
from bot.shop.catalog import ONE_SIZE, Catalog, Product, Shop, Staff

SAMPLES_FILE = "lint_samples.yaml"

NAMING = ("product", "other", "order", "item", "missing_order")
"""Placeholders that name what the question is about: such a question is asked with no
product on stage (it names its own); the others are asked with every product on stage."""
PLACEHOLDERS = (*NAMING, "size")


class SamplesFile(StrictModel):
    questions: list[str] = Field(min_length=1)
    unknown_buyer: str = Field(min_length=1)
    """The name of a buyer the catalogue does not know (a first-time visitor)."""
    room_answer: str = Field(min_length=1)
    """An already-rendered answer, as the live room's gathered post embeds it."""


@dataclass(frozen=True)
class SampleQuestion:
    text: str
    names_its_subject: bool


@dataclass(frozen=True)
class SampleData:
    """Everything the template contracts are rendered with, from the loaded data."""

    catalog: Catalog
    rules: RuleSet
    at: datetime
    questions: tuple[SampleQuestion, ...]
    unknown_buyer: Asker
    room_answer: str

    @property
    def askers(self) -> list[Asker]:
        """Every buyer of the catalogue, and one it does not know."""
        return [*(Asker(b.id, b.name) for b in self.catalog.buyers.values()), self.unknown_buyer]

    @property
    def products(self) -> list[Product]:
        return list(self.catalog.products.values())

    @property
    def shops(self) -> list[Shop]:
        return list(self.catalog.shops.values())

    @property
    def agents(self) -> list[Staff]:
        """The agents (or, in a catalogue without agents, all staff)."""
        staff = list(self.catalog.staff.values())
        return [s for s in staff if self.catalog.is_agent(s.id)] or staff

    @property
    def agent_names(self) -> list[str]:
        """At least one name: staff names, or the fallback a notice shows for an unknown id."""
        return [s.name for s in self.agents] or [str(self.unknown_buyer.user_id)]


def _missing_order(catalog: Catalog) -> str:
    """An order number (4+ digits, as buyers type them) that no order in the catalogue has."""
    number = 9999
    while str(number) in catalog.orders:
        number += 1
    return str(number)


def _values(catalog: Catalog) -> dict[str, list[dict[str, str]]]:
    """For each placeholder group, every combination of values the catalogue gives."""
    products = list(catalog.products.values())
    pairs = [{"product": p.name, "other": products[(i + 1) % len(products)].name}
             for i, p in enumerate(products)]
    return {
        "product": [{"product": p.name} for p in products],
        "product+other": pairs,
        "order": [{"order": o.id} for o in catalog.orders.values()],
        "order+item": [{"order": o.id, "item": catalog.products[line.sku].name}
                       for o in catalog.orders.values() for line in o.items if line.sku in catalog.products],
        "missing_order": [{"missing_order": _missing_order(catalog)}],
        "size": [{"size": s} for s in dict.fromkeys(s for p in products for s in p.sizes if s != ONE_SIZE)],
    }


def expand(template: str, catalog: Catalog) -> list[str]:
    """One question per combination of the catalogue values its placeholders take."""
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not fields:
        return [template]
    values = _values(catalog)
    groups = []
    if "item" in fields:
        groups.append(values["order+item"])
    elif "order" in fields:
        groups.append(values["order"])
    if "other" in fields:
        groups.append(values["product+other"])
    elif "product" in fields:
        groups.append(values["product"])
    for single in ("missing_order", "size"):
        if single in fields:
            groups.append(values[single])
    return list(dict.fromkeys(template.format_map({k: v for part in combo for k, v in part.items()})
                              for combo in cartesian(*groups)))


def _placeholder_errors(path: Path, line: int | None, template: str) -> Iterator[DataError]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        yield DataError(path, line, f"question {template!r}: {exc}")
        return
    for name in fields:
        if name not in PLACEHOLDERS:
            yield DataError(path, line, f"question {template!r}: unknown placeholder {{{name}}} "
                                        f"(known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})")
    if "item" in fields and "order" not in fields:
        yield DataError(path, line, f"question {template!r}: {{item}} is a product of {{order}}, use both")


def load_sample_data(path: Path, catalog: Catalog, rules: RuleSet, at: datetime) -> SampleData:
    """Read the samples file and fill its questions from the catalogue; errors name file and line."""
    loaded = load_yaml(path)
    spec = validate(loaded, SamplesFile)
    errors = [e for i, q in enumerate(spec.questions)
              for e in _placeholder_errors(path, loaded.line_of(("questions", i)), q)]
    if errors:
        raise DataFileError(errors)
    questions: dict[str, SampleQuestion] = {}
    for template in spec.questions:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        for text in expand(template, catalog):
            questions.setdefault(text, SampleQuestion(text, bool(fields & set(NAMING))))
    unknown_id = max([0, *catalog.buyers, *catalog.staff]) + 1
    return SampleData(catalog, rules, at, tuple(questions.values()),
                      Asker(unknown_id, spec.unknown_buyer), spec.room_answer)
