"""Questions wrapped in greetings and thanks read like the bare question.

Without the wrapped training copies each of these came out unsure (the greeting's
n-grams outweighed the question's); the phrasings are our own.
"""

from __future__ import annotations

import pytest

from bot.understanding.intents import Channel, IntentMatcher
from bot.understanding.small_talk import with_small_talk


@pytest.mark.parametrize(("text", "intent"), [
    ("亲在吗 你好 请问今天下单几天能发出 谢谢啦", "shipping_time"),
    ("亲在吗 你好 请问包邮吗 谢谢啦", "shipping_fee"),
    ("在吗在吗 你们发什么快递啊 麻烦啦", "courier"),
    ("你好呀亲亲 连衣裙还有货吗 谢啦", "stock"),
    ("hello 在吗 这个可以退货吗 多谢", "return_policy"),
])
def test_a_question_among_greetings_and_thanks_is_answered(matcher: IntentMatcher, text: str,
                                                           intent: str) -> None:
    match = matcher.match(text, Channel.private, "BS-DRESS")
    assert (match.intent, match.confident) == (intent, True)


def test_wrapped_copies_keep_their_topic_and_small_talk_is_not_wrapped() -> None:
    texts = ["你好", "在吗", "谢谢", "多少钱", "几号发货", "哈哈哈"] * 20
    labels = ["greeting", "greeting", "thanks", "price", "shipping_time", "noise"] * 20
    out_texts, out_labels = with_small_talk(texts, labels)
    assert out_texts[:len(texts)] == texts and out_labels[:len(labels)] == labels
    added = list(zip(out_texts[len(texts):], out_labels[len(labels):], strict=True))
    assert added, "some examples are wrapped"
    assert {label for _, label in added} == {"price", "shipping_time"}
    for text, label in added:
        question = "多少钱" if label == "price" else "几号发货"
        opener, _, rest = text.partition(" ")
        assert opener in ("你好", "在吗") and rest.startswith(question)
        assert rest in (question, f"{question} 谢谢")


def test_the_same_examples_give_the_same_training_set() -> None:
    texts = ["你好", "谢谢", "多少钱", "包邮吗"] * 10
    labels = ["greeting", "thanks", "price", "shipping_fee"] * 10
    assert with_small_talk(texts, labels) == with_small_talk(texts, labels)


def test_without_greetings_nothing_is_added() -> None:
    assert with_small_talk(["多少钱"], ["price"]) == (["多少钱"], ["price"])
