"""The outbound queue: order per chat, 429s waited out, errors retried or given up loudly,
private chats paced at about one message a second, and a slow group never delays a buyer."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runtime.effects import CURRENT_UPDATE, UpdateScope
from bot.telegram.sending import Limits, Outbox, Outgoing

PRIVATE = 700001
OTHER_PRIVATE = 700002
GROUP = -1001000000100

FAST = Limits(per_second=1000.0, group_per_minute=1000, private_per_second=1000.0, max_attempts=3)


@dataclass
class Call:
    at: float
    kwargs: dict[str, Any]
    delivered: bool

    @property
    def text(self) -> str:
        return self.kwargs["text"]


class FakeBot:
    """Records every send_message call; can be told to fail the next calls to a chat."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[int, deque[Exception]] = defaultdict(deque)
        self._next_id = 1

    def fail(self, chat_id: int, *errors: Exception) -> None:
        self._failures[chat_id].extend(errors)

    async def send_message(self, **kwargs: Any) -> Any:
        now = asyncio.get_running_loop().time()
        failures = self._failures[kwargs["chat_id"]]
        if failures:
            self.calls.append(Call(now, kwargs, delivered=False))
            raise failures.popleft()
        self.calls.append(Call(now, kwargs, delivered=True))
        self._next_id += 1
        return SimpleNamespace(message_id=self._next_id, chat_id=kwargs["chat_id"], text=kwargs["text"])

    def delivered(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.calls if c.delivered and (chat_id is None or c.kwargs["chat_id"] == chat_id)]

    def attempts(self, text: str) -> list[Call]:
        return [c for c in self.calls if c.text == text]


def retry_after(chat_id: int, seconds: int = 1) -> TelegramRetryAfter:
    return TelegramRetryAfter(method=SendMessage(chat_id=chat_id, text="x"),
                              message="Too Many Requests", retry_after=seconds)


def network_error(chat_id: int) -> TelegramNetworkError:
    return TelegramNetworkError(method=SendMessage(chat_id=chat_id, text="x"), message="Connection reset")


def bad_request(chat_id: int) -> TelegramBadRequest:
    return TelegramBadRequest(method=SendMessage(chat_id=chat_id, text="x"),
                              message="Bad Request: chat not found")


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


async def test_messages_in_one_chat_keep_their_order(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    texts = [f"第{i}条" for i in range(10)]
    for text in texts:
        outbox.send(Outgoing(GROUP, text))
    await outbox.drain(timeout=10)
    assert bot.delivered(GROUP) == texts


async def test_send_returns_at_once_and_the_future_gives_the_message(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    sent = outbox.send(Outgoing(PRIVATE, "亲，有货"))
    assert bot.calls == []  # queued, not sent inside the handler's call
    message = await asyncio.wait_for(sent, 5)
    assert message.text == "亲，有货" and message.chat_id == PRIVATE


async def test_reply_markup_and_topic_reach_telegram(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="价格", callback_data="topic:price")]])
    outbox.send(Outgoing(GROUP, "亲", reply_to=42, markup=markup, thread_id=7))
    outbox.send(Outgoing(PRIVATE, "您好"))
    await outbox.drain(timeout=10)
    first = next(c for c in bot.calls if c.kwargs["chat_id"] == GROUP).kwargs
    assert first["reply_parameters"].message_id == 42
    assert first["reply_parameters"].allow_sending_without_reply is True
    assert first["reply_markup"] is markup and first["message_thread_id"] == 7
    plain = next(c for c in bot.calls if c.kwargs["chat_id"] == PRIVATE).kwargs
    assert plain["reply_parameters"] is None and plain["message_thread_id"] is None


