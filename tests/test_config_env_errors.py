"""A config path that names no file says what gave it (``--config`` or ``TOCSIN_CONFIG``), the path and the fix."""

from __future__ import annotations

import pytest

from tocsin.cli import main
from tocsin.config import ConfigError, load_settings


def test_tocsin_config_naming_a_missing_file_names_the_variable_the_path_and_the_fix(tmp_path, runner):
    missing = tmp_path / "gone" / "tocsin.toml"
    result = runner.invoke(main, ["status"], env={"TOCSIN_CONFIG": str(missing), "TOCSIN_DB": ""})
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"TOCSIN_CONFIG = '{missing}': no such file" in message
    assert "unset it to read ./tocsin.toml" in message and "tocsin init DIR" in message
    assert "--config" not in message


def test_tocsin_config_naming_a_folder_names_the_variable_and_the_file_to_give(tmp_path, runner):
    result = runner.invoke(main, ["status"], env={"TOCSIN_CONFIG": str(tmp_path), "TOCSIN_DB": ""})
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"TOCSIN_CONFIG = '{tmp_path}': a folder, not a file" in message
    assert str(tmp_path / "tocsin.toml") in message and "TOCSIN_CONFIG where it is set" in message
    assert "--config" not in message


def test_a_missing_file_given_to_the_option_names_the_option_even_with_the_variable_set(tmp_path, runner):
    missing = tmp_path / "nope.toml"
    result = runner.invoke(main, ["--config", str(missing), "status"],
                           env={"TOCSIN_CONFIG": str(tmp_path / "other.toml")})
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"--config = '{missing}': no such file; fix the path given to --config" in message
    assert "TOCSIN_CONFIG" not in message


def test_load_settings_says_what_gave_the_missing_path(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path / "nope.toml", env={}, named_by="TOCSIN_CONFIG")
    assert raised.value.key == "TOCSIN_CONFIG" and str(raised.value).startswith("TOCSIN_CONFIG = ")
