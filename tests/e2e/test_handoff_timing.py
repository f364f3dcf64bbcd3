"""What the desk does as time passes, on a controlled clock: queue notices, SLA pings, 稍等."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.knowledge.snapshot import Knowledge
from bot.sla.report import SlaReporter, report_to_json, today_and_week
from tests.e2e.handoff_steps import agent_says, hand_off, in_topic, topic_of
from tests.e2e.harness import (
    AGENTS,
    NANA,
    XIAO_LI,
    XIAO_WANG,
    XIAO_ZHANG,
    Session,
    demo_settings,
    running_bot,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def timed(bot_redis: Redis, key_prefix: str, knowledge: Knowledge,
                clock: ManualClock) -> AsyncIterator[tuple[Session, ManualClock]]:
    settings = demo_settings(key_prefix, handoff={"no_agent_after_s": 60})
    async with running_bot(settings, bot_redis, knowledge, clock) as session:
        yield session, clock


async def pass_time(session: Session, seconds: float, step: float = 1.0) -> None:
    """Move the clock in steps; at each one the desk's loops run until they sleep again
    and what they queued is sent (`Session.idle`), so "not yet" checks can fail."""
    clock = session.clock
    assert isinstance(clock, ManualClock)
    moved = 0.0
    while moved < seconds:
        clock.advance(step)
        moved += step
        await session.idle()


async def test_a_buyer_nobody_takes_is_told_honestly_once(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_WANG)
    await pass_time(session, 70, step=5)
    notices = [c for c in session.emulator.record.sent("sendMessage", XIAO_WANG) if "暂时都在忙" in (c.text or "")]
    assert len(notices) == 1 and "不会丢失" in notices[0].text
    await pass_time(session, 60, step=5)
    assert len([c for c in session.emulator.record.sent("sendMessage", XIAO_WANG)
                if "暂时都在忙" in (c.text or "")]) == 1


async def test_the_next_in_line_hears_when_they_move_up(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_WANG)
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await pass_time(session, 6, step=1)
    told = await session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_LI and "排在第1位" in (c.text or ""))
    assert told.ok


async def test_a_waiting_buyer_raises_a_ping_at_20_seconds(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_ZHANG)
    thread = await topic_of(session, "小张")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "您好亲，请讲")
    session.emulator.user_sends(XIAO_ZHANG, XIAO_ZHANG, "我的橙子烂了好几个")
    await in_topic(session, thread, "我的橙子烂了好几个")
    await pass_time(session, 15)
    assert not any("买家已等待" in (m.get("text") or "") for m in session.emulator.chat_log.messages(AGENTS, thread))
    await pass_time(session, 7)
    await in_topic(session, thread, "买家已等待")
    await pass_time(session, 10)
    await in_topic(session, thread, "已超过30秒未回复")
    pings = [m for m in session.emulator.chat_log.messages(AGENTS, thread) if "买家已等待" in (m.get("text") or "")]
    assert len(pings) == 1  # once per round


async def test_saying_wait_without_coming_back_reminds_the_agent(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "亲，稍等，我查一下")
    await pass_time(session, 170, step=5)
    assert not any("稍等" in (m.get("text") or "") and "⏰" in (m.get("text") or "")
                   for m in session.emulator.chat_log.messages(AGENTS, thread))
    await pass_time(session, 20, step=5)
    await in_topic(session, thread, "说了“稍等”已经")


async def test_an_edited_buyer_message_is_edited_in_the_topic(timed: tuple[Session, ManualClock]) -> None:
    session, _ = timed
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    sent = session.emulator.user_sends(XIAO_WANG, XIAO_WANG, "地址是西湖区")
    await in_topic(session, thread, "地址是西湖区")
    session.emulator.edit_user_message(XIAO_WANG, sent["message_id"], "地址是滨江区")
    await in_topic(session, thread, "地址是滨江区")
    assert not any("地址是西湖区" == (m.get("text") or "") for m in session.emulator.chat_log.messages(AGENTS, thread))


@pytest.mark.both_stores
async def test_sla_in_the_agents_group_shows_today_and_this_week(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await pass_time(session, 12)
    await agent_says(session, NANA, thread, "您好亲，我来帮您")
    session.emulator.user_sends(AGENTS, NANA, "/sla")
    report = await session.emulator.record.wait_for(lambda c: c.chat_id == AGENTS and "30秒回复率" in (c.text or ""))
    assert "今日" in report.text and "本周" in report.text and "蓓尚服饰" in report.text
    assert "娜娜" in report.text and "100.0%" in report.text


async def test_the_weekly_report_is_posted_on_tuesday_morning(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    # The demo clock starts Monday 12:00 in Shanghai; the post is due Tuesday 09:00.
    clock.advance(20 * 3600 + 59 * 60)  # Tuesday 08:59
    await session.idle()
    assert not [c for c in session.emulator.record.sent("sendMessage", AGENTS) if "上周" in (c.text or "")]
    clock.advance(120)
    weekly = await session.emulator.record.wait_for(lambda c: c.chat_id == AGENTS and "上周" in (c.text or ""))
    assert "2026-W47" in weekly.text


@pytest.mark.both_stores
async def test_the_hourly_dashboard_figures_are_recorded_on_either_store(timed: tuple[Session, ManualClock]) -> None:
    session, clock = timed
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await pass_time(session, 12)
    await agent_says(session, NANA, thread, "您好亲，我来帮您")
    sla = session.settings.sla
    today, _ = today_and_week(clock.now(), sla)
    report = await SlaReporter(session.redis, sla, session.settings.redis_prefix).build(today)
    hours = report_to_json(report)["hours"]["all"]
    hour = clock.now().astimezone(sla.zone).hour
    assert hours["handoffs"][hour] == 1 and hours["rounds"][hour] == 1
    assert hours["reply_rate_30s"][hour] == 1.0 and hours["reply_times"]["10_30"] == 1
    assert hours["queue_avg"][hour] > 0  # the buyer waited about 12 s in that hour
