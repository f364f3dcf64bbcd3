"""`livedesk returns decide` prints the decision the chat reaches, as JSON or text."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()


def decide(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["returns", "decide", *args])
    return result.exit_code, result.output


def test_demo_orders_as_json() -> None:
    expected = {
        ("1004", "BS-SCARF", "changed_mind"): ("accept", "26.00"),
        ("1004", "BS-DRESS", "changed_mind"): ("offer", "104.00"),
        ("1005", "BS-CARDIGAN", "changed_mind"): ("decline", None),
        ("1006", "MX-GIFTBOX", "changed_mind"): ("decline", None),
        ("1007", "XG-ORANGE", "changed_mind"): ("decline", None),
        ("1007", "XG-ORANGE", "quality"): ("need_photos", None),
    }
    for (order, sku, reason), (outcome, refund) in expected.items():
        code, output = decide(order, sku, "--reason", reason, "--json")
        assert code == 0, output
        result = json.loads(output)
        assert set(result) == {"decision", "refund", "offer", "coupon", "why"}
        assert (result["decision"], result["refund"]) == (outcome, refund), (order, sku, reason, result)
    code, output = decide("1007", "XG-ORANGE", "--reason", "quality", "--photos", "2", "--json")
    assert json.loads(output)["refund"] == "39.90"


def test_text_output_and_a_time_past_the_window() -> None:
    code, output = decide("1004", "BS-SCARF", "--reason", "changed_mind")
    assert code == 0 and "refund: 26.00" in output
    code, output = decide("1004", "BS-SCARF", "--reason", "changed_mind", "--at", "2099-01-01", "--json")
    assert json.loads(output)["decision"] == "decline"


def test_bad_arguments_exit_non_zero_with_a_clear_message() -> None:
    assert decide("9999", "BS-SCARF", "--reason", "quality") == (2, "error: no order 9999\n")
    code, output = decide("1004", "MX-LONGJING", "--reason", "quality")
    assert code == 2 and "order 1004 has no MX-LONGJING" in output
    code, output = decide("1004", "NOPE", "--reason", "quality")
    assert code == 2 and "unknown SKU NOPE" in output
    code, output = decide("1004", "BS-SCARFx3", "--reason", "quality")
    assert code == 2 and "has 1 x BS-SCARF, not 3" in output
    code, _ = decide("1004", "BS-SCARF", "--reason", "bored")
    assert code == 2
