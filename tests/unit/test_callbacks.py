"""Button callback data: every domain button packs to the data its handler routes on, in the
wire format buttons already sent carry, and a value too long for Telegram is refused."""

from __future__ import annotations

import pytest

from bot.answers.buttons import Button, ButtonKind
from bot.handoff.views import cancel_buttons, card_buttons, survey_buttons
from bot.telegram.callbacks import (
    CardButton,
    HandoffButton,
    HumanButton,
    ProductButton,
    RateButton,
    TopicButton,
    callback_for,
    oversized_reason,
)


@pytest.mark.parametrize(("button", "packed", "kind"), [
    (Button(ButtonKind.topic, "price"), "topic:price", TopicButton),
    (Button(ButtonKind.product, "BS-SCARF"), "product:BS-SCARF", ProductButton),
    (Button(ButtonKind.human), "human", HumanButton),
    (cancel_buttons()[0], "handoff:cancel", HandoffButton),
    (survey_buttons(12)[2], "rate:12:dissatisfied", RateButton),
    (card_buttons(7)[0], "desk:take:7", CardButton),
    (card_buttons(7)[1], "desk:back:7", CardButton),
    (card_buttons(7)[2], "desk:close:7", CardButton),
])
def test_each_button_packs_to_the_data_its_handler_reads(button: Button, packed: str, kind: type) -> None:
    data = callback_for(button)
    assert data.pack() == packed
    assert kind.unpack(packed) == data


def test_a_value_holding_the_separator_or_too_long_is_refused() -> None:
    assert oversized_reason(Button(ButtonKind.product, "BS-" + "X" * 53)) is None  # 64 bytes exactly
    assert oversized_reason(Button(ButtonKind.product, "BS-" + "X" * 54)) is not None
    assert oversized_reason(Button(ButtonKind.topic, "a:b")) is not None


def test_card_and_survey_labels_come_from_the_labels_file() -> None:
    assert [b.label_key for b in card_buttons(1)] == ["card.take", "card.back", "card.close"]
    assert [b.label_key for b in survey_buttons(1)] == ["rating.satisfied", "rating.neutral",
                                                        "rating.dissatisfied"]
