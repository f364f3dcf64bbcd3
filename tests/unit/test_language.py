"""Service-language rules (规范用语) as shipped in templates/language.yaml: absolute claims
and slang are caught wherever they hide, innocent phrases pass, zh answers are polite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.language import (
    LanguageRules,
    Problem,
    check,
    compliant_alternative,
    load_language_rules,
    plain_text,
)
from bot.datafiles import DataFileError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rules() -> LanguageRules:
    return load_language_rules(ROOT / "templates" / "language.yaml")


def words(violations) -> set[str | None]:
    return {v.word for v in violations}


def test_rules_come_from_the_bundled_file(rules) -> None:
    for word in ("最好", "第一", "最低价", "国家级", "顶级", "绝对", "全网最", "100%"):
        assert word in rules.forbidden
    assert "yyds" in rules.slang
    assert "第一次" in rules.exceptions and "第一时间" in rules.exceptions
    assert rules.suggestions["最低价"] == "优惠价"
    assert set(rules.polite) == {"亲", "您"}


@pytest.mark.parametrize("word", ["最好", "第一", "最低价", "国家级", "顶级", "绝对", "全网最", "100%"])
def test_forbidden_words_are_found_in_text(rules, word) -> None:
    found = check(f"亲，这款是{word}的哦", rules)
    assert word in words(found)
    assert all(v.problem is Problem.forbidden for v in found if v.word == word)


@pytest.mark.parametrize("text", ["亲，这款是<b>顶级</b>面料", "亲，<i>绝</i><i>对</i>正品",
                                  '<a href="x">国家级</a>工艺', "亲，100&#37;纯棉"])
def test_forbidden_words_are_found_inside_html(rules, text) -> None:
    assert check(text, rules), f"{text!r} passed"


def test_markup_does_not_count_as_text(rules) -> None:
    # an attribute value is not read by the buyer
    assert check('<a href="https://x/最好">亲，点这里</a>', rules) == []
    assert plain_text("<b>A</b>&amp;B") == "A&B"


@pytest.mark.parametrize("text", ["亲，这个真的YYDS", "yyds!", "Yyds 亲"])
def test_slang_is_found_whatever_the_case(rules, text) -> None:
    found = check(text, rules)
    assert [(v.problem, v.word) for v in found] == [(Problem.slang, "yyds")]


@pytest.mark.parametrize("text", ["亲，第一次购买可以领券", "亲，我们会第一时间为您处理",
                                  "亲，第一件半价", "您第一天收到就可以试穿"])
def test_exceptions_are_not_flagged(rules, text) -> None:
    assert check(text, rules, require_polite=True) == []


def test_an_exception_does_not_hide_a_real_claim_elsewhere(rules) -> None:
    found = check("亲，第一次买就选销量第一的", rules)
    assert words(found) == {"第一"}


def test_polite_address_is_checked_only_when_required(rules) -> None:
    rude = "这款有货。"
    assert check(rude, rules) == []
    (violation,) = check(rude, rules, require_polite=True)
    assert violation.problem is Problem.impolite
    assert "亲" in str(violation)
    assert check("亲，这款有货。", rules, require_polite=True) == []
    assert check("您好，这款有货。", rules, require_polite=True) == []


def test_polite_word_in_markup_only_does_not_count(rules) -> None:
    assert check('<a href="亲">这款有货</a>', rules, require_polite=True)


def test_several_problems_are_all_reported(rules) -> None:
    found = check("全网最低价，yyds", rules, require_polite=True)
    assert {(v.problem, v.word) for v in found} >= {(Problem.forbidden, "全网最"), (Problem.forbidden, "最低价"),
                                                     (Problem.slang, "yyds"), (Problem.impolite, None)}


def test_violation_names_the_word_and_the_suggestion(rules) -> None:
    (violation,) = check("亲，最低价", rules)
    assert str(violation) == "forbidden word '最低价' (say '优惠价' instead)"
    (slang,) = check("亲，yyds", rules)
    assert str(slang) == "slang 'yyds' (say '很棒' instead)"


def test_compliant_alternative_uses_the_suggestions(rules) -> None:
    text = "亲，这是最低价，质量绝对好，YYDS"
    fixed = compliant_alternative(text, rules)
    assert fixed == "亲，这是优惠价，质量非常好，很棒"
    assert check(fixed, rules) == []


def test_compliant_alternative_removes_words_without_suggestion(rules) -> None:
    fixed = compliant_alternative("亲，国家级工艺", rules)
    assert fixed == "亲，工艺"


def test_compliant_alternative_keeps_exceptions_and_clean_text(rules) -> None:
    assert compliant_alternative("亲，第一时间发货", rules) == "亲，第一时间发货"


def test_a_broken_rules_file_is_reported_with_its_line(tmp_path) -> None:
    path = tmp_path / "language.yaml"
    path.write_text("forbidden: [最好]\nslang: [yyds]\nforbiden: [x]\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_language_rules(path)
    (error,) = caught.value.errors
    assert error.file == path and error.line == 3 and "forbiden" in error.reason


def test_compliant_alternative_leaves_exception_phrases_intact(rules) -> None:
    # 第一次 is innocent; only the claim 销量第一 should be rewritten.
    fixed = compliant_alternative("亲，第一次买就选销量第一的", rules)
    assert fixed == "亲，第一次买就选销量领先的"
