"""The evaluation: judging rules, report shares, cross-validation, and the labelled set.

The labelled set's `real:` rows are held out: the evaluation reports them (see
`livedesk intents eval`) and no test asserts a figure on them, so nothing here pulls the
topic examples towards those lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding.evaluation import (
    Labelled,
    Report,
    _judge,
    cross_validate,
    evaluate,
    read_labelled,
)
from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> list[Labelled]:
    return read_labelled(ROOT / "tests" / "data" / "utterances.tsv")


def test_written_rows_noise_is_silent_and_people_are_reached(matcher: IntentMatcher, rows: list[Labelled]) -> None:
    written = evaluate(matcher, [r for r in rows if not r.source.startswith("real:")])
    assert len(written.outcomes) == 472
    assert written.noise_silent_share == 1.0
    assert written.confidently_wrong_share is not None and written.confidently_wrong_share <= 0.02


def test_real_and_written_rows_are_reported_apart(matcher: IntentMatcher, rows: list[Labelled]) -> None:
    report = evaluate(matcher, rows)
    real, written = report.only(real=True), report.only(real=False)
    assert len(real.outcomes) + len(written.outcomes) == len(rows) == 865
    assert all(o.row.source.startswith("real:") for o in real.outcomes)
    assert not any(o.row.source.startswith("real:") for o in written.outcomes)


def test_cross_validation_on_the_examples(matcher: IntentMatcher) -> None:
    cv = cross_validate(matcher, folds=3)
    texts, _ = matcher.training_data()
    assert (cv.folds, cv.examples) == (3, len(texts))
    assert 0.6 <= cv.accuracy <= 1.0
    assert set(cv.per_topic_recall) == set(matcher.topic_names)
    # the whole reading judged every example once, like the labelled set
    assert len(cv.reading.outcomes) == len(texts)
    assert cv.reading.noise_silent_share is not None and cv.reading.noise_silent_share >= 0.6
    assert cv.reading.confidently_wrong_share is not None and cv.reading.confidently_wrong_share <= 0.1


def row(intent: str, channel: Channel = Channel.private, sku: str | None = None) -> Labelled:
    return Labelled(channel, None, "text", intent, sku, "own")


def test_judging_rules() -> None:
    # in scope: right topic and product is correct; unsure is wrong but not confidently wrong
    assert _judge(row("price", sku="BS-DRESS"), "price", "BS-DRESS") == (True, False)
    assert _judge(row("price", sku="BS-DRESS"), "price", "BS-SCARF") == (False, True)
    assert _judge(row("price"), UNSURE, None) == (False, False)
    # out of scope: asking back or a handoff is safe in private; in the room only silence is
    assert _judge(row("out_of_scope"), UNSURE, None) == (True, False)
    assert _judge(row("out_of_scope"), "human", None) == (True, False)
    assert _judge(row("out_of_scope"), "price", "BS-DRESS") == (False, True)
    assert _judge(row("out_of_scope", Channel.live), "human", None) == (False, True)
    # noise must be silent
    assert _judge(row(NOISE, Channel.live), NOISE, None) == (True, False)
    assert _judge(row(NOISE, Channel.live), "thanks", None) == (False, True)


def test_report_shares_confusions_and_per_topic(matcher: IntentMatcher) -> None:
    rows = [
        Labelled(Channel.live, "BS-DRESS", "多少钱", "price", "BS-DRESS", "own"),
        Labelled(Channel.live, "BS-DRESS", "666", NOISE, None, "own"),
        Labelled(Channel.private, None, "能开发票吗", "out_of_scope", None, "own"),
        Labelled(Channel.private, None, "多少钱", "shipping_fee", None, "own"),  # deliberately mislabelled
        Labelled(Channel.private, None, "我要投诉", "complaint", None, "own"),
    ]
    report: Report = evaluate(matcher, rows)
    assert report.in_scope_accuracy == 2 / 3
    assert report.noise_silent_share == 1.0
    assert report.out_of_scope_safe_share == 1.0
    assert report.out_of_scope_confident_share == 0.0
    assert report.person_routed_share == 1.0
    assert report.confidently_wrong_share == 0.2
    assert report.confusions() == {("shipping_fee", "price"): 1}
    per_topic = report.per_topic()
    assert per_topic["price"] == (0.5, 1.0, 1)          # two confident "price", one right
    assert per_topic["shipping_fee"] == (None, 0.0, 1)
