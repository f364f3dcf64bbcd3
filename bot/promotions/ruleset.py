"""An immutable, validated set of promotion rules and the question "what is live now".

The bot swaps whole RuleSets on reload, so a running explanation always sees one
consistent set. Windows are resolved to aware instants once, in the shop time zone the
rules were loaded with, so pricing 10,000 carts never re-parses a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from types import MappingProxyType

from bot.promotions.models import CrossShopRule, ItemDiscountRule, Rule, ShopThresholdRule
from bot.promotions.windows import Window


@dataclass(frozen=True)
class RuleSource:
    """Where a rule was written, so explanations and errors can point ops at it."""

    file: Path
    line: int | None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


def require_aware(at: datetime) -> datetime:
    """Refuse naive datetimes: "12:00" means nothing until we know in which zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a promotion time must be timezone-aware (use the Clock's now())")
    return at


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    timezone: tzinfo
    sources: Mapping[str, RuleSource] = field(default_factory=lambda: MappingProxyType({}))
    windows: Mapping[str, Window] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = tuple(sorted(self.rules, key=lambda r: r.id))
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "windows", MappingProxyType(
            {r.id: Window.of(r.valid_from, r.valid_to, self.timezone) for r in rules}))

    @classmethod
    def of(cls, rules: Iterable[Rule], timezone: tzinfo) -> RuleSet:
        """Build a set straight from models (tests, tools); `load_rules` is the checked path."""
        return cls(tuple(rules), timezone)

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def is_active(self, rule: Rule, at: datetime) -> bool:
        return rule.enabled and self.windows[rule.id].contains(require_aware(at))

    def active(self, at: datetime) -> tuple[Rule, ...]:
        """Enabled rules whose window contains `at`, in id order (deterministic)."""
        require_aware(at)
        return tuple(r for r in self.rules if r.enabled and self.windows[r.id].contains(at))

    def active_item_rules(self, at: datetime) -> tuple[ItemDiscountRule, ...]:
        return tuple(r for r in self.active(at) if isinstance(r, ItemDiscountRule))

    def active_shop_rules(self, at: datetime) -> tuple[ShopThresholdRule, ...]:
        return tuple(r for r in self.active(at) if isinstance(r, ShopThresholdRule))

    def active_cross_shop_rules(self, at: datetime) -> tuple[CrossShopRule, ...]:
        return tuple(r for r in self.active(at) if isinstance(r, CrossShopRule))

    def __len__(self) -> int:
        return len(self.rules)


def active_cross_shop_rules(rules: RuleSet, at: datetime) -> tuple[CrossShopRule, ...]:
    """The 跨店每满减 rules live at `at`, for the FAQ to explain in words."""
    return rules.active_cross_shop_rules(at)
