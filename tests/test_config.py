"""Config: defaults, help for every key, env overrides, and exit 2 with the key's name on bad input."""

from __future__ import annotations

import pytest

from tocsin.cli import main
from tocsin.cli.setup import starter_config_text
from tocsin.config import ConfigError, describe_settings, env_keys, load_settings


def write(tmp_path, text: str):
    path = tmp_path / "tocsin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_has_help_text():
    rows = describe_settings()
    assert len(rows) > 60
    missing = [key for key, help_text, _ in rows if not help_text.strip()]
    assert missing == []


def test_starter_config_loads_and_lists_regional_and_demo_sources(tmp_path):
    settings = load_settings(write(tmp_path, starter_config_text()), env={})
    real = [s for s in settings.sources if not s.name.startswith("demo-")]
    demo = [s for s in settings.sources if s.name.startswith("demo-")]
    assert len(real) >= 15 and not any(s.enabled for s in real)
    assert {s.language for s in real} >= {"ru", "ky", "uz"}
    assert {s.kind for s in real} >= {"feed", "sitemap", "telegram"}
    assert demo and all(s.enabled and s.allow_private_networks for s in demo)
    assert settings.crawl.allow_private_networks is False


def test_env_overrides_keys(tmp_path):
    path = write(tmp_path, "[model]\nthreshold = 0.4\n")
    settings = load_settings(path, env={"TOCSIN_MODEL_THRESHOLD": "0.7", "TOCSIN_CRAWL_OBEY_ROBOTS_TXT": "false",
                                        "TOCSIN_NLP_LANGUAGES": "ru, ky"})
    assert settings.model.threshold == 0.7
    assert settings.crawl.obey_robots_txt is False
    assert settings.nlp.languages == ["ru", "ky"]
    assert "TOCSIN_DATABASE_PATH" in env_keys()


