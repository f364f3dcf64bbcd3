"""No class in bot/ over 250 lines or 20 methods (issue 8): a class that big holds more
than one concern, and the next newcomer cannot see where a change goes. Nothing is
allow-listed; split the class instead."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
MAX_LINES = 250
MAX_METHODS = 20


def _classes() -> list[tuple[str, int, int]]:
    """(where, lines, methods) of every class in bot/, nested ones included."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                lines = (node.end_lineno or node.lineno) - start + 1
                methods = sum(isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                              for item in node.body)
                where = f"{path.relative_to(BOT.parent)}:{node.lineno} {node.name}"
                found.append((where, lines, methods))
    return found


def test_the_walk_sees_the_classes_of_bot() -> None:
    names = {where.rsplit(" ", 1)[1] for where, _, _ in _classes()}
    assert {"ConversationStore", "TelegramState", "AgentDesk"} <= names


def test_no_class_over_250_lines_or_20_methods() -> None:
    too_big = [f"{where}: {lines} lines, {methods} methods"
               for where, lines, methods in _classes()
               if lines > MAX_LINES or methods > MAX_METHODS]
    assert not too_big, "split these classes:\n" + "\n".join(too_big)
