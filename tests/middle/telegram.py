"""The people of the demo shops talking to the real Dispatcher, one update at a time.

`Telegram` builds the updates Telegram would send (messages in private chat, the live
room and agents' topics; button presses), hands each to `Dispatcher.feed_update` and
returns once the bot is done with it: the handlers have returned and the outbox has sent
everything they queued. Time only moves when the test says so (`pass_time`, on the
`ManualClock`), so timers such as the live room's gathering window fire exactly then.
Nothing here sleeps.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiogram.types import CallbackQuery, Message, Update, User

from bot.clock import ManualClock
from bot.runtime.app import Runtime
from tests.middle.recorded_session import Call, Chats, RecordedSession

LIVE_ROOM = -1001000000100
AGENTS = -1001000000900
XIAO_WANG, XIAO_LI, XIAO_ZHANG = 700001, 700002, 700003
NANA, AMING, LAOZHOU = 900001, 900002, 900003  # 老周: beishang, supervisor
STRANGER = 700099
NAMES = {XIAO_WANG: "小王", XIAO_LI: "小李", XIAO_ZHANG: "小张", NANA: "娜娜", AMING: "阿明", LAOZHOU: "老周", STRANGER: "路人"}

SAFETY_TIMEOUT = 5.0
"""Only a safety net for a hung send or timer; the waits below end as soon as their
signal comes, normally within a few loop turns."""


@dataclass
class Telegram:
    runtime: Runtime
    api: RecordedSession
    chats: Chats
    clock: ManualClock
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- people writing ---------------------------------------------------------------------

    async def send(self, chat_id: int, user_id: int, text: str, *, thread_id: int | None = None,
                   language_code: str = "zh-hans") -> Message:
        """`user_id` writes `text` in `chat_id` (in topic `thread_id`); returns their message."""
        message = Message(message_id=self.chats.next_id(chat_id), date=self.clock.now(),
                          chat=self.chats.chat(chat_id), from_user=self.user(user_id, language_code),
                          text=text, message_thread_id=thread_id,
                          is_topic_message=True if thread_id else None)
        await self.feed(Update(update_id=next(self._update_ids), message=message))
        return message

    async def private(self, user_id: int, text: str) -> Message:
        return await self.send(user_id, user_id, text)

    async def room(self, user_id: int, text: str) -> Message:
        return await self.send(LIVE_ROOM, user_id, text)

    async def in_topic(self, user_id: int, thread_id: int, text: str) -> Message:
        return await self.send(AGENTS, user_id, text, thread_id=thread_id)

    async def edit(self, original: Message, text: str) -> None:
        """The author of `original` edits it to `text`."""
        edited = original.model_copy(update={"text": text, "edit_date": int(self.clock.now().timestamp())})
        await self.feed(Update(update_id=next(self._update_ids), edited_message=edited))

    async def press(self, user_id: int, shown: Call, label: str) -> None:
        """`user_id` presses the button labelled `label` under the bot's message `shown`.

        The bot must answer the callback (Telegram shows a spinner until it does); that
        answer is consumed here, so tests assert only on what the press changed.
        """
        data = [d for text, d in shown.buttons if text == label]
        assert data, f"no button {label!r} under {shown}; buttons: {shown.buttons}"
        assert isinstance(shown.result, Message), f"{shown} has no message to press a button on"
        query = CallbackQuery(id=f"q{next(self._update_ids)}", from_user=self.user(user_id),
                              chat_instance="middle", message=shown.result, data=data[0])
        await self.feed(Update(update_id=next(self._update_ids), callback_query=query))
        self.api.take("answerCallbackQuery", where=lambda c: c.params.get("callback_query_id") == query.id)

    def user(self, user_id: int, language_code: str = "zh-hans") -> User:
        return User(id=user_id, is_bot=False, first_name=NAMES.get(user_id, str(user_id)),
                    language_code=language_code)

    # -- the bot working ----------------------------------------------------------------------

    async def feed(self, update: Update) -> None:
        """Hand one update to the Dispatcher and wait until the bot has sent what it queued."""
        await self.runtime.dp.feed_update(self.runtime.bot, update)
        await self.settle()

    async def pass_time(self, seconds: float) -> None:
        """Move the clock; timers that came due run, and what they send is sent."""
        self.clock.advance(seconds)
        await self.settle()

    async def gather_window(self) -> None:
        """Let the live room's gathering window end, so gathered answers are posted."""
        await self.pass_time(self.runtime.settings.burst_gather_seconds)

    async def settle(self) -> None:
        """Until quiet: timers the clock woke have run (`ManualClock.settled`) and the
        outbox has sent everything queued. No sleeping: both are signals."""
        while True:
            await self.clock.settled(SAFETY_TIMEOUT)
            await self.runtime.outbox.drain(SAFETY_TIMEOUT)
            if self.runtime.outbox.idle and self.clock.settled_now:
                return

    async def deliver_relays(self) -> None:
        """Run one round of the relay worker (buyer ↔ topic copies) and send what it sends,
        including the topics it creates for conversations that have none yet (with their
        cards) and the notes held for them.

        The one place this layer reaches past Telegram updates: the worker is a background
        loop in production, and a test runs exactly one round of it instead of waiting.
        """
        await self.runtime.relays.deliver_pending()
        await self.runtime.relays.wait_opening()
        await self.settle()
