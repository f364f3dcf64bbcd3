"""The matcher against the labelled set (tests/data/utterances.tsv), and the judging rules.

The thresholds are what the matcher reaches on the whole set (issue 2's targets are
≥ 95 % in scope, ≤ 2 % confidently wrong, every noise comment silent). The lexicon was
tuned on the even rows first; the odd rows were then inspected for general gaps (bugs and
missing vocabulary classes), so they are no longer a clean held-out estimate. Before that
inspection the odd half scored 0.865 in scope with 5.1 % confidently wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.shop.catalog import Catalog
from bot.understanding.evaluation import Labelled, Report, _judge, evaluate, read_labelled
from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher, load_lexicon

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def matcher(catalog: Catalog) -> IntentMatcher:
    return IntentMatcher(load_lexicon(ROOT / "templates" / "intents.yaml"), catalog)


@pytest.fixture(scope="module")
def rows() -> list[Labelled]:
    return read_labelled(ROOT / "tests" / "data" / "utterances.tsv")


def test_labelled_set_meets_the_targets(matcher: IntentMatcher, rows: list[Labelled]) -> None:
    report = evaluate(matcher, rows)
    assert len(report.outcomes) == 865
    assert report.in_scope_accuracy is not None and report.in_scope_accuracy >= 0.95
    assert report.confidently_wrong_share is not None and report.confidently_wrong_share <= 0.02
    assert report.noise_silent_share == 1.0
    assert report.out_of_scope_safe_share is not None and report.out_of_scope_safe_share >= 0.95


def test_odd_half_meets_the_targets(matcher: IntentMatcher, rows: list[Labelled]) -> None:
    report = evaluate(matcher, rows[1::2])
    assert report.in_scope_accuracy is not None and report.in_scope_accuracy >= 0.95
    assert report.confidently_wrong_share is not None and report.confidently_wrong_share <= 0.02
    assert report.noise_silent_share == 1.0


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


def test_report_shares_and_confusions(matcher: IntentMatcher) -> None:
    rows = [
        Labelled(Channel.live, "BS-DRESS", "多少钱", "price", "BS-DRESS", "own"),
        Labelled(Channel.live, "BS-DRESS", "666", NOISE, None, "own"),
        Labelled(Channel.private, None, "能开发票吗", "out_of_scope", None, "own"),
        Labelled(Channel.private, None, "多少钱", "shipping_fee", None, "own"),  # deliberately mislabelled
    ]
    report: Report = evaluate(matcher, rows)
    assert report.in_scope_accuracy == 0.5
    assert report.noise_silent_share == 1.0
    assert report.out_of_scope_safe_share == 1.0
    assert report.confidently_wrong_share == 0.25
    assert report.confusions() == {("shipping_fee", "price"): 1}
