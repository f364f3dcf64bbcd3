"""How fast carts are priced: one 1,000-line cart, and 10,000 random demo carts.

Run: .venv/bin/python bench/bench_promotions.py [--repeats N]
Prints the median over repeats and the per-cart (per-line) figure. Uses the demo
catalogue and promo_rules/ at a fixed instant inside every demo rule's window, and a
seeded random generator, so runs are comparable.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.money import format_yuan  # noqa: E402
from bot.promotions import CartLine, load_rules, price_cart  # noqa: E402
from bot.shop.catalog import load_catalog  # noqa: E402

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def _median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--carts", type=int, default=10_000)
    args = parser.parse_args()

    catalog = load_catalog(ROOT / "shop", AT)
    rules = load_rules(ROOT / "promo_rules", catalog)
    skus = sorted(catalog.products)
    rng = random.Random(20261111)
    big = [CartLine(rng.choice(skus), rng.randint(1, 5)) for _ in range(1_000)]
    carts = [[CartLine(rng.choice(skus), rng.randint(1, 3)) for _ in range(rng.randint(1, 8))]
             for _ in range(args.carts)]
    sys.stdout.write(f"python {sys.version.split()[0]}, {len(rules)} rules, "
                     f"{len(skus)} products, {args.repeats} repeats\n")

    quote = price_cart(catalog, rules, big, AT)
    median, times = _median_seconds(lambda: price_cart(catalog, rules, big, AT), args.repeats)
    sys.stdout.write(
        f"1,000-line cart: median {median * 1e3:.2f} ms (min {min(times) * 1e3:.2f}, "
        f"max {max(times) * 1e3:.2f}); {median / len(big) * 1e6:.2f} us per line; "
        f"payable {format_yuan(quote.payable_fen)} after {len(quote.discounts)} discounts\n")

    def price_all() -> None:
        for cart in carts:
            price_cart(catalog, rules, cart, AT)

    lines = sum(len(c) for c in carts)
    median, times = _median_seconds(price_all, args.repeats)
    sys.stdout.write(
        f"{len(carts):,} random carts ({lines:,} lines): median {median:.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}); {median / len(carts) * 1e6:.1f} us per cart, "
        f"{len(carts) / median:,.0f} carts/s\n")


if __name__ == "__main__":
    main()