async def test_429_is_waited_out_and_the_same_message_sent_once(bot, caplog) -> None:
    bot.fail(GROUP, retry_after(GROUP, 1))
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    outbox.send(Outgoing(GROUP, "亲，A"))
    outbox.send(Outgoing(GROUP, "亲，B"))
    with caplog.at_level(logging.WARNING, logger="bot.telegram.sending"):
        await outbox.drain(timeout=10)
    assert bot.delivered(GROUP) == ["亲，A", "亲，B"]  # B did not overtake A while it waited
    first_try, second_try = bot.attempts("亲，A")
    assert not first_try.delivered and second_try.delivered
    assert second_try.at - first_try.at >= 0.9  # retry_after honoured
    assert outbox.stats.retried_after_429 == 1 and outbox.stats.sent == 2 and outbox.stats.given_up == 0
    assert any("429" in r.getMessage() and str(GROUP) in r.getMessage() for r in caplog.records)


async def test_network_errors_are_retried_then_delivered(bot) -> None:
    bot.fail(GROUP, network_error(GROUP), network_error(GROUP))
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    sent = outbox.send(Outgoing(GROUP, "亲，稍等"))
    await asyncio.wait_for(sent, 10)
    assert len(bot.attempts("亲，稍等")) == 3
    assert bot.delivered(GROUP) == ["亲，稍等"]
    assert outbox.stats.retried_errors == 2 and outbox.stats.given_up == 0


async def test_network_errors_are_given_up_after_max_attempts_and_logged(bot, caplog) -> None:
    bot.fail(GROUP, *(network_error(GROUP) for _ in range(10)))
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    sent = outbox.send(Outgoing(GROUP, "亲，发不出去"))
    with caplog.at_level(logging.WARNING, logger="bot.telegram.sending"):
        await outbox.drain(timeout=15)
    assert len(bot.attempts("亲，发不出去")) == FAST.max_attempts
    assert bot.delivered() == []
    assert outbox.stats.given_up == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    message = errors[0].getMessage()
    assert str(GROUP) in message and "TelegramNetworkError" in message and "3 attempts" in message
    assert "亲，发不出去" in message
    with pytest.raises(TelegramNetworkError):
        sent.result()


async def test_bad_request_is_given_up_at_once_and_logged(bot, caplog) -> None:
    bot.fail(PRIVATE, bad_request(PRIVATE))
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    sent = outbox.send(Outgoing(PRIVATE, "亲，坏的"))
    outbox.send(Outgoing(PRIVATE, "亲，好的"))
    with caplog.at_level(logging.WARNING, logger="bot.telegram.sending"):
        await outbox.drain(timeout=10)
    assert len(bot.attempts("亲，坏的")) == 1
    assert bot.delivered(PRIVATE) == ["亲，好的"]  # the chat goes on after a refusal
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert str(PRIVATE) in errors[0].getMessage() and "chat not found" in errors[0].getMessage()
    assert isinstance(sent.exception(), TelegramBadRequest)


async def test_private_chat_gets_about_one_message_a_second(bot) -> None:
    outbox = Outbox(bot, Limits(private_per_second=1))  # type: ignore[arg-type]
    for i in range(3):
        outbox.send(Outgoing(PRIVATE, f"亲，{i}"))
    await outbox.drain(timeout=15)
    times = [c.at for c in bot.calls]
    assert bot.delivered(PRIVATE) == ["亲，0", "亲，1", "亲，2"]
    assert times[1] - times[0] >= 0.8
    assert times[2] - times[0] >= 1.8


async def test_private_chats_are_paced_separately(bot) -> None:
    outbox = Outbox(bot, Limits(private_per_second=1))  # type: ignore[arg-type]
    outbox.send(Outgoing(PRIVATE, "亲，给A"))
    outbox.send(Outgoing(OTHER_PRIVATE, "亲，给B"))
    await outbox.drain(timeout=10)
    a, b = (next(c.at for c in bot.calls if c.kwargs["chat_id"] == chat) for chat in (PRIVATE, OTHER_PRIVATE))
    assert abs(a - b) < 0.5  # B did not wait for A's one-a-second slot


