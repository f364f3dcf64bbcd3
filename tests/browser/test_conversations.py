"""Agents at work in the console: the live queue, taking, replying, the wording check, and
what an agent may not do. Every action reaches the buyer through the real bot."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from bot.handoff.model import Role
from tests.e2e.harness import AGENTS, AMING, NANA, XIAO_LI, XIAO_WANG
from tests.web.console_harness import RunningConsole

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NewPage = Callable[[], Awaitable[Page]]
Shot = Callable[[Page, str], Awaitable[None]]


async def signed_in(console: RunningConsole, new_page: NewPage, user_id: int, name: str) -> Page:
    page = await new_page()
    await page.goto(console.widget_url(user_id, name))
    await expect(page.locator(".who")).to_contain_text(name)
    return page


async def open_conversation_of(console: RunningConsole, buyer_id: int) -> int:
    conversation = await console.session.runtime.handoff.conversations.open_for_buyer(buyer_id)
    assert conversation is not None
    return conversation.id


async def test_take_a_waiting_conversation_and_the_buyer_receives_the_reply(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    page = await signed_in(console, new_page, NANA, "娜娜")
    await expect(page.locator("#queue-rows")).to_contain_text("没有等待")
    await console.session.private(XIAO_LI, "转人工")
    row = page.locator("#queue-rows tr", has_text="小李")  # appears without reloading the page
    await expect(row).to_contain_text("等待中")
    await expect(row.locator("td.wait")).to_have_class(re.compile(r"\b(ok|warn|late)\b"))
    await shot(page, "queue-waiting")
    await row.locator("button.take").click()
    await expect(page.locator("#card")).to_contain_text("娜娜")
    joined = await console.session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_LI and "已接入" in (c.text or ""))
    assert "娜娜" in joined.text

    await page.fill("#reply-text", "您好亲，我来帮您看一下尺码")
    await page.click("#send")
    received = await console.session.emulator.record.wait_for(
        lambda c: c.chat_id == XIAO_LI and c.text == "您好亲，我来帮您看一下尺码")
    assert received.ok
    await expect(page.locator("#thread")).to_contain_text("您好亲，我来帮您看一下尺码")
    await console.session.emulator.record.wait_for(  # the same reply shows in the Telegram topic
        lambda c: c.chat_id == AGENTS and "您好亲，我来帮您看一下尺码" in (c.text or ""))
    await shot(page, "conversation")


async def test_a_forbidden_word_is_held_with_the_reason_and_an_alternative(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    await console.session.private(XIAO_WANG, "转人工")
    conversation_id = await open_conversation_of(console, XIAO_WANG)
    page = await signed_in(console, new_page, NANA, "娜娜")
    await page.goto(f"{console.url}/c/{conversation_id}")
    await page.fill("#reply-text", "亲，这款面料是最好的")
    await expect(page.locator("#live-check")).to_contain_text("最好")  # while typing
    await page.click("#send")
    await expect(page.locator("#held .problem")).to_contain_text("最好")
    await expect(page.locator("#alternative")).to_have_text("亲，这款面料是很好的")
    await expect(page.locator("#reply-text")).to_have_value("亲，这款面料是最好的")  # kept for editing
    await shot(page, "held")
    logged = await console.session.runtime.handoff.messages.last_messages(conversation_id, 50)
    assert [m.text for m in logged if m.role is Role.agent] == []


async def test_an_agent_cannot_open_ops_pages_or_act_on_another_agents_conversation(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    await console.session.private(XIAO_LI, "转人工")
    conversation_id = await open_conversation_of(console, XIAO_LI)
    store = console.session.runtime.handoff
    conversation = await store.conversations.get(conversation_id)  # 蓓尚's, and about to be held by 娜娜
    assert conversation is not None
    taken = await console.session.runtime.agent_desk.take(conversation, NANA)
    assert taken.ok

    page = await signed_in(console, new_page, AMING, "阿明")
    await expect(page.locator("#queue-rows")).not_to_contain_text("小李")
    answer = await page.goto(f"{console.url}/promotions")
    assert answer is not None and answer.status == 403
    answer = await page.goto(f"{console.url}/templates")
    assert answer is not None and answer.status == 403
    answer = await page.goto(f"{console.url}/c/{conversation_id}")
    assert answer is not None and answer.status == 403
    await shot(page, "forbidden")
    await page.goto(f"{console.url}/queue")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    posted = await page.request.post(f"{console.url}/c/{conversation_id}/reply",
                                     form={"csrf": csrf or "", "text": "您好亲"})
    assert posted.status == 403
    logged = await store.messages.last_messages(conversation_id, 50)
    assert [m.sender_id for m in logged if m.role is Role.agent] == []


async def test_live_thread_quick_reply_and_close_with_the_survey(
        console: RunningConsole, new_page: NewPage, shot: Shot) -> None:
    await console.session.private(XIAO_WANG, "转人工")
    conversation_id = await open_conversation_of(console, XIAO_WANG)
    page = await signed_in(console, new_page, NANA, "娜娜")
    await page.goto(f"{console.url}/c/{conversation_id}")
    await page.click("#take")
    await console.session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_WANG and "已接入" in (c.text or ""))

    console.session.emulator.user_sends(XIAO_WANG, XIAO_WANG, "我的裙子什么时候发货")
    await expect(page.locator("#thread")).to_contain_text("我的裙子什么时候发货")  # without reloading

    await page.click("button.quick:text-is('greet')")
    greeting = await console.session.emulator.record.wait_for(
        lambda c: c.chat_id == XIAO_WANG and "我是客服娜娜" in (c.text or ""))
    assert greeting.ok
    await expect(page.locator("#thread")).to_contain_text("我是客服娜娜")

    await page.click("#close")
    goodbye = await console.session.emulator.record.wait_for(
        lambda c: c.chat_id == XIAO_WANG and c.method == "sendMessage"
        and any(b.startswith("rate:") for b in console.session.buttons(c)))
    assert goodbye.ok
    await expect(page.locator("#status")).to_have_text("closed")
    await shot(page, "closed")
    closed = await console.session.runtime.handoff.conversations.get(conversation_id)
    assert closed is not None and not closed.is_open
