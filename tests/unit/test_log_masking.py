"""Buyers' phone numbers, ID numbers and street addresses never reach the logs in full."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator

import pytest

from bot.runtime.log_masking import PersonalDataFilter, mask

PHONE = "13812345678"
ID_CARD = "110101199003071234"
ADDRESS = "浙江省杭州市西湖区文三路478号华星大厦5楼"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A fresh logger with the filter, as handlers' loggers would have it."""
    log = logging.getLogger(f"test.masking.{uuid.uuid4().hex}")
    log.setLevel(logging.DEBUG)
    log.addFilter(PersonalDataFilter())
    yield log
    log.filters.clear()


def logged(caplog: pytest.LogCaptureFixture, logger: logging.Logger, msg: str, *args: object) -> str:
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.info(msg, *args)
    (record,) = [r for r in caplog.records if r.name == logger.name]
    return record.getMessage()


def test_phone_number_in_args_is_masked(caplog, logger) -> None:
    text = logged(caplog, logger, "could not answer buyer %s: %r", 700001, f"我的手机是{PHONE}，帮我改一下")
    assert PHONE not in text
    assert "138****5678" in text
    assert "700001" in text  # the buyer's Telegram id is not personal data to hide


def test_id_card_number_keeps_only_its_last_four(caplog, logger) -> None:
    text = logged(caplog, logger, "buyer wrote: %s", f"身份证{ID_CARD}")
    assert ID_CARD not in text and "19900307" not in text
    assert text.endswith("1234")


def test_id_card_number_ending_in_x_is_masked(caplog, logger) -> None:
    text = logged(caplog, logger, "buyer wrote: %s", "11010119900307123X")
    assert "19900307" not in text and text.endswith("123X")


def test_street_address_keeps_province_and_city_only(caplog, logger) -> None:
    text = logged(caplog, logger, "改地址 for order %s: %s", "1002", f"新地址：{ADDRESS}")
    assert "文三路" not in text and "478号" not in text and "华星大厦" not in text
    assert "浙江省杭州市" in text
    assert "1002" in text


@pytest.mark.parametrize(("address", "kept", "hidden"), [
    ("北京市朝阳区建国路88号", "北京市", "建国路"),
    ("上海市浦东新区张江路1号3栋201室", "上海市", "201室"),
    ("广东省深圳市南山区科技园路1号", "广东省深圳市", "科技园路"),
])
def test_other_addresses_are_masked(address, kept, hidden) -> None:
    masked = mask(f"寄到{address}")
    assert kept in masked and hidden not in masked


def test_everything_in_one_message_is_masked(caplog, logger) -> None:
    text = logged(caplog, logger, "%s / %s / %s", PHONE, ID_CARD, ADDRESS)
    assert PHONE not in text and ID_CARD not in text and "文三路" not in text


def test_order_ids_prices_and_tracking_numbers_are_kept(caplog, logger) -> None:
    message = "order %s paid %s, tracking %s, sku %s, at %s"
    args = ("1004", "130.00", "SF1402233445566", "BS-DRESS", "2026-11-23 12:00")
    text = logged(caplog, logger, message, *args)
    assert text == message % args


@pytest.mark.parametrize("text", ["订单1004", "¥13812.00", "price 120.00", "buyer 700001",
                                  "chat -1001000000100", "timestamp 1700000000123", "第一次下单"])
def test_non_personal_text_is_unchanged(text) -> None:
    assert mask(text) == text


def test_record_without_personal_data_keeps_its_args(caplog, logger) -> None:
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.info("order %s for buyer %s", "1004", 700001)
    (record,) = caplog.records
    assert record.args == ("1004", 700001)  # untouched: formatting stays lazy and exact


def test_filter_on_a_handler_masks_records_of_any_module() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger(f"bot.somewhere.{uuid.uuid4().hex}")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("unanswered from %s: %s", 700002, f"电话{PHONE} 地址{ADDRESS}")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert PHONE not in out and "文三路" not in out
    assert "138****5678" in out and "700002" in out


@pytest.mark.parametrize("written", ["138 1234 5678", "138-1234-5678", "+8613812345678"])
def test_phone_numbers_written_the_usual_other_ways_are_masked(written) -> None:
    # Buyers paste numbers with spaces, dashes or the +86 country code.
    masked = mask(f"我的电话{written}")
    assert "1234" not in masked


@pytest.mark.parametrize("written", ["138.1234.5678", "138 1234 5678", "+86 138 1234 5678",
                                     "１３８１２３４５６７８", "１３８ １２３４ ５６７８", "138·1234·5678"])
def test_phone_numbers_with_dots_spaces_or_full_width_digits_are_masked(written) -> None:
    masked = mask(f"电话：{written}，谢谢")
    assert "1234" not in masked and "１２３４" not in masked
    assert masked.startswith("电话：") and masked.endswith("，谢谢")  # the text around is kept


def test_full_width_phone_keeps_its_own_first_and_last_digits() -> None:
    assert mask("手机１３８１２３４５６７８") == "手机138****5678"


@pytest.mark.parametrize(("written", "last"), [("１１０１０１１９９００３０７１２３４", "1234"),
                                               ("１１０１０１１９９００３０７１２３Ｘ", "123X"),
                                               ("ID110101199003071234", "1234")])
def test_full_width_id_card_numbers_are_masked(written, last) -> None:
    masked = mask(f"身份证 {written}")
    assert "19900307" not in masked.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    assert masked.endswith(last)


@pytest.mark.parametrize(("written", "shown"), [("zhang.san@qq.com", "z***@qq.com"),
                                                ("Li_Wei+shop@mail.example.cn", "L***@mail.example.cn"),
                                                ("ｗａｎｇ＠１６３．ｃｏｍ", "w***@163.com")])
def test_email_addresses_keep_only_their_first_letter_and_domain(written, shown) -> None:
    masked = mask(f"邮箱是{written}，发票发这里")
    assert masked == f"邮箱是{shown}，发票发这里"


def test_a_traceback_carrying_personal_data_is_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger(f"bot.crashing.{uuid.uuid4().hex}")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            raise ValueError(f"cannot parse address {ADDRESS} for {PHONE} / zhang.san@qq.com")
        except ValueError:
            log.exception("update %s failed", 42)
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out and "update 42 failed" in out
    assert PHONE not in out and "文三路" not in out and "zhang.san" not in out
    assert "138****5678" in out


def test_a_failed_message_text_is_masked_when_logged() -> None:
    # What the outbox logs when Telegram refuses a message for good.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger(f"bot.telegram.sending.{uuid.uuid4().hex}")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.error("gave up sending %s to chat %s (reply to %s): %s; text was %r", "relay", 700001, None,
                  "Bad Request: chat not found", f"亲，已为您改为{ADDRESS}\n电话１３８ １２３４ ５６７８")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "文三路" not in out and "１２３４" not in out and "gave up sending relay" in out


@pytest.mark.parametrize("text", ["价格１２０．００元", "订单１００４", "v1.2.3", "a@b", "SF1402233445566"])
def test_full_width_and_dotted_non_personal_text_is_unchanged(text) -> None:
    assert mask(text) == text