async def test_slow_group_does_not_block_a_private_chat(bot, caplog) -> None:
    outbox = Outbox(bot, Limits(group_per_minute=1))  # type: ignore[arg-type]
    outbox.send(Outgoing(GROUP, "亲，直播间1"))
    second_group = outbox.send(Outgoing(GROUP, "亲，直播间2"))
    private = outbox.send(Outgoing(PRIVATE, "亲，私信"))
    await asyncio.wait_for(private, 5)
    assert bot.delivered(PRIVATE) == ["亲，私信"]
    assert bot.delivered(GROUP) == ["亲，直播间1"]  # the group's second waits its minute
    assert not second_group.done()
    with caplog.at_level(logging.ERROR, logger="bot.telegram.sending"):
        await outbox.close(timeout=0.2)
    # what could not be sent before shutdown is reported, not dropped silently
    assert any("1 messages still queued" in r.getMessage() for r in caplog.records)


async def test_drain_waits_for_delivery(bot) -> None:
    outbox = Outbox(bot, Limits(private_per_second=2))  # type: ignore[arg-type]
    for i in range(3):
        outbox.send(Outgoing(PRIVATE, f"亲，{i}"))
    outbox.send(Outgoing(GROUP, "亲，群"))
    await outbox.drain(timeout=10)
    assert bot.delivered(PRIVATE) == ["亲，0", "亲，1", "亲，2"]
    assert bot.delivered(GROUP) == ["亲，群"]
    assert outbox.stats.sent == 4 and outbox.stats.queued == 4


async def test_idle_turns_false_when_a_message_is_queued_and_true_once_it_is_sent(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    assert outbox.idle
    outbox.send(Outgoing(PRIVATE, "亲，一"))
    assert not outbox.idle and bot.calls == []  # queued, not sent yet
    await outbox.drain(timeout=5)
    assert outbox.idle and bot.delivered(PRIVATE) == ["亲，一"]
    bot.fail(GROUP, TelegramBadRequest(SendMessage(chat_id=GROUP, text="x"), "chat not found"))
    outbox.send(Outgoing(GROUP, "亲，二"))
    await outbox.drain(timeout=5)
    assert outbox.idle and outbox.stats.given_up == 1  # given up counts as done, loudly logged
    await outbox.close()


async def test_drain_with_nothing_queued_returns(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    await outbox.drain(timeout=1)
    assert bot.calls == []


async def test_close_delivers_what_is_queued(bot) -> None:
    outbox = Outbox(bot, Limits(private_per_second=2))  # type: ignore[arg-type]
    futures = [outbox.send(Outgoing(PRIVATE, f"亲，{i}")) for i in range(3)]
    await outbox.close()
    assert bot.delivered(PRIVATE) == ["亲，0", "亲，1", "亲，2"]
    assert all(f.done() and not f.cancelled() for f in futures)


async def test_outbox_works_again_after_a_chat_went_idle(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    await asyncio.wait_for(outbox.send(Outgoing(PRIVATE, "亲，一")), 5)
    await outbox.drain(timeout=5)
    await asyncio.wait_for(outbox.send(Outgoing(PRIVATE, "亲，二")), 5)
    assert bot.delivered(PRIVATE) == ["亲，一", "亲，二"]
    await outbox.close()


async def test_a_text_over_telegrams_limit_goes_out_in_order_split_at_lines(bot) -> None:
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    lines = [f"@买家{i:04d} 亲，连衣裙¥120.00，M码有货" for i in range(400)]  # ~12,000 characters
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="价格", callback_data="topic:price")]])
    last = outbox.send(Outgoing(GROUP, "\n".join(lines), reply_to=42, markup=markup))
    outbox.send(Outgoing(GROUP, "下一条"))
    await outbox.drain(timeout=10)
    texts = bot.delivered(GROUP)
    assert len(texts) > 2 and texts[-1] == "下一条"
    assert all(len(t) <= 4096 for t in texts)
    assert "\n".join(texts[:-1]).split("\n") == lines  # every line once, in order, none cut
    calls = [c.kwargs for c in bot.calls if c.kwargs["chat_id"] == GROUP]
    assert calls[0]["reply_parameters"].message_id == 42 and calls[1]["reply_parameters"] is None
    assert [c["reply_markup"] is markup for c in calls[:-1]] == [False] * (len(calls) - 2) + [True]
    assert (await last).text == texts[-2]  # the future is the part with the buttons


