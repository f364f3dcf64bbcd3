"""Keeping buyers' personal data out of the logs.

Buyers paste phone numbers, e-mail addresses, ID numbers and addresses into chats, and
handlers log what they could not answer (and what Telegram refused to deliver). A
logging filter on the root handler masks them in every record, whatever module wrote it,
in the message and in an exception's traceback or stack trace alike:

- phones keep their first 3 and last 4 digits, whether written in one block or grouped
  with spaces, dashes or dots, with or without +86;
- ID-card numbers (18 characters, the last one may be X) keep their last 4;
- e-mail addresses keep the first character of the name and the domain;
- addresses keep their province/city and lose the street and number.

Full-width digits and letters (１３８…, ＠, Ｘ) are read as their ASCII forms: matching
runs on a folded copy of the same length, and the masked spans are cut from the original,
so text around personal data is logged exactly as written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to ASCII, one character
# for one character, so match positions on the folded text are positions in the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_SEP = r"[ \t\-.·]?"
_PHONE = re.compile(rf"(?<![\d+.])(?:\+?86{_SEP})?(1[3-9]\d){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?![\d.]\d)(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{14}(\d{3}[\dXx])(?![\dXx])")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*"
                    r"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_ADDRESS = re.compile(
    r"((?:[\u4e00-\u9fff]{2,6}(?:省|自治区|市|州|盟)){1,2}(?:[\u4e00-\u9fff]{1,6}(?:区|县|旗))?)"
    r"[\u4e00-\u9fff\w\-#]{2,40}?(?:路|街|道|巷|弄|村|小区|大厦|花园|公寓)[\w\-#号栋单元室楼层]*")


def _replace(text: str, pattern: re.Pattern[str], masked: Callable[[re.Match[str]], str]) -> str:
    """Replace each match found on the folded text with `masked(match)`, in the original."""
    folded = text.translate(_FOLD)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        pieces.append(text[last:match.start()])
        pieces.append(masked(match))
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def mask(text: str) -> str:
    """`text` with the personal data above masked; anything else is left as it was."""
    text = _replace(text, _ID_CARD, lambda m: f"**************{m[1]}")
    text = _replace(text, _PHONE, lambda m: f"{m[1]}****{m[3]}")
    text = _replace(text, _EMAIL, lambda m: f"{m[1]}***@{m[2]}")
    return _replace(text, _ADDRESS, lambda m: f"{m[1]}***")


class PersonalDataFilter(logging.Filter):
    """Masks a record's message, traceback and stack before any handler formats it."""

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the masked traceback is what they print.
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
