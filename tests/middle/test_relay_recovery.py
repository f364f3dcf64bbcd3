"""The relay worker across claims that run out and relay work that stops and resumes:
a buyer's message reaches the topic once, and soon (issue 9: nothing twice, nothing held
back for a whole relay lease)."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.runtime.settings import RuntimeSettings
from tests.middle.handoff_steps import hand_off
from tests.middle.telegram import AGENTS, SAFETY_TIMEOUT, XIAO_WANG, Telegram

RELEASE_AFTER_S = 0.01
"""Real seconds a new holding of the relay work waits before releasing earlier claims (the
runtime uses the lease time): short, so the second test sees the release in a few rounds."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"runtime": RuntimeSettings(lease_seconds=RELEASE_AFTER_S)})


def copied(tg: Telegram) -> list[int]:
    """The buyer's message ids copied into the agents' group since the last check, in order."""
    ids = []
    while any(c.method == "copyMessage" for c in tg.api.unconsumed):
        ids.append(tg.api.take("copyMessage", AGENTS).params["message_id"])
    return ids


async def test_a_copy_slower_than_its_claim_is_not_handed_out_again(tg: Telegram) -> None:
    """A copy can wait longer than its relay's claim (the agents' group's pace on a sale
    night): the next round must not send the message again."""
    await hand_off(tg, XIAO_WANG)
    asked = await tg.private(XIAO_WANG, "在吗 我的快递到哪了")
    held = tg.api.hold("copyMessage")
    first = asyncio.create_task(tg.runtime.relays.deliver_pending())
    await asyncio.wait_for(held.reached.wait(), SAFETY_TIMEOUT)
    tg.clock.advance(tg.runtime.settings.handoff.relay_lease_s + 1)  # the claim ran out meanwhile
    assert await asyncio.wait_for(tg.runtime.relays.deliver_pending(), SAFETY_TIMEOUT) == 0
    held.release()
    assert await first == 1
    await tg.settle()
    assert copied(tg) == [asked.message_id]


async def test_relays_left_claimed_when_the_relay_work_stopped_go_out_once_it_resumes(tg: Telegram) -> None:
    """The relay work stops mid-round (its lease lost while Redis was away): the copy on its
    way still goes out; the relay claimed behind it goes out once the work resumes, not a
    relay lease (30 s) later, and the first is not sent again."""
    relays = tg.runtime.relays
    await hand_off(tg, XIAO_WANG)
    first = await tg.private(XIAO_WANG, "第一句")
    second = await tg.private(XIAO_WANG, "第二句")
    held = tg.api.hold("copyMessage")
    work = asyncio.create_task(relays.round())  # claims both; the first copy is on its way
    await asyncio.wait_for(held.reached.wait(), SAFETY_TIMEOUT)
    work.cancel()
    await asyncio.gather(work, return_exceptions=True)
    await relays.stop()
    held.release()
    await tg.settle()
    assert copied(tg) == [first.message_id]

    tg.clock.advance(2)  # the lease comes back to this process a little later
    resumed: list[int] = []  # the work held again: rounds until the release lets the second out
    deadline = asyncio.get_running_loop().time() + SAFETY_TIMEOUT
    while not resumed:
        assert asyncio.get_running_loop().time() < deadline, "the relay claimed before never came back"
        await relays.round()
        await tg.settle()
        resumed = copied(tg)
    assert resumed == [second.message_id]
