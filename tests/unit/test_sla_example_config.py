"""livedesk.example.yaml writes out every SLA definition, with the defaults the code uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.sla.settings import SlaSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "livedesk.example.yaml"


def test_example_sla_section_lists_every_setting_with_its_default() -> None:
    section = yaml.safe_load(EXAMPLE.read_text("utf-8"))["sla"]
    assert set(section) == set(SlaSettings.model_fields)
    assert SlaSettings.model_validate(section) == SlaSettings()
