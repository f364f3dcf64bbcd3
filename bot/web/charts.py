"""Dashboard charts as server-side SVG with pygal (no chart code of our own, no JS)."""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from pygal.style import CleanStyle


def _chart(kind: type[pygal.graph.graph.Graph], title: str, labels: Sequence[str], **options: object) -> pygal.Graph:
    chart = kind(title=title, style=CleanStyle, width=640, height=320, explicit_size=True,
                 disable_xml_declaration=False, js=[], legend_at_bottom=True, print_values=False,
                 **options)
    chart.x_labels = list(labels)
    return chart


def rates_chart(title: str, labels: Sequence[str], rate_30s: Sequence[float | None],
                rate_3m: Sequence[float | None]) -> bytes:
    """30 s and 3 min reply rates per agent or shop, as percentages."""
    chart = _chart(pygal.Bar, title, labels, range=(0, 100))
    chart.add("30s", [None if v is None else round(v * 100, 1) for v in rate_30s])
    chart.add("3min", [None if v is None else round(v * 100, 1) for v in rate_3m])
    return chart.render()


def times_chart(title: str, labels: Sequence[str], first: Sequence[float | None],
                average: Sequence[float | None]) -> bytes:
    """First and average response times in seconds."""
    chart = _chart(pygal.Bar, title, labels)
    chart.add("first", list(first))
    chart.add("avg", list(average))
    return chart.render()


def share_chart(title: str, bot_answered: int, handed_off: int) -> bytes:
    """Bot-answered versus handed-off conversations."""
    chart = pygal.Pie(title=title, style=CleanStyle, width=420, height=320, explicit_size=True, js=[],
                      legend_at_bottom=True)
    chart.add("bot", bot_answered)
    chart.add("handed off", handed_off)
    return chart.render()


HOUR_LABELS = [f"{h:02d}" for h in range(24)]
REPLY_BUCKETS = {"lt10": "<10s", "10_30": "10–30s", "30_60": "30–60s", "1_3m": "1–3min", "gt3m": ">3min"}
"""The reply-time histogram's buckets (bot.sla.hourly.BUCKETS) and their labels."""


def hourly_rate_chart(title: str, rates: Sequence[float | None]) -> bytes:
    """The 30 s reply rate by shop-local hour; hours without rounds are gaps."""
    chart = _chart(pygal.Line, title, HOUR_LABELS, range=(0, 100), allow_interruptions=True)
    chart.add("30s", [None if v is None else round(v * 100, 1) for v in rates])
    return chart.render()


def hourly_count_chart(title: str, counts: Sequence[int]) -> bytes:
    chart = _chart(pygal.Bar, title, HOUR_LABELS)
    chart.add("会话", list(counts))
    return chart.render()


def hourly_queue_chart(title: str, mean_waiting: Sequence[float]) -> bytes:
    """Mean number of buyers waiting for a first reply during each hour."""
    chart = _chart(pygal.Line, title, HOUR_LABELS)
    chart.add("排队", list(mean_waiting))
    return chart.render()


def reply_times_chart(title: str, histogram: dict[str, int]) -> bytes:
    chart = _chart(pygal.Bar, title, list(REPLY_BUCKETS.values()))
    chart.add("轮次", [histogram.get(bucket, 0) for bucket in REPLY_BUCKETS])
    return chart.render()
