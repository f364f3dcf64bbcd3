"""How much reading a buyer's message costs: training the topic model, classifying one message.

Run: .venv/bin/python bench/bench_understanding.py [--repeats N] [--messages N]
Prints the median over repeats of: training (wall and CPU seconds, what every data load
and reload pays), the model alone on one message (features + scores + softmax), and the
whole reading (`IntentMatcher.match`: normalisation, slots, keyword rules, model). The
messages are the topic examples themselves, cycled, so runs are comparable; the held-out
real questions are not used here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.shop.catalog import load_catalog  # noqa: E402
from bot.understanding.intents import Channel, IntentMatcher  # noqa: E402
from bot.understanding.reading_rules import load_reading_rules  # noqa: E402
from bot.understanding.topics import load_topics  # noqa: E402

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()

    rules = load_reading_rules(ROOT / "templates" / "understanding.yaml")
    topics = load_topics(ROOT / "templates" / "topics")
    catalog = load_catalog(ROOT / "shop", AT)
    matcher = IntentMatcher(rules, topics, catalog)
    texts, labels = matcher.training_data()

    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        matcher.trained_on(texts, labels)  # what every load pays: small-talk copies, then the fit
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"training: {len(texts)} examples (and their small-talk copies), {len(topics.topics)} topics: "
          f"median {statistics.median(walls):.3f} s wall, {statistics.median(cpus):.3f} s CPU "
          f"(runs: {', '.join(f'{w:.2f}' for w in walls)})")

    raw = [ex for topic in topics.topics for ex in topic.examples]
    sample = [raw[i % len(raw)] for i in range(args.messages)]
    model_inputs = [matcher.model_input(t) for t in sample]
    classifier = matcher.classifier

    def per_message(run) -> float:  # noqa: ANN001 - a local helper
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) / len(sample))
        return statistics.median(times)

    model = per_message(lambda: [classifier.rank(t) for t in model_inputs])
    sklearn_one = per_message(lambda: [classifier.pipeline.predict_proba([t]) for t in model_inputs[:500]]) \
        * len(sample) / 500
    reading_private = per_message(lambda: [matcher.match(t, Channel.private) for t in sample])
    reading_live = per_message(lambda: [matcher.match(t, Channel.live, "BS-DRESS") for t in sample])
    print(f"model only, one message:        {model * 1e6:8.1f} µs")
    print(f"  (scikit-learn predict_proba:  {sklearn_one * 1e6:8.1f} µs, for comparison)")
    print(f"whole reading, private chat:    {reading_private * 1e6:8.1f} µs")
    print(f"whole reading, live room:       {reading_live * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
