"""Who reads a template, and so which service-language rules its text must obey (pure).

Rendering at runtime (`bot.knowledge.snapshot.Knowledge.render`) and the lint at load
(`bot.answers.lint`) apply the same rules through these two functions.
"""

from __future__ import annotations

STAFF_TEMPLATES = ("ops/", "agents/")
"""Notices to ops and agents: not buyer-facing, and they may quote a held message's words."""


def needs_polite(locale: str, template: str) -> bool:
    """zh answers to buyers must address them politely; staff notices and partials need not."""
    return locale.startswith("zh") and not template.startswith((*STAFF_TEMPLATES, "_"))


def buyer_facing(template: str) -> bool:
    """Whether the service-language rules apply: every text a buyer can read."""
    return not template.startswith(STAFF_TEMPLATES)
