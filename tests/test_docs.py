"""Docs stay true: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

from tocsin.cli import main
from tocsin.config_docs import render

ROOT = Path(__file__).resolve().parent.parent


def test_configuration_page_is_current():
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == render(), (
        "run: python -m tocsin.config_docs > docs/configuration.md"
    )


def test_readme_names_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"tocsin {name}" not in readme and f"`{name}`" not in readme]
    assert missing == [], f"README.md does not mention: {missing}"