class MethodBot(FakeBot):
    """Also answers raw Bot API methods (createForumTopic), flood-limited once."""

    def __init__(self) -> None:
        super().__init__()
        self.method_calls: list[Any] = []

    async def __call__(self, method: Any) -> Any:
        self.method_calls.append(method)
        if len(self.method_calls) == 1:
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)
        return SimpleNamespace(message_thread_id=77, name=method.name)


async def test_create_forum_topic_waits_out_a_429_like_any_send() -> None:
    from aiogram.methods import CreateForumTopic

    bot = MethodBot()
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    topic = await asyncio.wait_for(outbox.send(Outgoing(
        GROUP, method=CreateForumTopic(chat_id=GROUP, name="小王 · 普通 · 转人工"), purpose="topic")), 10)
    assert topic.message_thread_id == 77
    assert len(bot.method_calls) == 2 and outbox.stats.retried_after_429 == 1


class RelayingBot(FakeBot):
    """Also answers a raw sendMessage (how relays go), recorded like any message."""

    async def __call__(self, method: Any) -> Any:
        return await self.send_message(chat_id=method.chat_id, text=method.text,
                                       message_thread_id=method.message_thread_id)


async def test_in_one_chat_relays_go_before_cards_and_a_topic_still_reads_in_order() -> None:
    bot = RelayingBot()
    outbox = Outbox(bot, FAST)  # type: ignore[arg-type]
    outbox.send(Outgoing(GROUP, "卡片 甲", thread_id=1, purpose="agents"))
    outbox.send(Outgoing(GROUP, "卡片 乙", thread_id=2, purpose="agents"))
    outbox.send(Outgoing(GROUP, "周报", purpose="weekly report"))
    outbox.send(Outgoing(GROUP, method=SendMessage(chat_id=GROUP, text="买家乙：在吗", message_thread_id=2),
                         purpose="relay to agents"))
    await outbox.drain(timeout=10)
    # The relay jumps the queue, taking its own topic's card along (card first, then relay).
    assert bot.delivered(GROUP) == ["卡片 乙", "买家乙：在吗", "卡片 甲", "周报"]


class UnevenLog:
    """A send log whose first write is slow, as when it waits for a fresh pooled connection."""

    def __init__(self) -> None:
        self.written: list[tuple[int, str]] = []
        self._calls = 0

    async def append(self, item: Outgoing) -> None:
        self._calls += 1
        if self._calls == 1:
            await asyncio.sleep(0.05)
        self.written.append((item.chat_id, item.text))


async def test_one_updates_sends_reach_the_log_in_the_order_they_were_sent() -> None:
    outbox = Outbox(FakeBot(), FAST)  # type: ignore[arg-type]
    log = UnevenLog()
    outbox.keep_in(log)
    scope = UpdateScope(1)
    token = CURRENT_UPDATE.set(scope)  # as while a handler runs
    try:
        for n in range(3):
            outbox.send(Outgoing(PRIVATE, f"第{n}条"))
        outbox.send(Outgoing(GROUP, "卡片"))
    finally:
        CURRENT_UPDATE.reset(token)
    await asyncio.gather(*scope.sends)
    assert [t for c, t in log.written if c == PRIVATE] == ["第0条", "第1条", "第2条"]
    assert (GROUP, "卡片") in log.written
    await outbox.close()