@pytest.mark.parametrize(
    "text, key",
    [
        ("[model]\nthreshhold = 0.5\n", "model.threshhold"),
        ("[model]\nthreshold = 'high'\n", "model.threshold"),
        ("[model]\nthreshold = 1.5\n", "model.threshold"),
        ("[crawl]\nretries = true\n", "crawl.retries"),
        ("[crawl]\nretries = -3\n", "crawl.retries"),
        ("[crawl]\ntimeout_s = 0\n", "crawl.timeout_s"),
        ("[crawl]\nmax_page_bytes = 0\n", "crawl.max_page_bytes"),
        ("[model]\nmax_length = 16\nstride = 64\n", "model.stride"),
        ("[model]\nthreads = -1\n", "model.threads"),
        ("[retention]\nretention_days = -5\n", "retention.retention_days"),
        ("[nlp]\nlanguages = ['ru', 'xx']\n", "nlp.languages"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurls = ['https://x.kg/rss']\nmax_pages = -1\n", "sources[0].max_pages"),
        ("[[sources]]\nname = 'x'\nkind = 'json'\nurls = ['https://x.kg/api']\npagination = {mode = 'weird'}\n",
         "sources[0].pagination.mode"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurls = ['ftp://x.kg/rss']\n", "sources[0].urls[0]"),
        ("[[sources]]\nname = 'x'\nkind = 'carrier-pigeon'\nurls = ['https://x.kg/']\n", "sources[0].kind"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurls = ['http://[::1/rss']\n", "sources[0].urls[0]"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurls = ['https://x.kg:99999/rss']\n", "sources[0].urls[0]"),
        ("[nlp]\nextra_lexicons = ['missing.jsonl']\n", "nlp.extra_lexicons[0]"),
        ("[[alerts.rules]]\nname = 'r'\nsinks = ['nowhere']\n", "alerts.rules[0].sinks"),
        ("[model\nthreshold = 0.5\n", "(file)"),
        ("[review]\nsession_hours = -3\n", "review.session_hours"),
        ("[review]\npage_size = 0\n", "review.page_size"),
        ("[review]\nlogin_attempts_per_minute = 0\n", "review.login_attempts_per_minute"),
        ("[database]\nbusy_timeout_ms = -5\n", "database.busy_timeout_ms"),
        ("[daemon]\nstop_grace_s = -1\n", "daemon.stop_grace_s"),
        ("[distributed]\nheartbeat_s = 0\n", "distributed.heartbeat_s"),
        ("[distributed]\nmax_stream_entries = -1\n", "distributed.max_stream_entries"),
        ("[distributed]\nstream = ' '\n", "distributed.stream"),
        ("[[alerts.sinks]]\nname = 'mail'\nkind = 'email'\nsmtp_host = 'localhost'\nrecipients = ['a@example.org']\n"
         "smtp_port = 70000\n", "alerts.sinks[0].smtp_port"),
        ("[[alerts.sinks]]\nname = 'mail'\nkind = 'email'\nsmtp_host = 'localhost'\nrecipients = ['a@example.org']\n"
         "sender = ''\n", "alerts.sinks[0].sender"),
        ("[[alerts.rules]]\nname = 'r'\nrepeat_interval_minutes = 0\n", "alerts.rules[0].repeat_interval_minutes"),
        ("[[alerts.rules]]\nname = 'r'\nrepeat_interval_minutes = 20\n", "alerts.rules[0].group_interval_minutes"),
        ("[alerts.sinks]\nname = 'x'\nkind = 'console'\n", "alerts.sinks"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurls = ['https://x.kg/rss']\ntimezone = 'UTC+6'\n", "sources[0].timezone"),
    ],
)
def test_bad_config_exits_2_naming_the_key_and_writes_no_database(tmp_path, runner, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert info.value.key == key
    result = runner.invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert key in result.output
    assert not (tmp_path / "tocsin.db").exists()


def test_a_table_written_with_single_brackets_is_told_to_use_double_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"\(a table of them is written \[\[alerts.sinks\]\], with double brackets"):
        load_settings(write(tmp_path, "[alerts.sinks]\nname = 'x'\nkind = 'console'\n"), env={})
    with pytest.raises(ConfigError, match=r"between 0 and the rule's repeat_interval_minutes \(20\)"):
        load_settings(write(tmp_path, "[[alerts.rules]]\nname = 'r'\nrepeat_interval_minutes = 20\n"), env={})


def test_sink_secrets_come_from_the_environment_so_they_stay_out_of_the_file(tmp_path):
    path = write(tmp_path, "[[alerts.sinks]]\nname = 'ngo-mail'\nkind = 'email'\nsmtp_host = 'mail.example.org'\n"
                           "username = 'in-file'\nrecipients = ['ops@example.org']\n[[alerts.sinks]]\nname = 'hook'\n"
                           "kind = 'webhook'\n"
                           "url = 'https://example.org/hook'\n")
    settings = load_settings(path, env={"TOCSIN_SINK_NGO_MAIL_PASSWORD": "s3cret", "TOCSIN_SINK_NGO_MAIL_USERNAME": "ops",
                                        "TOCSIN_SINK_HOOK_SECRET": "whsec_c2VjcmV0"})
    mail, hook = settings.alerts.sinks
    assert (mail.username, mail.password, mail.secret) == ("ops", "s3cret", "")
    assert (hook.secret, hook.password) == ("whsec_c2VjcmV0", "")
    assert load_settings(path, env={}).alerts.sinks[0].username == "in-file"


def test_two_sinks_whose_secret_variables_would_be_one_are_refused(tmp_path):
    path = write(tmp_path, "[[alerts.sinks]]\nname = 'ngo-mail'\nkind = 'console'\n"
                           "[[alerts.sinks]]\nname = 'ngo_mail'\nkind = 'console'\n")
    with pytest.raises(ConfigError, match=r"alerts.sinks\[1\].name.*same variables \(TOCSIN_SINK_NGO_MAIL_\*\) as those of sink 'ngo-mail'"):
        load_settings(path, env={})


def test_bad_env_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="TOCSIN_MODEL_BATCH_SIZE"):
        load_settings(None, env={"TOCSIN_MODEL_BATCH_SIZE": "many"})
    with pytest.raises(ConfigError, match=r"'model.threshold' \(set by the environment variable TOCSIN_MODEL_THRESHOLD\) = 1.6"):
        load_settings(None, env={"TOCSIN_MODEL_THRESHOLD": "1.6"})
    path = write(tmp_path, "[[alerts.sinks]]\nname = 'hook'\nkind = 'webhook'\nurl = 'https://example.org/hook'\n")
    with pytest.raises(ConfigError, match="set by the environment variable TOCSIN_SINK_HOOK_SECRET") as bad:
        load_settings(path, env={"TOCSIN_SINK_HOOK_SECRET": "whsec_not*base64"})
    assert "not*base64" not in str(bad.value)


def test_an_error_in_a_list_of_tables_names_the_entry_by_its_name(tmp_path):
    sources = "".join(f"[[sources]]\nname = 'feed-{n}'\nkind = 'feed'\nurls = ['https://x{n}.kg/rss']\n" for n in range(3))
    bad = sources.replace("urls = ['https://x2.kg/rss']", "urls = ['https://x2.kg/rss']\ninterval_minutes = 0")
    with pytest.raises(ConfigError, match=r"'sources\[2\].interval_minutes' \(the entry with name = \"feed-2\"\) = 0"):
        load_settings(write(tmp_path, bad), env={})
    typo = sources + "[[alerts.sinks]]\nname = 'ngo-file'\nkind = 'file'\npath = 'a.jsonl'\ntimout_s = 3\n"
    with pytest.raises(ConfigError, match=r"'alerts.sinks\[0\].timout_s' \(the entry with name = \"ngo-file\"\)"):
        load_settings(write(tmp_path, typo), env={})


@pytest.mark.parametrize("text, secret", [
    ("[[alerts.sink]]\nname = 'hook'\nkind = 'webhook'\nsecret = 'whsec_TOPSECRET1'\n", "TOPSECRET1"),   # a misspelt table
    ("[[alerts.sinks]]\nname = 'mail'\nkind = 'email'\npassword = 87654321\n", "87654321"),               # not quoted
    ("[[alerts.sinks]]\nname = 'hook'\nkind = 'webhook'\nurl = 'https://example.org/h'\nsecrett = 'hunter22'\n", "hunter22"),
])
def test_a_config_error_never_prints_a_secret(tmp_path, runner, text, secret):
    from tocsin.cli import main

    result = runner.invoke(main, ["--config", str(write(tmp_path, text)), "status"])
    assert result.exit_code == 2 and "bad config" in result.stderr, result.output
    assert secret not in result.output and secret not in result.stderr


@pytest.mark.parametrize("url", ["redis://:hunter33@hub.example/0", "redis://hub.example/0?db=1&password=hunter33",
                                 "https://hooks.example/in?token=hunter33"])
def test_a_config_error_masks_the_secret_of_a_url(url):
    message = str(ConfigError("distributed.redis_url", url, "fix it"))
    assert "hunter33" not in message and ("hub.example" in message or "hooks.example" in message)


def test_a_misspelt_env_override_is_named_with_the_setting_it_was_meant_for(caplog):
    settings = load_settings(None, env={"TOCSIN_MODEL_THRESHHOLD": "0.9", "TOCSIN_NOTHING_LIKE_IT": "1"})
    assert settings.model.threshold == 0.5
    warnings = [r.getMessage() for r in caplog.records if r.name == "tocsin.config"]
    assert any("TOCSIN_MODEL_THRESHHOLD" in w and "did you mean TOCSIN_MODEL_THRESHOLD?" in w for w in warnings)
    assert any("TOCSIN_NOTHING_LIKE_IT" in w and "did you mean" not in w for w in warnings)


def test_missing_config_file_is_a_clear_error(tmp_path, runner):
    result = runner.invoke(main, ["--config", str(tmp_path / "nope.toml"), "status"])
    assert result.exit_code == 2
    assert "tocsin init" in result.output


def test_a_config_path_that_is_a_folder_names_the_file_to_give(tmp_path, runner):
    result = runner.invoke(main, ["status"], env={"TOCSIN_CONFIG": str(tmp_path)})
    assert result.exit_code == 2
    assert "a folder, not a file" in result.output and str(tmp_path / "tocsin.toml") in result.output


def test_a_config_file_in_another_encoding_names_the_line_and_one_with_a_bom_is_read(tmp_path, runner):
    path = tmp_path / "tocsin.toml"
    path.write_bytes('[database]\npath = "store.db"\n# Ош\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match=r"tocsin\.toml:3: not valid UTF-8 \(byte 0xce\); save the file as UTF-8"):
        load_settings(path, env={})
    result = runner.invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2 and "tocsin.toml:3: not valid UTF-8" in result.output and "Traceback" not in result.output
    path.write_bytes('\ufeff[database]\npath = "from-bom.db"\n'.encode("utf-8"))
    assert load_settings(path, env={}).database.path.endswith("from-bom.db")


def test_a_relative_model_folder_is_read_from_the_config_files_folder(tmp_path, monkeypatch):
    (tmp_path / "models" / "ours").mkdir(parents=True)
    config = write(tmp_path, '[model]\npath = "models/ours"\n')
    monkeypatch.chdir(tmp_path.parent)   # the daemon may start anywhere
    assert load_settings(config, env={}).model.path == str(tmp_path / "models" / "ours")
    config.write_text('[model]\npath = "some-org/some-model"\n', encoding="utf-8")
    assert load_settings(config, env={}).model.path == "some-org/some-model"   # a hub id stays one


def test_settings_round_trip_through_toml(tmp_path):
    from tocsin.config_toml import dump_settings

    original = load_settings(write(tmp_path, starter_config_text()), env={})
    copy_path = tmp_path / "copy" / "tocsin.toml"
    copy_path.parent.mkdir()
    copy_path.write_text(dump_settings(original), encoding="utf-8")
    copy = load_settings(copy_path, env={})
    copy.config_dir = original.config_dir
    assert copy == original


def test_extra_lexicons_are_read_from_the_config_files_folder_wherever_a_command_starts(tmp_path, monkeypatch):
    from tocsin.nlp.lexicon import load_lexicons

    site = tmp_path / "site"
    site.mkdir()
    (site / "osh-local.jsonl").write_text(
        '{"id": "target.uzbek.local.1", "kind": "target", "label": "uzbek", "language": "ru", "pattern": "сартяки", '
        '"meaning": "a local slur for Uzbeks", "why": "names the group"}\n', encoding="utf-8")
    (site / "tocsin.toml").write_text("[nlp]\nextra_lexicons = ['osh-local.jsonl']\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "osh-local.jsonl").write_text("not the lexicon meant\n", encoding="utf-8")   # a namesake here
    monkeypatch.chdir(elsewhere)
    settings = load_settings(site / "tocsin.toml", env={})
    assert settings.nlp.extra_lexicons == [str(site / "osh-local.jsonl")]
    assert "target.uzbek.local.1" in {e.id for e in load_lexicons(settings.nlp.extra_lexicons)}
