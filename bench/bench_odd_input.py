"""What a long or odd message costs to read: normalisation + matching, and the language check.

Run: .venv/bin/python bench/bench_odd_input.py [--repeats N]

Telegram allows 4,096 characters in a message. A pattern that backtracks over a run of
digits (`(\\d+)\\s*件` tried at every start position) is quadratic in the run's length: a
4,096-digit comment once cost about 1.3 s of CPU in the matcher, enough for one buyer to
stall a live room. Matching now reads only the first MATCH_READ_CHARS characters
(bot/understanding/normalize.py) and the digit patterns anchor their runs, so the cost is
flat. Messages, each read `--repeats` times (default 200), median per call printed:

* 4,096 digits;
* 4,096 mixed characters (Chinese, digits, emoji, ASCII, zero-width spaces);
* 4,096 zero-width spaces followed by 投诉 (all removed before the limit applies).

The whole path is `IntentMatcher.match` on the demo knowledge (normalisation, product
names, slots, every pattern), in the private channel with BS-DRESS as context; the
language check is `check()` of bot/answers/language.py on the same text, as an agent's
message would be checked.

What we saw (2 shared cores, MATCH_READ_CHARS 300): normalise+match 0.8 ms (digits),
1.4 ms (mixed), 0.6 ms (zero-width); language check 0.02-0.55 ms. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answers.language import check  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.knowledge.snapshot import load_knowledge  # noqa: E402
from bot.understanding.intents import Channel  # noqa: E402
from bot.understanding.normalize import MATCH_READ_CHARS  # noqa: E402

LIMIT = 4096


def _messages() -> dict[str, str]:
    mixed = "连衣裙多少钱 M码 160cm 50kg 订单1004 ¥120.00 😀👨\u200d👩\u200d👧 abc\u200b 最好 "
    return {
        "4,096 digits": "1" * LIMIT,
        "4,096 mixed characters": (mixed * (LIMIT // len(mixed) + 1))[:LIMIT],
        "4,096 zero-width spaces + 投诉": "\u200b" * LIMIT + "投诉",
    }


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    knowledge = load_knowledge(Settings(), datetime.now(UTC))
    matcher, rules = knowledge.matcher, knowledge.language
    print(f"matching reads the first {MATCH_READ_CHARS} characters; median of {args.repeats} runs")
    for name, text in _messages().items():
        normalise = _median_ms(lambda: matcher.normalize(text), args.repeats)
        match = _median_ms(lambda: matcher.match(text, Channel.private, "BS-DRESS"), args.repeats)
        language = _median_ms(lambda: check(text, rules), args.repeats)
        print(f"{name:32s} normalise {normalise:6.3f} ms   normalise+match {match:6.3f} ms   "
              f"language check {language:6.3f} ms")


if __name__ == "__main__":
    main()
