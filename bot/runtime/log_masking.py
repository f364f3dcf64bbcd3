"""Keeping buyers' personal data out of the logs.

Buyers paste phone numbers and addresses into chats, and handlers log what they could
not answer. A logging filter on the root handler masks them in every record, whatever
module wrote it: phones keep their first 3 and last 4 digits, ID numbers their last 4,
addresses their province/city and lose the street and number.
"""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{14}(\d{3}[\dXx])(?!\d)")
_ADDRESS = re.compile(
    r"((?:[\u4e00-\u9fff]{2,6}(?:省|自治区|市|州|盟)){1,2}(?:[\u4e00-\u9fff]{1,6}(?:区|县|旗))?)"
    r"[\u4e00-\u9fff\w\-#]{2,40}?(?:路|街|道|巷|弄|村|小区|大厦|花园|公寓)[\w\-#号栋单元室楼层]*")


def mask(text: str) -> str:
    text = _PHONE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    text = _ID_CARD.sub(lambda m: f"**************{m[1]}", text)
    return _ADDRESS.sub(lambda m: f"{m[1]}***", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
