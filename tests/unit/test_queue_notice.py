"""The handoff notice says one thing about when a person answers.

It is the promise (why the buyer was handed over) followed by the queue state (how long,
or that nobody is online). The promise must not make its own timing claim, or the buyer
reads "a colleague will reply shortly" next to "no colleague is online".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.rendering import Replies

ROOT = Path(__file__).resolve().parents[2]
REASONS = ("human", "complaint", "personal", "vip", "unanswered")
QUEUE_STATES = ({"ahead": 0, "eta_minutes": None}, {"ahead": 2, "eta_minutes": None},
                {"ahead": 0, "eta_minutes": 1}, {"ahead": 3, "eta_minutes": 6})
TIMING = {"zh-CN": ("尽快", "马上", "稍候", "稍等", "分钟", "不在线"),
          "en": ("shortly", "moment", "soon", "minute", "online", "right away")}
NOBODY_ONLINE = {"zh-CN": "暂时都不在线", "en": "no colleague is online"}


@pytest.fixture(scope="module")
def replies() -> Replies:
    return Replies(ROOT / "templates", "zh-CN")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("reason", REASONS)
def test_the_promise_makes_no_timing_claim(replies: Replies, locale: str, reason: str) -> None:
    promise = replies.render(locale, "handoff_promise", {"reason": reason, "buyer": {}}).text
    assert promise
    assert not [word for word in TIMING[locale] if word in promise.lower()], promise


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("state", QUEUE_STATES)
def test_the_queue_state_is_said_once(replies: Replies, locale: str, state: dict) -> None:
    notice = "\n".join((replies.render(locale, "handoff_promise", {"reason": "human", "buyer": {}}).text,
                        replies.render(locale, "handoff/queued", state).text))
    nobody = NOBODY_ONLINE[locale] in notice
    assert nobody == (state["eta_minutes"] is None)
    if nobody:  # then nothing in the notice says someone is about to answer
        assert not [w for w in ("马上", "稍候", "moment", "shortly") if w in notice.lower()], notice
