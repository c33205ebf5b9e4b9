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


def test_every_toml_example_in_the_docs_loads_as_a_config(tmp_path):
    """An operator copies these blocks into tocsin.toml: each must parse and pass the config's checks."""
    import re

    from tocsin.config import load_settings

    blocks = [(path.name, block) for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
              for block in re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)]
    assert blocks, "no TOML example found"
    for n, (name, block) in enumerate(blocks):
        config = tmp_path / f"example-{n}.toml"
        config.write_text(block, encoding="utf-8")
        try:
            load_settings(config, env={})
        except Exception as e:  # noqa: BLE001 - named with its file below
            if "no such file" not in str(e):   # an example naming the operator's own lexicon or certificate file
                raise AssertionError(f"the TOML example {n} of {name} does not load: {e}") from None


def test_every_link_between_the_docs_reaches_a_file_and_heading():
    import re

    def slug(heading: str) -> str:   # GitHub's anchors: lower case, punctuation dropped, spaces as hyphens
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target, anchor in re.findall(r"\]\(([\w./-]+\.md)(?:#([\w-]+))?\)", page.read_text(encoding="utf-8")):
            linked = (page.parent / target).resolve()
            if not linked.is_file():
                broken.append(f"{page.name} → {target}")
            elif anchor and anchor not in {slug(h) for h in re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)}:
                broken.append(f"{page.name} → {target}#{anchor}")
    assert broken == []
