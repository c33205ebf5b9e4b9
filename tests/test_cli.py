"""The CLI: every command has help; init writes a config and a database that status can read."""

from __future__ import annotations

from tocsin.cli import main


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, (*prefix, name))


def test_every_command_has_a_one_line_help(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for path, cmd in all_commands(main):
        assert (cmd.help or "").strip(), f"'tocsin {' '.join(path)}' has no help text"
        sub = runner.invoke(main, [*path, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "Usage:" in sub.output
        for param in cmd.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"option {param.name} of 'tocsin {' '.join(path)}' has no help"
    top = result.output
    for name in main.commands:
        assert name in top


def test_init_then_status(runner, tmp_path):
    target = tmp_path / "x"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "tocsin.toml").is_file() and (target / "tocsin.db").is_file()
    result = runner.invoke(main, ["--db", str(target / "tocsin.db"), "status"])
    assert result.exit_code == 0, result.output
    assert "items" in result.output
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code != 0 and "--force" in again.output
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "tocsin.db").write_text("not a database", encoding="utf-8")
    refused = runner.invoke(main, ["init", str(junk)])
    assert refused.exit_code == 2 and "is not a tocsin database" in refused.output
    assert not (junk / "tocsin.toml").exists()


def test_status_without_database_says_how_to_create_one(runner, tmp_path):
    result = runner.invoke(main, ["--db", str(tmp_path / "none.db"), "status"])
    assert result.exit_code == 2
    assert "tocsin init" in result.output


def test_a_model_that_cannot_be_loaded_is_one_clear_message(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = tmp_path / "tocsin.toml"
    config.write_text(f"[model]\npath = {str(tmp_path / 'no-such-model')!r}\n", encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "classify"], input="hello\n")
    assert result.exit_code == 2 and "cannot load the classifier" in result.output and "model.path" in result.output
    assert "Traceback" not in result.output
