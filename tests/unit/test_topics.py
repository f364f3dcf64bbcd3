"""Topic files: what ops write, and how a broken one is reported (file, line, reason)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.datafiles import DataFileError
from bot.understanding.reading_rules import load_reading_rules
from bot.understanding.topics import load_topics

ROOT = Path(__file__).resolve().parents[2]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


OOS = "topic: out_of_scope\nexamples:\n  zh-CN:\n    - 能开发票吗\n"


def test_the_bundled_topics_load() -> None:
    topics = load_topics(ROOT / "templates" / "topics")
    assert {"price", "cart", "order_status", "out_of_scope", "noise", "human", "complaint"} <= set(topics.names)
    assert topics.is_private("order_status") and not topics.is_private("price")
    assert all(len(t.examples) >= 10 for t in topics.topics)


def test_numbers_are_examples_too(tmp_path: Path) -> None:
    write(tmp_path, "out_of_scope", OOS)
    write(tmp_path, "noise", "topic: noise\nexamples:\n  zh-CN:\n    - 666\n    - 1\n")
    assert load_topics(tmp_path).get("noise").examples == ("666", "1")


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("topic: price\nexamples:\n  zh-CN:\n    - 多少钱\n    -\n", 5, "empty phrase"),
    ("topic: Price!\nexamples:\n  zh-CN: [多少钱]\n", 1, "lower-case"),
    ("topic: price\nexample:\n  zh-CN: [多少钱]\n", 3, "unknown field"),
    ("topic: shipping\nexamples:\n  zh-CN: [多少钱]\n", 1, "must match the file name"),
    ("topic: price\nexamples:\n  zh-CN:\n    - 多少钱\n    - 能开发票吗\n", 5, "also an example of 'out_of_scope'"),
    ("topic: price\nexamples:\n  zh-CN: [多少钱\n", 4, "YAML syntax"),
])
def test_a_broken_file_is_reported_with_line_and_reason(tmp_path: Path, text: str, line: int, reason: str) -> None:
    write(tmp_path, "out_of_scope", OOS)
    path = write(tmp_path, "price", text)
    with pytest.raises(DataFileError) as caught:
        load_topics(tmp_path)
    assert any((error.file, error.line) == (path, line) and reason in error.reason
               for error in caught.value.errors), caught.value.errors


def test_out_of_scope_is_required(tmp_path: Path) -> None:
    write(tmp_path, "price", "topic: price\nexamples:\n  zh-CN: [多少钱]\n")
    with pytest.raises(DataFileError, match="out_of_scope.yaml is missing"):
        load_topics(tmp_path)


def test_reading_rules_load_and_report(tmp_path: Path) -> None:
    rules = load_reading_rules(ROOT / "templates" / "understanding.yaml")
    assert "投诉" in rules.handoff.complaint and "转人工" in rules.handoff.human
    assert 0 < rules.thresholds.confident <= 1
    bad = tmp_path / "understanding.yaml"
    bad.write_text("thresholds:\n  confident: 2\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_reading_rules(bad)
    assert caught.value.errors[0].line == 2
