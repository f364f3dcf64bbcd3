"""The console over HTTP, without a browser: sign-in checks, sessions, CSRF, headers, roles."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.aftersales.cases import CaseDraft, CaseState, CaseStore
from bot.clock import SystemClock
from bot.web import keys
from bot.web.security import COOKIE
from tests.e2e.handoff_steps import agent_says, in_topic, topic_of
from tests.e2e.harness import AMING, LAOZHOU, NANA, XIAO_LI, XIAO_WANG
from tests.web.console_harness import STRANGER_TOKEN, TEST_TOKEN, RunningConsole, sign_init_data

pytestmark = pytest.mark.e2e


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def sign_in(web: RunningConsole, http: aiohttp.ClientSession, user_id: int, name: str) -> str:
    async with http.get(web.widget_url(user_id, name)) as answer:
        assert answer.status == 200 and str(answer.url).endswith("/queue")
        return await answer.text()


async def test_widget_sign_in_opens_a_session_in_redis_with_expiry(web: RunningConsole,
                                                                   http: aiohttp.ClientSession) -> None:
    page = await sign_in(web, http, NANA, "娜娜")
    assert "娜娜（ops）" in page
    token = next(c.value for c in http.cookie_jar if c.key == COOKIE)
    ttl = await web.session.redis.ttl(keys.session(web.console.settings.redis_prefix, token))
    assert 0 < ttl <= web.console.web.session_ttl_s


@pytest.mark.parametrize(("label", "tamper"), [
    ("another bot's token", {"token": STRANGER_TOKEN}),
    ("tampered name", {"first_name": "娜娜娜"}),
    ("expired", {"auth_date": int(time.time()) - 3 * 86_400}),
])
async def test_bad_widget_signatures_are_refused(web: RunningConsole, http: aiohttp.ClientSession,
                                                 label: str, tamper: dict[str, object]) -> None:
    token = str(tamper.pop("token", TEST_TOKEN))
    auth_date = tamper.pop("auth_date", None)
    url = web.widget_url(NANA, "娜娜", token=token, auth_date=auth_date,  # type: ignore[arg-type]
                         **{k: str(v) for k, v in tamper.items()})
    async with http.get(url) as answer:
        assert answer.status == 403, label
        assert "无法登录" in await answer.text()
    async with http.get(f"{web.url}/queue") as answer:
        assert str(answer.url).endswith("/login")


async def test_a_buyer_with_a_valid_signature_is_not_staff(web: RunningConsole,
                                                           http: aiohttp.ClientSession) -> None:
    async with http.get(web.widget_url(XIAO_WANG, "小王")) as answer:
        assert answer.status == 403
        assert "只有客服" in await answer.text()


async def test_mini_app_init_data_signs_in_and_a_forged_one_does_not(web: RunningConsole,
                                                                     http: aiohttp.ClientSession) -> None:
    forged = sign_init_data(STRANGER_TOKEN, AMING, "阿明")
    async with http.post(f"{web.url}/auth/webapp", data={"init_data": forged}) as answer:
        assert answer.status == 403
    good = sign_init_data(TEST_TOKEN, AMING, "阿明")
    async with http.post(f"{web.url}/auth/webapp", data={"init_data": good}) as answer:
        assert answer.status == 200 and "阿明（agent）" in await answer.text()


async def test_every_form_needs_the_session_csrf_token(web: RunningConsole, http: aiohttp.ClientSession) -> None:
    await web.session.private(XIAO_LI, "转人工")
    page = await sign_in(web, http, NANA, "娜娜")
    conversation = re.search(r'action="/c/(\d+)/take"', page)
    assert conversation, "the waiting conversation is in the queue"
    take = f"{web.url}/c/{conversation.group(1)}/take"
    async with http.post(take, data={}) as answer:
        assert answer.status == 403
    async with http.post(take, data={"csrf": "guessed"}) as answer:
        assert answer.status == 403
    stored = await web.session.runtime.handoff.conversations.get(int(conversation.group(1)))
    assert stored is not None and stored.agent_id is None
    async with http.post(take, data={"csrf": csrf_of(page)}) as answer:
        assert answer.status == 200 and "/c/" in str(answer.url)
    stored = await web.session.runtime.handoff.conversations.get(int(conversation.group(1)))
    assert stored is not None and stored.agent_id == NANA


async def test_security_headers_on_pages_and_refusals(web: RunningConsole, http: aiohttp.ClientSession) -> None:
    for path in ("/login", "/auth/telegram?id=1&hash=x&auth_date=1"):
        async with http.get(f"{web.url}{path}") as answer:
            csp = answer.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "object-src 'none'" in csp
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "same-origin"
            assert answer.headers["Cache-Control"] == "no-store"


async def test_an_agent_cannot_open_ops_pages(web: RunningConsole, http: aiohttp.ClientSession) -> None:
    await sign_in(web, http, AMING, "阿明")
    for path in ("/promotions", "/templates"):
        async with http.get(f"{web.url}{path}") as answer:
            assert answer.status == 403, path


async def test_sign_out_ends_the_session(web: RunningConsole, http: aiohttp.ClientSession) -> None:
    page = await sign_in(web, http, AMING, "阿明")
    async with http.post(f"{web.url}/logout", data={"csrf": csrf_of(page)}) as answer:
        assert str(answer.url).endswith("/login")
    async with http.get(f"{web.url}/queue") as answer:
        assert str(answer.url).endswith("/login")


async def test_an_agent_sees_only_their_own_figures(web: RunningConsole, http: aiohttp.ClientSession) -> None:
    from bot.clock import SystemClock
    from bot.sla.recorder import SlaRecorder

    settings = web.console.settings
    recorder = SlaRecorder(web.session.redis, settings.sla, SystemClock(), settings.redis_prefix)
    for agent, shop, buyer in ((NANA, "beishang", XIAO_LI), (AMING, "mingxiang", XIAO_WANG)):
        await recorder.handoff(shop, f"c{agent}", buyer)
        await recorder.buyer_message(shop, f"c{agent}", buyer)
        await recorder.agent_reply(shop, f"c{agent}", agent, buyer, "您好亲")
    await sign_in(web, http, AMING, "阿明")
    async with http.get(f"{web.url}/dashboard") as answer:
        page = await answer.text()
    assert f'data-id="{AMING}"' in page and f'data-id="{NANA}"' not in page
    assert 'data-id="mingxiang"' in page and 'data-id="beishang"' not in page
    async with http.get(f"{web.url}/dashboard.csv?period=week") as answer:
        rows = (await answer.text()).lstrip("\ufeff").splitlines()  # BOM: Excel reads UTF-8
    assert rows[0].startswith("scope,id,name,rounds") and not any(f",{NANA}," in r for r in rows)


async def test_transfer_from_the_console_moves_the_conversation_to_the_agent(
        web: RunningConsole, http: aiohttp.ClientSession) -> None:
    await web.session.private(XIAO_LI, "转人工")
    conversation = await web.session.runtime.handoff.conversations.open_for_buyer(XIAO_LI)
    assert conversation is not None
    page = await sign_in(web, http, NANA, "娜娜")
    async with http.post(f"{web.url}/c/{conversation.id}/take", data={"csrf": csrf_of(page)}) as answer:
        assert answer.status == 200
    async with http.post(f"{web.url}/c/{conversation.id}/transfer",
                         data={"csrf": csrf_of(page), "target": str(LAOZHOU)}) as answer:
        assert answer.status == 200 and "已完成" in await answer.text()  # 老周 serves 蓓尚 too
    moved = await web.session.runtime.handoff.conversations.get(conversation.id)
    assert moved is not None and moved.agent_id == LAOZHOU


async def test_the_conversation_page_shows_the_buyers_open_case_and_the_tags_agents_added(
        web: RunningConsole, http: aiohttp.ClientSession) -> None:
    session = web.session
    cases = CaseStore(web.console.redis, session.settings.redis_prefix, SystemClock())
    disputed = await cases.register(CaseDraft(
        buyer=XIAO_LI, order="1005", shop="beishang", sku="BS-CARDIGAN", size="L", qty=1, kind="return",
        reason="changed_mind", outcome="decline", why="past_window", state=CaseState.disputed))
    await session.private(XIAO_LI, "转人工")
    conversation = await session.runtime.handoff.conversations.open_for_buyer(XIAO_LI)
    assert conversation is not None
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/tag 售后争议")
    await in_topic(session, thread, "已加标签「售后争议」")
    await sign_in(web, http, NANA, "娜娜")
    async with http.get(f"{web.url}/c/{conversation.id}") as answer:
        assert answer.status == 200
        page = await answer.text()
    card = page.split('id="card"')[1].split("</aside>")[0]
    assert "#售后争议" in card
    assert f"{disputed.id} · 订单1005 · 针织开衫 L ×1" in card and "disputed" in card
