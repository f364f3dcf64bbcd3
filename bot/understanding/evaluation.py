"""Measuring the topic reader: cross-validation on the examples, and a held-out labelled set (pure).

The labelled set (tests/data/utterances.tsv) says, per message, what a correct bot must
recognise. What counts as right follows the product rule "a wrong answer is worse than
no answer": on out-of-scope messages asking back or handing off is right; in the live
room silence is right for noise and out-of-scope chatter; a confident answer to the
wrong topic (or about the wrong product) is the failure that matters most.

Two measures are kept apart on purpose. Cross-validation on the examples ops wrote says
how well the model learned what it was shown; the labelled set, and above all its `real:`
rows (real buyers, never used for training or for writing examples), says how it does
on messages nobody wrote for it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher
from bot.understanding.topics import OUT_OF_SCOPE

HANDOFF_INTENTS = {"human", "complaint", "personal"}
PERSON_INTENTS = ("human", "complaint")
PRODUCT_INTENTS = {"price", "stock", "size_advice", "options", "material"}


@dataclass(frozen=True)
class Labelled:
    channel: Channel
    stage: str | None
    text: str
    intent: str
    sku: str | None
    source: str


def read_labelled(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Labelled(Channel(r["channel"]), None if r["stage"] == "-" else r["stage"], r["text"],
                         r["intent"], None if r["sku"] == "-" else r["sku"], r["source"]) for r in rows]


@dataclass(frozen=True)
class Outcome:
    row: Labelled
    predicted: str
    sku: str | None
    correct: bool
    confidently_wrong: bool


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _share(self, rows: list[Outcome], pred: str) -> float | None:
        if not rows:
            return None
        return sum(getattr(o, pred) for o in rows) / len(rows)

    @property
    def in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.intent not in (OUT_OF_SCOPE, NOISE)]

    @property
    def out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.intent == OUT_OF_SCOPE]

    @property
    def noise(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.intent == NOISE]

    @property
    def in_scope_accuracy(self) -> float | None:
        return self._share(self.in_scope, "correct")

    @property
    def confidently_wrong_share(self) -> float | None:
        return self._share(self.outcomes, "confidently_wrong")

    @property
    def noise_silent_share(self) -> float | None:
        return self._share(self.noise, "correct")

    @property
    def out_of_scope_safe_share(self) -> float | None:
        return self._share(self.out_of_scope, "correct")

    def accuracy_by_source(self) -> dict[str, float]:
        groups: dict[str, list[Outcome]] = {}
        for o in self.in_scope:
            groups.setdefault(o.row.source.split(":")[0], []).append(o)
        return {k: sum(o.correct for o in v) / len(v) for k, v in sorted(groups.items())}

    def confusions(self) -> Counter[tuple[str, str]]:
        return Counter((o.row.intent, o.predicted) for o in self.outcomes if not o.correct)

    def only(self, real: bool) -> Report:
        """The `real:` rows (held out) or the others (written for the set)."""
        return Report([o for o in self.outcomes if o.row.source.startswith("real:") is real])

    @property
    def out_of_scope_confident_share(self) -> float | None:
        """Out-of-scope messages answered confidently (the failure that matters most)."""
        return self._share(self.out_of_scope, "confidently_wrong")

    @property
    def person_routed_share(self) -> float | None:
        """Requests for a person and complaints that reached one."""
        rows = [o for o in self.outcomes if o.row.intent in PERSON_INTENTS]
        if not rows:
            return None
        return sum(o.predicted in HANDOFF_INTENTS for o in rows) / len(rows)

    def per_topic(self) -> dict[str, tuple[float | None, float | None, int]]:
        """Topic → (precision, recall, support) over confident predictions.

        An out-of-scope row counts as recalled when the bot did not answer it.
        """
        labels = sorted({o.row.intent for o in self.outcomes} | {o.predicted for o in self.outcomes}
                        - {UNSURE})
        table: dict[str, tuple[float | None, float | None, int]] = {}
        for label in labels:
            support = [o for o in self.outcomes if o.row.intent == label]
            predicted = [o for o in self.outcomes if o.predicted == label]
            precision = (sum(o.correct for o in predicted) / len(predicted)) if predicted else None
            recall = (sum(o.correct for o in support) / len(support)) if support else None
            table[label] = (precision, recall, len(support))
        return table


def _judge(row: Labelled, predicted: str, sku: str | None) -> tuple[bool, bool]:
    silent_or_unsure = predicted in (UNSURE, NOISE)
    if row.intent == NOISE:
        return silent_or_unsure, not silent_or_unsure
    if row.intent == OUT_OF_SCOPE:
        if row.channel is Channel.live:
            return silent_or_unsure, not silent_or_unsure
        safe = predicted == UNSURE or predicted in HANDOFF_INTENTS
        return safe, not safe and predicted != NOISE
    if silent_or_unsure:
        return False, False
    right_sku = row.intent not in PRODUCT_INTENTS or row.sku is None or sku == row.sku
    correct = predicted == row.intent and right_sku
    return correct, not correct


@dataclass(frozen=True)
class CrossValidation:
    """k-fold figures on the ops' examples, each fold read by a model that never saw it.

    `accuracy` is the bare model's best topic; `reading` is the whole reading (keyword
    rules, thresholds) judged like the labelled set, so ops see what a threshold change
    costs before they make it.
    """

    folds: int
    examples: int
    accuracy: float
    per_topic_recall: dict[str, float]
    reading: Report


def cross_validate(matcher: IntentMatcher, folds: int = 5, seed: int = 0) -> CrossValidation:
    """Train on k-1 folds (small talk added to them only, as in training), read the k-th."""
    raw = matcher.examples()
    texts, labels = matcher.training_data()
    fewest = min(Counter(labels).values())
    k = max(2, min(folds, fewest))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    best: list[str] = [""] * len(raw)
    outcomes: list[Outcome | None] = [None] * len(raw)
    with threadpool_limits(limits=1):
        for train, test in splitter.split(texts, labels):
            fold = matcher.trained_on([texts[i] for i in train], [labels[i] for i in train])
            for i in test:
                best[i] = fold.classifier.rank(texts[i], top=1)[0][0]
                example, label = raw[i]
                row = Labelled(Channel.live if label == NOISE else Channel.private, None, example, label,
                               None, "example")
                outcomes[i] = _outcome(fold, row)
    truth = np.asarray(labels)
    predicted = np.asarray(best)
    recall = {label: float(np.mean(predicted[truth == label] == label)) for label in sorted(set(labels))}
    return CrossValidation(k, len(texts), float(np.mean(predicted == truth)), recall,
                           Report([o for o in outcomes if o is not None]))


def _outcome(matcher: IntentMatcher, row: Labelled) -> Outcome:
    match = matcher.match(row.text, row.channel, row.stage)
    sku = match.sku if matcher.needs_product(match.intent) else None
    correct, wrong = _judge(row, match.intent, sku)
    return Outcome(row, match.intent, sku, correct, wrong)


def evaluate(matcher: IntentMatcher, rows: Iterable[Labelled]) -> Report:
    return Report([_outcome(matcher, row) for row in rows])
