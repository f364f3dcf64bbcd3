"""`livedesk intents eval | try`: how well the bot reads buyers, and how it reads one message.

An edge module: it loads the data like the bot does (the topic model is trained on load)
and prints through rich. `eval` keeps the measures apart: cross-validation on the ops'
own examples, the held-out real buyer questions, and the rest of the labelled set.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.answers.composer import Asker
from bot.answers.messages import answer as answer_message
from bot.config import PROJECT_ROOT, Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import Knowledge, load_knowledge
from bot.knowledge.template_samples import SAMPLE_BOT_USERNAME
from bot.live_room.messages import private_link, room_answer
from bot.understanding.evaluation import Report, cross_validate, evaluate, read_labelled
from bot.understanding.intents import Channel

intents_app = typer.Typer(name="intents", no_args_is_help=True,
                          help="Understanding buyers: evaluate the topic model, try a message.")
DEFAULT_SET = PROJECT_ROOT / "tests" / "data" / "utterances.tsv"
# Everyday phrasings written without reading the topic examples: a second, own held-out set.
EVERYDAY_SET = PROJECT_ROOT / "tests" / "data" / "everyday.tsv"


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _load(console: Console) -> tuple[Knowledge, float]:
    started = time.perf_counter()
    try:
        knowledge = load_knowledge(Settings(), datetime.now(UTC))
    except DataFileError as exc:
        console.print(f"[bold red]{len(exc.errors)} problem(s) in the data files:[/]")
        for problem in exc.errors:
            console.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    return knowledge, time.perf_counter() - started


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _summary(console: Console, title: str, report: Report, targets: bool) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row(f"correct in scope ({len(report.in_scope)})", _pct(report.in_scope_accuracy),
                  "≥ 95 %" if targets else "")
    table.add_row(f"confidently wrong, all rows ({len(report.outcomes)})",
                  _pct(report.confidently_wrong_share), "≤ 2 %" if targets else "")
    table.add_row(f"out of scope answered confidently ({len(report.out_of_scope)})",
                  _pct(report.out_of_scope_confident_share), "")
    routed = [o for o in report.outcomes if o.row.intent in ("human", "complaint")]
    table.add_row(f"person / complaint routed to a person ({len(routed)})",
                  _pct(report.person_routed_share), "100 %" if targets else "")
    if report.noise:
        table.add_row(f"live-room noise silent ({len(report.noise)})", _pct(report.noise_silent_share), "100 %")
    console.print(table)


def _per_topic(console: Console, title: str, report: Report) -> None:
    table = Table(title=title)
    for column in ("topic", "precision", "recall", "rows"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for topic, (precision, recall, support) in report.per_topic().items():
        table.add_row(topic, _pct(precision), _pct(recall), str(support))
    console.print(table)


def _confusions(console: Console, title: str, report: Report, limit: int, examples: bool) -> None:
    table = Table(title=title)
    for column in ("expected", "got", "n", *(["example"] if examples else [])):
        table.add_column(column)
    for (expected, got), n in report.confusions().most_common(limit):
        example = next(o.row.text for o in report.outcomes
                       if o.row.intent == expected and o.predicted == got and not o.correct)
        table.add_row(expected, got, str(n), *([example] if examples else []))
    console.print(table)


@intents_app.command("eval")
def intents_eval(
    file: Annotated[Path, typer.Option(help="Labelled set (TSV)")] = DEFAULT_SET,
    everyday: Annotated[Path, typer.Option(help="Everyday phrasings written apart from the examples "
                                                "(TSV; skipped when absent)")] = EVERYDAY_SET,
    folds: Annotated[int, typer.Option(help="Folds for cross-validation on the examples")] = 5,
    confusions: Annotated[int, typer.Option(help="How many confusions to list")] = 12,
    examples: Annotated[bool, typer.Option(help="Show an example message per confusion (own rows "
                                                "only; held-out rows are never printed)")] = True,
) -> None:
    """Cross-validated accuracy on the examples; held-out accuracy on real buyer questions."""
    console = _console()
    knowledge, seconds = _load(console)
    matcher = knowledge.matcher
    texts, _ = matcher.training_data()
    console.print(f"Data loaded and topic model trained in {seconds:.2f} s "
                  f"({len(texts)} examples, {len(matcher.topic_names)} topics).")
    cv = cross_validate(matcher, folds)
    console.print(f"\n[bold]1. Own examples[/], {cv.folds}-fold cross-validation, best topic: "
                  f"{cv.accuracy * 100:.1f} % of {cv.examples}")
    weakest = sorted(cv.per_topic_recall.items(), key=lambda kv: kv[1])[:5]
    console.print("   weakest topics: " + ", ".join(f"{t} {r * 100:.0f} %" for t, r in weakest))
    bar = matcher.rules.thresholds
    console.print(f"   whole reading at confident {bar.confident} / margin {bar.margin}: "
                  f"{_pct(cv.reading.in_scope_accuracy)} of in-scope examples answered right, "
                  f"{_pct(cv.reading.confidently_wrong_share)} of all answered wrongly")

    rows = read_labelled(file)
    report = evaluate(matcher, rows)
    real, others = report.only(real=True), report.only(real=False)
    console.print()
    _summary(console, f"2. Held out: real buyer questions ({len(real.outcomes)} `real:` rows of {file.name})",
             real, targets=True)
    _summary(console, f"3. Rows written for the labelled set ({len(others.outcomes)} own/trad/en rows)",
             others, targets=False)
    _per_topic(console, "4. Per topic, real rows (precision of confident answers, recall)", real)
    if confusions:
        _confusions(console, "5. Top confusions, real rows (expected → got)", real, confusions, False)
        _confusions(console, "6. Top confusions, written rows (expected → got)", others, confusions, examples)
    if everyday.exists():
        # Never shown line by line: examples written to fix its rows would end its independence.
        daily = evaluate(matcher, read_labelled(everyday))
        console.print()
        _summary(console, f"7. Everyday phrasings written apart from the examples ({len(daily.outcomes)} rows "
                          f"of {everyday.name})", daily, targets=False)
        _per_topic(console, "8. Per topic, everyday phrasings", daily)
        if confusions:
            _confusions(console, "9. Top confusions, everyday phrasings (expected → got)", daily, confusions,
                        False)


@intents_app.command("try")
def intents_try(
    text: Annotated[str, typer.Argument(help="What the buyer writes")],
    live: Annotated[bool, typer.Option("--live", help="As a live-room comment (default: private chat)")] = False,
    sku: Annotated[str | None, typer.Option(help="Product on stage / discussed last")] = None,
    language: Annotated[str, typer.Option(help="Buyer's Telegram language code")] = "zh-CN",
    buyer: Annotated[int | None, typer.Option(help="Buyer's user id (default: the owner of the order "
                                                   "named, else the first demo buyer)")] = None,
) -> None:
    """The three most likely topics, the slots read, and the answer the bot would give."""
    console = _console()
    knowledge, _ = _load(console)
    channel = Channel.live if live else Channel.private
    matcher = knowledge.matcher
    match = matcher.match(text, channel, sku)
    console.print(f"canonical: {match.text.text!r}   model input: {matcher.model_input(text)!r}")
    table = Table(title="Most likely topics (model)")
    table.add_column("topic")
    table.add_column("probability", justify="right")
    for topic, p in matcher.ranking(match.text.text, channel)[:3]:
        table.add_row(topic, f"{p:.3f}")
    console.print(table)
    console.print(f"reading: [bold]{match.intent}[/] (decided by {match.decided_by}"
                  f"{'' if match.unserved == () else ', out of scope'})", markup=True)
    slots = {"sku": match.sku, "named": list(match.skus), "size": match.size,
             "height_cm": match.body.height_cm if match.body else None,
             "weight_kg": str(match.body.weight_kg) if match.body and match.body.weight_kg else None,
             "order": match.order_id, "quantity": match.quantity, "regions": list(match.regions),
             "stacking": match.stacking}
    console.print("slots: " + ", ".join(f"{k}={v}" for k, v in slots.items() if v not in (None, [], False)))
    catalog = knowledge.catalog
    if buyer is None:
        order = catalog.orders.get(match.order_id) if match.order_id else None
        buyer = order.buyer if order is not None else next(iter(catalog.buyers), 1)
    known = catalog.buyers.get(buyer)
    who = Asker(buyer, known.name if known else "buyer", language)
    answer = knowledge.composer.compose(match, channel, who, datetime.now(UTC))
    if answer is None:
        console.print("answer: (silent)")
        return
    locale = knowledge.locale(language)
    console.print(f"answer ({answer.template}, {locale}"
                  f"{', hands off: ' + str(answer.handoff) if answer.handoff else ''}):")
    message = (room_answer(answer, private_link(SAMPLE_BOT_USERNAME)) if channel is Channel.live
               else answer_message(answer))
    console.print(knowledge.render_message(locale, message), markup=False)
