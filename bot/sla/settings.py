"""The SLA definitions, as configuration (every one written out in livedesk.example.yaml).

Platforms define reply-rate metrics slightly differently and Douyin publishes little, so
each definition the issue states is a setting with that definition as its default. The
lead nests `SlaSettings` into `bot.config.Settings` as `sla`; `SLA_WINDOW=08:00-23:00`
overrides the window from the environment (see `window_from_env`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.clock import TimeZoneName

WINDOW_ENV = "SLA_WINDOW"
"""Environment variable that overrides `SlaSettings.window`, e.g. `08:00-23:00`."""

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
DAY_SECONDS = 86_400


class Window(BaseModel):
    """Assessment hours as [start, end) seconds after local midnight; end may be 86400 (24:00)."""

    model_config = ConfigDict(frozen=True)

    start_s: int = Field(ge=0, lt=DAY_SECONDS)
    end_s: int = Field(gt=0, le=DAY_SECONDS)

    @model_validator(mode="after")
    def _forward(self) -> Self:
        if self.end_s <= self.start_s:
            raise ValueError("the assessment window must end after it starts, within one day "
                             "(use 00:00-24:00 for all day)")
        return self

    @classmethod
    def parse(cls, text: str) -> Window:
        """Read `HH:MM-HH:MM` (seconds optional); `24:00` is the end of the day."""
        match = _WINDOW.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a window like 08:00-23:00 (00:00-24:00 for all day)")
        h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in match.groups())
        for h, m, s in ((h1, m1, s1), (h2, m2, s2)):
            if m > 59 or s > 59 or h > 24 or (h == 24 and (m or s)):
                raise ValueError(f"{text!r} has an impossible time of day")
        return cls(start_s=h1 * 3600 + m1 * 60 + s1, end_s=h2 * 3600 + m2 * 60 + s2)

    def contains(self, seconds_after_midnight: float) -> bool:
        """Half-open: 22:59:59 is inside [08:00, 23:00), 23:00:00 is not."""
        return self.start_s <= seconds_after_midnight < self.end_s

    def __str__(self) -> str:
        def hhmm(total: int) -> str:
            h, rest = divmod(total, 3600)
            m, s = divmod(rest, 60)
            return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")

        return f"{hhmm(self.start_s)}-{hhmm(self.end_s)}"


def _window_input(value: Any) -> Any:
    return Window.parse(value) if isinstance(value, str) else value


WindowField = Annotated[Window, BeforeValidator(_window_input)]


class RateBasis(StrEnum):
    """How reply rates divide: by rounds, or by buyers (any late round makes the buyer missed)."""

    round = "round"
    buyer = "buyer"


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def index(self) -> int:
        """Monday is 0, as `date.weekday()` counts."""
        return list(Weekday).index(self)


class SlaSettings(BaseModel):
    """Every metric definition of issue 5, with the issue's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: TimeZoneName = Field(default="Asia/Shanghai",
                          description="Shop time zone: the window, days and weeks are read in it")
    window: WindowField = Field(default=Window.parse("08:00-23:00"),
                                description="Assessment hours [start, end), shop time; a round "
                                            "counts when it starts inside")
    round_cap_s: float = Field(default=600, gt=0,
                               description="A round's duration is capped here; an unanswered "
                                           "round counts at the cap")
    cap_first_response: bool = Field(default=True,
                                     description="Cap first response time like rounds, so one "
                                                 "overnight wait cannot swamp the average")
    fast_reply_s: float = Field(default=30, gt=0,
                                description="30-second reply rate threshold (strictly less than)")
    slow_reply_s: float = Field(default=180, gt=0,
                                description="3-minute reply rate threshold (strictly less than)")
    rate_basis: RateBasis = Field(default=RateBasis.round,
                                  description="round: late rounds / rounds; buyer: buyers with "
                                              "any late round / buyers")
    alert_after_s: float = Field(default=20, gt=0,
                                 description="Ping the conversation's topic once per round")
    missed_after_s: float = Field(default=30, gt=0, description="The round is marked missed")
    hold_phrases: tuple[str, ...] = Field(default=("稍等", "我看下", "我查一下", "等一下"),
                                          description="Agent words that promise a follow-up")
    hold_followup_s: float = Field(default=180, gt=0,
                                   description="A hold phrase with no agent reply within this "
                                               "is flagged (and a reminder is due)")
    repeat_reply_times: int = Field(default=3, ge=2,
                                    description="The same agent text this many times in one "
                                                "conversation is flagged")
    slow_day_avg_s: float = Field(default=90, gt=0,
                                  description="A day whose average response exceeds this is flagged")
    weekly_report_day: Weekday = Field(default=Weekday.tuesday,
                                       description="Weekday of the weekly post to the agents' group")
    weekly_report_time: time = Field(default=time(9, 0),
                                     description="Shop time of the weekly post")
    counter_ttl_days: int = Field(default=400, gt=0,
                                  description="Daily/weekly counters live this long after their "
                                              "last write; keep it above the archive retention")
    state_ttl_s: int = Field(default=2 * DAY_SECONDS, gt=0,
                             description="Open conversation state expires this long after its "
                                         "last event")
    closed_state_ttl_s: int = Field(default=DAY_SECONDS, gt=0,
                                    description="A closed conversation's state is kept this long "
                                                "for its satisfaction rating")
    buyer_mask_ttl_s: int = Field(default=3 * DAY_SECONDS, gt=0,
                                  description="Per-buyer marks behind distinct counts live this "
                                              "long after their last write; must exceed "
                                              "state_ttl_s (a round can end that late)")

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Self:
        if not self.alert_after_s <= self.missed_after_s <= self.round_cap_s:
            raise ValueError("need alert_after_s <= missed_after_s <= round_cap_s")
        if not self.fast_reply_s <= self.slow_reply_s:
            raise ValueError("need fast_reply_s <= slow_reply_s")
        if self.buyer_mask_ttl_s <= self.state_ttl_s:
            raise ValueError("need buyer_mask_ttl_s > state_ttl_s, or a late round could count a buyer twice")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_window(self, text: str) -> SlaSettings:
        """A copy with another window, validated (model_copy alone would skip validation)."""
        return SlaSettings.model_validate({**self.model_dump(), "window": Window.parse(text)})

    def is_hold(self, text: str) -> bool:
        """Whether an agent text promises a follow-up (稍等 and friends)."""
        return any(phrase in text for phrase in self.hold_phrases)


def window_from_env(settings: SlaSettings, environ: Mapping[str, str] | None = None) -> SlaSettings:
    """Apply `SLA_WINDOW` when set; the env var wins over the config file, like every env var."""
    env = os.environ if environ is None else environ
    text = env.get(WINDOW_ENV)
    return settings.with_window(text) if text else settings


def sla_settings_of(settings: object, environ: Mapping[str, str] | None = None) -> SlaSettings:
    """The SLA settings nested in the app Settings (`settings.sla`), or the defaults, plus SLA_WINDOW.

    Lets the CLI work before and after the lead nests `sla` into `bot.config.Settings`.
    """
    nested = getattr(settings, "sla", None)
    base = nested if isinstance(nested, SlaSettings) else SlaSettings()
    if isinstance(nested, Mapping):
        base = SlaSettings.model_validate(nested)
    return window_from_env(base, environ)
