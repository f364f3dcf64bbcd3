"""When the bot may write unprompted: one payment reminder, one review invitation, never at night."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from bot.aftersales.policy import PaymentReminder, QuietHours, load_aftersales
from bot.aftersales.reviews import invitation_due
from bot.answers.language import check, load_language_rules
from bot.followups.payment_reminder import reminder_due
from bot.shop.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]


def test_quiet_hours_span_midnight() -> None:
    quiet = QuietHours(start=time(21, 30), end=time(9, 0))
    assert [quiet.contains(time(h, m)) for h, m in ((21, 29), (21, 30), (2, 0), (8, 59), (9, 0), (12, 0))] == [
        False, True, True, True, False, False]
    day_quiet = QuietHours(start=time(12, 0), end=time(14, 0))
    assert day_quiet.contains(time(13, 0)) and not day_quiet.contains(time(14, 0))


def test_unpaid_order_is_reminded_after_30_minutes_within_a_day_and_not_at_night(catalog: Catalog,
                                                                                 demo_now) -> None:
    order = catalog.orders["1001"]  # placed 20 minutes before DEMO_NOW (12:00 shop time)
    rule, quiet, zone = PaymentReminder(), QuietHours(), catalog.timezone
    assert not reminder_due(order, demo_now, rule, quiet, zone)
    assert reminder_due(order, demo_now + timedelta(minutes=10), rule, quiet, zone)
    assert not reminder_due(order, demo_now + timedelta(hours=10), rule, quiet, zone)  # 22:00
    assert reminder_due(order, demo_now + timedelta(hours=21), rule, quiet, zone)  # 09:00 next day
    assert not reminder_due(order, demo_now + timedelta(hours=24), rule, quiet, zone)  # lapsed
    assert not reminder_due(catalog.orders["1002"], demo_now + timedelta(minutes=10), rule, quiet, zone)


def test_review_invitation_falls_due_days_after_receipt_and_lapses(catalog: Catalog, demo_now) -> None:
    policy = load_aftersales(ROOT / "shop" / "aftersales.yaml", catalog)
    order = catalog.orders["1004"]  # received 3 days before DEMO_NOW
    days, quiet, zone = policy.review_days("beishang"), policy.quiet_hours, catalog.timezone
    assert days == 5
    assert not invitation_due(order, demo_now + timedelta(days=1), days, quiet, zone)
    assert invitation_due(order, demo_now + timedelta(days=2), days, quiet, zone)
    assert not invitation_due(order, demo_now + timedelta(days=2, hours=11), days, quiet, zone)  # 23:00
    assert not invitation_due(order, demo_now + timedelta(days=4, hours=1), days, quiet, zone)
    assert not invitation_due(catalog.orders["1003"], demo_now + timedelta(days=9), days, quiet, zone)


def test_rewards_for_reviews_are_forbidden_wording() -> None:
    rules = load_language_rules(ROOT / "templates" / "language.yaml")
    for text in ("亲，好评返现5元哦", "亲，晒图有礼", "亲，五星好评送小礼品"):
        assert check(text, rules, require_polite=True), text
    assert not check("亲，方便的话请留下您的真实评价", rules, require_polite=True)
