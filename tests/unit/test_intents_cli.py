"""`livedesk intents eval` as ops run it: every section printed, held-out text never shown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli.intents import intents_app

HEADER = "channel\tstage\ttext\tintent\tsku\tsource\n"
runner = CliRunner()


def test_eval_prints_each_set_apart_and_never_a_held_out_line(tmp_path: Path) -> None:
    # Held-out rows labelled wrongly on purpose: they land among the confusions, where own
    # rows are shown with an example and held-out ones must not be.
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text(HEADER
                        + "private\t-\t保密行甲 围巾多少钱\tshipping_fee\t-\treal:1\n"
                        + "private\t-\t围巾多少钱呀\tprice\tBS-SCARF\town:1\n"
                        + "private\t-\t我要投诉你们\tcomplaint\t-\town:2\n", encoding="utf-8")
    everyday = tmp_path / "everyday.tsv"
    everyday.write_text(HEADER
                        + "private\t-\t保密行乙 包邮吗\tcourier\t-\teveryday:1\n"
                        + "live\tBS-DRESS\t保密行丙 666\tnoise\t-\teveryday:2\n", encoding="utf-8")

    result = runner.invoke(intents_app, ["eval", "--file", str(labelled), "--everyday", str(everyday),
                                         "--folds", "2"])

    assert result.exit_code == 0, result.output
    for section in ("1. Own examples", "whole reading at confident", "2. Held out", "3. Rows written",
                    "7. Everyday phrasings written apart from the examples (2 rows"):
        assert section in result.output
    assert "保密行" not in result.output
    real_confusions = result.output.split("5. Top confusions")[1].split("6. Top confusions")[0]
    assert "shipping_fee" in real_confusions and "price" in real_confusions
    everyday_confusions = result.output.split("9. Top confusions")[1]
    assert "courier" in everyday_confusions and "shipping_fee" in everyday_confusions


def test_eval_without_an_everyday_set_prints_the_rest(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text(HEADER + "private\t-\t围巾多少钱呀\tprice\tBS-SCARF\town:1\n", encoding="utf-8")
    result = runner.invoke(intents_app, ["eval", "--file", str(labelled), "--everyday",
                                         str(tmp_path / "absent.tsv"), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "3. Rows written" in result.output and "7. Everyday" not in result.output
