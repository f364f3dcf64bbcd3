"""`sla report --json`: the shape ops scripts and dashboards rely on."""

from __future__ import annotations

import asyncio
import json
import socket

from redis.asyncio import Redis
from sla_helpers import AGENT, BUYER, SHOP, Desk, sh, utc_clock
from typer.testing import CliRunner

from bot.cli.sla import sla_app

FIELDS = {"id", "rounds", "reply_rate_30s", "reply_rate_3m", "first_response_avg_s",
          "avg_response_s", "non_service_rate", "dissatisfaction_rate", "served"}


def _url(redis: Redis) -> str:
    kw = redis.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', '127.0.0.1')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


async def _invoke(args: list[str]) -> tuple[int, str]:
    # The command runs its own event loop (asyncio.run), so it runs in a worker thread.
    result = await asyncio.to_thread(CliRunner().invoke, sla_app, args, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout  # stderr says which Redis was read


async def test_report_json_shape(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(12)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    await desk.rec.close(SHOP, "c1", AGENT)
    await desk.rec.rating(SHOP, "c1", AGENT, "dissatisfied")
    await desk.rec.handoff("mingxiang", "c2", "700002")  # waiting, nothing answered yet

    code, out = await _invoke(["report", "--week", "2026-W48", "--json",
                               "--redis-url", _url(redis), "--prefix", key_prefix])
    assert code == 0, out
    data = json.loads(out)
    assert set(data) == {"period", "agents", "shops", "hours"}
    # The week so far (the CLI reads "today" from the system clock) and each shop by hour.
    assert [s["id"] for s in data["hours"]["shops"]] == ["beishang", "mingxiang"]
    assert data["hours"]["all"]["handoffs"][10] == 2 and data["hours"]["all"]["reply_times"]["10_30"] == 1
    assert data["period"]["key"] == "2026-W48"
    assert [s["id"] for s in data["shops"]] == ["beishang", "mingxiang"]
    assert [a["id"] for a in data["agents"]] == [AGENT]
    for entry in data["agents"] + data["shops"]:
        assert FIELDS <= set(entry)
        assert {"hold_without_followup", "repeated_reply", "slow_days"} <= set(entry["flags"])
    beishang, mingxiang = data["shops"]
    assert beishang["rounds"] == 1
    assert beishang["reply_rate_30s"] == 1.0
    assert beishang["first_response_avg_s"] == 12.0
    assert beishang["non_service_rate"] == 0.0
    assert beishang["dissatisfaction_rate"] == 1.0
    assert beishang["served"] == 1
    assert mingxiang["rounds"] == 0
    assert mingxiang["reply_rate_30s"] is None  # nothing to divide
    assert mingxiang["avg_response_s"] is None


async def test_report_filters_by_shop_and_agent_and_day(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    await desk.rec.handoff(SHOP, "c2", "700002")
    await desk.rec.agent_reply(SHOP, "c2", "900002", "700002", "您好")
    await desk.rec.handoff("mingxiang", "c3", "700003")

    code, out = await _invoke(["report", "--day", "2026-11-23", "--shop", SHOP, "--agent", AGENT,
                               "--json", "--redis-url", _url(redis), "--prefix", key_prefix])
    assert code == 0, out
    data = json.loads(out)
    assert data["period"]["key"] == "2026-11-23"
    assert [s["id"] for s in data["shops"]] == [SHOP]
    assert [a["id"] for a in data["agents"]] == [AGENT]
    assert data["agents"][0]["rounds"] == 1


async def test_report_table_and_bad_period(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    code, out = await _invoke(["report", "--day", "2026-11-23", "--redis-url", _url(redis),
                               "--prefix", key_prefix])
    assert code == 0, out
    assert AGENT in out and "beishang" in out and "100.0%" in out
    code, out = await _invoke(["report", "--week", "2026-W60", "--redis-url", _url(redis),
                               "--prefix", key_prefix])
    assert code != 0
    code, out = await _invoke(["report", "--week", "2026-W48", "--day", "today",
                               "--redis-url", _url(redis), "--prefix", key_prefix])
    assert code != 0


async def _invoke_split(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = await asyncio.to_thread(CliRunner().invoke, sla_app, args, env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_report_says_which_redis_it_reads(redis: Redis, key_prefix: str) -> None:
    code, out, err = await _invoke_split(["report", "--json", "--redis-url", _url(redis), "--prefix", key_prefix])
    assert code == 0, err
    assert f"Redis: {_url(redis)}, key prefix '{key_prefix}'" in err
    assert json.loads(out)["period"]["kind"] == "day"  # stdout stays pure JSON


async def test_unreachable_redis_is_one_clear_line_with_the_password_masked() -> None:
    url = f"redis://:s3cret@127.0.0.1:{_free_port()}/0"
    code, out, err = await _invoke_split(["report"], env={"REDIS_URL": url})
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == f"Redis: redis://:***@127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}/0, key prefix 'ld'"
    assert len(lines) == 2 and lines[1].startswith("Cannot reach Redis at redis://:***@127.0.0.1:")
    assert "s3cret" not in err + out and "Traceback" not in err + out
