"""Ops edit the files: a broken template is refused with file and line, the last good stays live."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from bot.cli.main import app
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT
from bot.knowledge.snapshot import load_knowledge
from tests.e2e.harness import NANA, XIAO_WANG, demo_settings, running_bot

pytestmark = pytest.mark.e2e

RELOAD_TIMEOUT_S = 30.0
"""A reload loads every file, trains the topic model and lints every template: seconds on a
busy machine, so its reply gets longer than a chat answer's default wait."""


def _copy_data(tmp_path: Path) -> dict[str, Path]:
    dirs = {}
    for name in ("shop", "templates", "promo_rules"):
        dirs[name] = tmp_path / name
        shutil.copytree(PROJECT_ROOT / name, dirs[name])
    return dirs


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`livedesk sandbox` configures the root logger; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_the_bot_refuses_to_start_on_a_broken_template(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = _copy_data(tmp_path)
    price = dirs["templates"] / "zh-CN" / "price.j2"
    price.write_text(price.read_text(encoding="utf-8") + "{% if product.price %}没有结束\n", encoding="utf-8")
    monkeypatch.setenv("TEMPLATES_DIR", str(dirs["templates"]))
    result = CliRunner().invoke(app, ["sandbox", "--port", "0"])
    assert result.exit_code == 1
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert f"{price}:" in output and "Jinja syntax" in output
    assert "Refusing to start" in output


def test_templates_lint_names_file_and_line_of_an_undefined_variable(tmp_path: Path) -> None:
    dirs = _copy_data(tmp_path)
    stock = dirs["templates"] / "en" / "material.j2"
    lines = stock.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("product.material", "product.fabrik")
    stock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["templates", "lint", str(dirs["templates"])])
    assert result.exit_code == 1
    assert f"{stock}:2:" in result.output and "fabrik" in result.output


async def test_reload_with_a_broken_file_keeps_the_last_good_answers(
        tmp_path: Path, redis: Redis, key_prefix: str) -> None:
    dirs = _copy_data(tmp_path)
    settings = demo_settings(key_prefix, shop_dir=dirs["shop"], templates_dir=dirs["templates"],
                             promo_dir=dirs["promo_rules"])
    knowledge = load_knowledge(settings, SystemClock().now())
    async with running_bot(settings, redis, knowledge) as session:
        products = dirs["shop"] / "products.yaml"
        good = products.read_text(encoding="utf-8")
        products.write_text(good.replace('price: "120.00"', 'price: "12O.00"'), encoding="utf-8")
        report = await session.private(NANA, "/reload", timeout=RELOAD_TIMEOUT_S)
        assert "重新加载失败" in report.text and "products.yaml:" in report.text and "price" in report.text
        answer = await session.private(XIAO_WANG, "连衣裙多少钱")
        assert "120.00" in answer.text  # the last good catalogue still answers

        products.write_text(good.replace('price: "120.00"', 'price: "118.00"'), encoding="utf-8")
        report = await session.private(NANA, "/reload", timeout=RELOAD_TIMEOUT_S)
        assert "数据已重新加载" in report.text
        answer = await session.private(XIAO_WANG, "连衣裙多少钱")
        assert "118.00" in answer.text  # editing the data changed the answer, no code change


async def test_reload_is_for_ops_only(redis: Redis, key_prefix: str) -> None:
    settings = demo_settings(key_prefix)
    knowledge = load_knowledge(settings, SystemClock().now())
    async with running_bot(settings, redis, knowledge) as session:
        reply = await session.private(XIAO_WANG, "/reload")
        assert "只有运营账号" in reply.text
