"""Training examples wrapped in the small talk buyers put around a question (pure).

Ops write examples as bare questions ("几号能发出"); buyers often open with a greeting
and close with thanks ("亲在吗 几号能发出 谢谢"). With character n-grams every extra
word dilutes the question's own features, so a wrapped question came out unsure although
its bare form was read right. Training on copies of the examples wrapped in the shops'
own greeting and thanks examples teaches the model that this talk says nothing about the
topic. Measured with `livedesk intents eval`: more real questions answered right, no more
answered wrongly (figures in the closing note of issue 10).

The copies are chosen by a seeded generator, so the same files train the same model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

OPENER_TOPIC = "greeting"
CLOSER_TOPIC = "thanks"
# Topics that are small talk themselves (wrapping them teaches nothing) or noise.
NOT_WRAPPED = frozenset({"greeting", "thanks", "goodbye", "noise"})
WRAPPED_SHARE = 0.5  # of the examples, a copy with an opener
CLOSED_SHARE = 0.3  # of those copies, also a closer
SEED = 0


def with_small_talk(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """`texts`/`labels` plus wrapped copies of some examples; openers and closers are the
    examples of the greeting and thanks topics (already in model form, like `texts`)."""
    openers = [t for t, label in zip(texts, labels, strict=True) if label == OPENER_TOPIC]
    closers = [t for t, label in zip(texts, labels, strict=True) if label == CLOSER_TOPIC]
    out_texts, out_labels = list(texts), list(labels)
    if not openers:
        return out_texts, out_labels
    rng = random.Random(SEED)
    for text, label in zip(texts, labels, strict=True):
        if label in NOT_WRAPPED or rng.random() >= WRAPPED_SHARE:
            continue
        wrapped = f"{rng.choice(openers)} {text}"
        if closers and rng.random() < CLOSED_SHARE:
            wrapped = f"{wrapped} {rng.choice(closers)}"
        out_texts.append(wrapped)
        out_labels.append(label)
    return out_texts, out_labels
