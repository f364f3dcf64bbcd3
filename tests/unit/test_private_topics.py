"""Which topics are never answered in the live room (issue 11, item 1): exactly those whose
topic file says `private: true`, read through one accessor, not a list kept beside it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.answers.composer import Asker
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, load_knowledge
from bot.understanding.intents import Channel
from bot.understanding.topics import load_topics
from tests.conftest import DEMO_NOW

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(Settings(shop_dir=ROOT / "shop", templates_dir=ROOT / "templates",
                                   promo_dir=ROOT / "promo_rules"), DEMO_NOW)


def test_the_buyers_own_business_is_flagged_private() -> None:
    topics = load_topics(ROOT / "templates" / "topics")
    private = {name for name in topics.names if topics.is_private(name)}
    assert {"refund", "order_status", "personal", "complaint", "human"} <= private
    assert not {"price", "stock", "shipping_time", "return_policy"} & private
    assert not topics.is_private("no such topic")


def test_the_room_gets_only_an_invitation_for_exactly_the_private_topics(knowledge: Knowledge) -> None:
    topics = knowledge.topics
    base = knowledge.matcher.match("订单1004", Channel.live, "BS-SCARF")
    for name in topics.names:
        match = dataclasses.replace(base, intent=name)
        answer = knowledge.composer.compose(match, Channel.live, Asker(700001, "小王"), DEMO_NOW)
        invited = answer is not None and answer.template == "live/invite_private"
        assert invited == topics.is_private(name), name
