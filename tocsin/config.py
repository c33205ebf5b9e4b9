"""Settings as data: every key has a type, a default and a help text.

A config is read from one TOML file (``tocsin.toml``) and then from ``TOCSIN_<SECTION>_<KEY>``
environment variables. Anything wrong raises :class:`ConfigError`, which names the key, the value and
the fix; the CLI turns it into exit code 2 before touching any database.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import ipaddress
import json
import logging
import os
import re
import tomllib
import typing
import unicodedata
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tocsin.text_files import NotUtf8, decode_utf8

logger = logging.getLogger(__name__)

ENV_PREFIX = "TOCSIN_"
#: The environment variable that names the config file (when ``--config`` does not).
CONFIG_ENV = "TOCSIN_CONFIG"
#: Environment variables with a meaning of their own (read by the CLI, not mapped onto a key).
RESERVED_ENV = {"TOCSIN_DB", CONFIG_ENV, "TOCSIN_LOG_LEVEL"}


class ConfigError(ValueError):
    """A config value is wrong: names the key, the value (secrets hidden, see :func:`shown_value`) and how to fix it."""

    def __init__(self, key: str, value: Any, fix: str, *, env_name: str = "", entry_name: str = ""):
        self.key, self.value, self.fix = key, value, fix
        origin = (f" (set by the environment variable {env_name})" if env_name
                  else f" (the entry with name = {json.dumps(entry_name, ensure_ascii=False)})" if entry_name else "")
        super().__init__(f"config key '{key}'{origin} = {shown_value(key, value)!r}: {fix}")


class ConfigPathError(ConfigError):
    """The config file named (by ``--config`` or :data:`CONFIG_ENV`, its ``key``) is missing or a folder."""

    def __str__(self) -> str:
        return f"{self.key} = {self.value!r}: {self.fix}"


#: Parts of key names whose values an error message never prints (webhook secrets, SMTP passwords, tokens).
SECRET_KEY_PARTS = ("secret", "password", "token", "api_key")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]+@")
_QUERY_SECRET = re.compile(r"([?&;][^=&#\s]*(?:secret|password|token|api_key|apikey)[^=&#\s]*=)[^&#\s]+", re.IGNORECASE)


def masked_secrets(text: str) -> str:
    """``text`` with the secrets of the URLs in it masked: a password before ``@`` (``redis://:***@host``)
    and the value of a query parameter named like a secret (``?password=***``, ``&token=***``)."""
    return _QUERY_SECRET.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def shown_value(key: str, value: Any) -> Any:
    """``value`` as an error may print it: the value of a secret key (also inside a table or list) as
    ``'(hidden)'``, and the password of a URL (``redis://:pw@host``) as ``***``."""
    name = re.sub(r"\[\d*\]", "", str(key).rsplit(".", 1)[-1]).lower()
    if value not in ("", None) and any(part in name for part in SECRET_KEY_PARTS):
        return "(hidden)"
    if isinstance(value, dict):
        return {k: shown_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown_value(key, v) for v in value]
    if isinstance(value, str):
        return masked_secrets(value)
    return value


def setting(default: Any = dataclasses.MISSING, help: str = "", *, factory: Any = None, check: str = "") -> Any:
    """Declare one setting with its default and help text.

    :param check: an extra validation: ``url``, ``urls``, ``file``, ``files`` or ``host``.
    """
    meta = {"help": help, "check": check}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


SOURCE_KINDS = ("feed", "sitemap", "telegram", "listing", "json")
#: How a json source pages (``pagination.mode``).
PAGINATION_MODES = ("cursor", "page")
#: Languages a rule pipeline exists for (kk and tg have thin lexicons: enable them in nlp.languages).
PIPELINE_LANGUAGES = ("ru", "ky", "uz", "en", "kk", "tg")
RULE_KINDS = ("item", "spike", "spread", "stale_source")
SINK_KINDS = ("console", "file", "webhook", "email")
SEVERITIES = ("info", "warning", "high", "critical")


@dataclass
class DatabaseSettings:
    path: str = setting("tocsin.db", "SQLite database file; relative paths are read from the config file's folder.")
    busy_timeout_ms: int = setting(10_000, "How long a writer waits for a lock before giving up, in milliseconds.")


@dataclass
class SourceSettings:
    name: str = setting("", "Short unique name of the source, used in logs, alerts and exports.")
    kind: str = setting("feed", f"How items are discovered: one of {', '.join(SOURCE_KINDS)}.")
    urls: list[str] = setting(factory=list, help="Start URLs: feeds, sitemaps, t.me/s/<channel> pages, listing pages or JSON endpoints.", check="urls")
    interval_minutes: int = setting(60, "How often the daemon crawls this source.")
    language: str = setting("", "Language hint (ru, ky, uz, en, …) used when a page does not say; empty: detect.")
    timezone: str = setting("", "Time zone in which the source writes times that carry no offset ('12.06.2026 14:30'), as an IANA name: Asia/Bishkek, Asia/Tashkent; empty: UTC.")
    enabled: bool = setting(True, "Whether the source is crawled at all.")
    allow_private_networks: bool = setting(False, "Let this one source reach its own hosts (those in its urls) on loopback or a private network (the demo world, an intranet); redirects and links to other private hosts stay blocked.")
    max_pages: int = setting(200, "Most pages fetched from this source in one crawl (pagination, articles).")
    since_days: int = setting(7, "sitemap: only entries modified in the last N days; telegram/json: how far back to page on a first crawl.")
    selectors: dict[str, str] = setting(factory=dict, help="listing: CSS or XPath selectors: item, text, author, date, link, next_page, title; feed and sitemap: comments under articles: comment, comment_text, comment_author, comment_date, comment_link.")
    fields: dict[str, str] = setting(factory=dict, help="json: dotted paths of items, id, text, author, date, url, title, next_cursor in the response.")
    pagination: dict[str, str] = setting(factory=dict, help="json: how to page: {mode = 'cursor'|'page', param = 'cursor', start = '1'}; listing: {stop_at_known = 'false'} to page on past pages with only known items.")


@dataclass
class CrawlSettings:
    user_agent: str = setting("tocsin/0.1 (early-warning monitor; +mailto:operator@example.org)", "User-Agent sent with every request; put the operator's contact in it.")
    obey_robots_txt: bool = setting(True, "Obey robots.txt.")
    autothrottle: bool = setting(True, "Adapt the request rate to the server's latency (Scrapy AutoThrottle).")
    download_delay_s: float = setting(1.0, "Minimum delay between requests to one domain, in seconds.")
    concurrent_per_domain: int = setting(2, "Most parallel requests to one domain (at most 2 is polite).")
    timeout_s: int = setting(30, "Timeout of one request, in seconds.")
    retries: int = setting(2, "Retries of a failed request (with backoff).")
    retry_backoff_s: float = setting(2.0, "Delay before the first retry, in seconds; doubles on each retry (a Retry-After header wins, up to 60 s).")
    max_page_bytes: int = setting(10_000_000, "Largest response body accepted, after decompression, in bytes.")
    allow_private_networks: bool = setting(False, "Allow requests and redirects to loopback, private and link-local addresses (only for local test worlds).")
    crawl_timeout_s: int = setting(1800, "A crawl of one source running longer than this is killed.")
    recheck_flagged_hours: int = setting(24, "Re-visit flagged items this often to record edits and deletions; 0 turns it off.")
    recheck_days: int = setting(30, "Stop re-visiting flagged items this many days after they were first seen.")


@dataclass
class NlpSettings:
    languages: list[str] = setting(factory=lambda: ["ru", "ky", "uz", "en"], help="Languages with a rule pipeline (ru, ky, uz, en; kk and tg have thin lexicons); texts in others get language id only.")
    extra_lexicons: list[str] = setting(factory=list, help="Extra lexicon JSONL files (see docs/lexicons.md) added to the bundled patterns.", check="files")
    max_chunk_chars: int = setting(100_000, "Long texts are processed in sentence-aligned chunks of at most this many characters (at least 1000).")


@dataclass
class ModelSettings:
    path: str = setting("", "Classifier: a local folder (a relative one is read from the config file's folder when it is there) or a Hugging Face id; empty uses the embedded model.")
    batch_size: int = setting(32, "Texts per inference batch.")
    threshold: float = setting(0.5, "Score at or above which a text is flagged as incitement, in [0, 1].")
    threads: int = setting(2, "CPU threads for inference (torch.set_num_threads).")
    max_length: int = setting(128, "Tokens per window; longer texts are split into overlapping windows (the embedded model was trained on 128).")
    stride: int = setting(32, "Tokens shared by consecutive windows.")
    cascade: bool = setting(True, "Score texts in which the rules find no target group and no hallmark cue on their first window only (much faster on long neutral articles).")


@dataclass
class AlertRuleSettings:
    name: str = setting("", "Unique rule name, shown in alerts and used in silences.")
    kind: str = setting("item", f"One of {', '.join(RULE_KINDS)}.")
    severity: str = setting("warning", f"Base severity: one of {', '.join(SEVERITIES)}.")
    sinks: list[str] = setting(factory=list, help="Names of the sinks that receive this rule's alerts; empty: all sinks.")
    min_score: float = setting(0.0, "item/spike/spread: only analyses with at least this score count.")
    window_minutes: int = setting(60, "spike/spread: the window counted.")
    baseline_days: int = setting(14, "spike: days of history that make the rolling baseline.")
    late_minutes: int = setting(1440, "spike/spread: how late a burst or a copy may reach tocsin (crawl lag, downtime, an analysis backlog) and still be found: windows ending at the time of each item this recent are counted too.")
    min_count: int = setting(3, "spike: fewest flagged items in the window for an alert.")
    min_sources: int = setting(3, "spread: fewest distinct sources or channels carrying the same text.")
    similarity: float = setting(0.8, "spread: Jaccard similarity above which two texts are the same.")
    max_p_value: float = setting(0.001, "spike: a window count whose Poisson tail probability under the pair's baseline rate is at most this is a burst.")
    repeat_interval_minutes: int = setting(240, "An alert of the same rule and key is not re-sent before this; one quiet for this long is resolved.")
    group_interval_minutes: int = setting(30, "New items joining an alert already sent are announced in one update at most this often.")
    enabled: bool = setting(True, "Whether the rule is evaluated.")


@dataclass
class SinkSettings:
    name: str = setting("", "Unique sink name, referred to by rules.")
    kind: str = setting("console", f"One of {', '.join(SINK_KINDS)}.")
    path: str = setting("", "file: the JSONL file alerts are appended to.")
    url: str = setting("", "webhook: the URL that receives a JSON POST.", check="url")
    secret: str = setting("", "webhook: signing secret (Standard Webhooks, 'whsec_…' base64 or any string); better kept out of the file as TOCSIN_SINK_<NAME>_SECRET.")
    smtp_host: str = setting("", "email: SMTP server host.")
    smtp_port: int = setting(587, "email: SMTP server port.")
    starttls: bool = setting(True, "email: upgrade the connection with STARTTLS.")
    username: str = setting("", "email: SMTP login (empty: none).")
    password: str = setting("", "email: SMTP password; better kept out of the file as TOCSIN_SINK_<NAME>_PASSWORD (the sink's name upper-cased, other characters as _).")
    sender: str = setting("tocsin@localhost", "email: From address.")
    recipients: list[str] = setting(factory=list, help="email: To addresses.")
    timeout_s: int = setting(10, "webhook/email: network timeout in seconds (1–600) for each wait; a whole send gives up after three times this.")


@dataclass
class AlertSettings:
    review_url: str = setting("http://127.0.0.1:8765", "Base URL of the review page, used for links in alert messages.", check="url")
    max_attempts: int = setting(8, "Delivery attempts before an alert goes to the dead-letter state (one that died while its sink accepted nothing is queued again when the sink next accepts a message).")
    backoff_s: float = setting(30.0, "First retry delay; doubles on each attempt, with jitter.")
    rules: list[AlertRuleSettings] = setting(factory=list, help="Alert rules ([[alerts.rules]] tables).")
    sinks: list[SinkSettings] = setting(factory=list, help="Where alerts go ([[alerts.sinks]] tables).")


@dataclass
class ReviewSettings:
    host: str = setting("127.0.0.1", "Address the review page listens on.", check="host")
    port: int = setting(8765, "Port the review page listens on.")
    page_size: int = setting(50, "Items per queue page.")
    session_hours: int = setting(12, "Hours a login stays valid.")
    login_attempts_per_minute: int = setting(5, "Failed logins allowed per account and address per minute (four times as many per "
                                            "address, and per account over all addresses but those it logged in from in the last day).")
    secure_cookies: bool = setting(False, "Mark the session cookie Secure; turn on when the page is served over HTTPS (e.g. behind a TLS proxy).")
    threads: int = setting(4, "Worker threads of the review page's web server.")
    proxies: int = setting(0, "Reverse proxies in front of the page whose X-Forwarded-For and X-Forwarded-Proto headers are trusted (1 behind one nginx or Caddy): the failed-login limit then counts each monitor's own address, not the proxy's; 0 trusts no header.")
    allowed_hosts: list[str] = setting(factory=list, help="Host names the review page answers to besides localhost, 127.0.0.1, ::1, the host of alerts.review_url and the listen address (e.g. ['review.ngo.example']): any other name in a request's Host header gets a 400, a guard against DNS rebinding. Empty: those names only while the page listens on loopback, any name when it listens beyond this machine (tocsin serve warns).")


@dataclass
class ExportSettings:
    out_dir: str = setting("exports", "Default folder for exports, relative to the config file's folder.")
    redact_handles: bool = setting(True, "Redact @handles inside exported text.")
    redact_phones: bool = setting(True, "Redact phone numbers inside exported text.")
    redact_emails: bool = setting(True, "Redact e-mail addresses inside exported text.")
    redact_profile_links: bool = setting(True, "Redact links to personal profiles inside exported text.")


@dataclass
class RetentionSettings:
    retention_days: int = setting(365, "Raw content of unflagged items older than this is purged (in distributed mode also dead letters in Redis); 0 keeps everything.")


@dataclass
class DaemonSettings:
    tick_seconds: int = setting(10, "How often the daemon's loop wakes to run due jobs (it also wakes when a crawl ends, to start the next one).")
    analyse_every_minutes: int = setting(2, "How often new items are analysed.")
    deliver_every_minutes: int = setting(1, "How often pending alert deliveries are attempted.")
    retention_every_hours: int = setting(24, "How often the retention job runs.")
    evaluate_every_minutes: int = setting(5, "How often the spike, spread and stale-source rules are evaluated.")
    parallel_crawls: int = setting(1, "Most crawls (each a subprocess) running at the same time.")
    stop_grace_s: int = setting(15, "On SIGTERM, how long a running crawl may take to stop before it is killed.")
    lock_file: str = setting("", "Lock file that keeps one daemon per database; empty: '<database>.lock'.")


@dataclass
class DistributedSettings:
    redis_url: str = setting("", "Redis URL (redis://host:port/db) that turns on distributed mode; empty: one machine.")
    stream: str = setting("tocsin:items", "Redis stream crawled items are pushed to.")
    batch_size: int = setting(64, "Items an analysis worker claims at once.")
    claim_idle_s: int = setting(120, "A batch pending longer than this on a silent worker is claimed by another; 'tocsin worker status' warns (and exits 1) when an entry has waited or been pending longer than this.")
    key_prefix: str = setting("tocsin", "Prefix of tocsin's other Redis keys (request queues, duplicate filters, heartbeats); two deployments sharing one Redis need different prefixes and streams.")
    group: str = setting("analysers", "Consumer group of the workers reading the stream.")
    heartbeat_s: int = setting(10, "How often workers and crawlers report themselves; 'tocsin status' lists those seen within three heartbeats.")
    dedupe_ttl_s: int = setting(1800, "How long a request or item version already taken by one crawler is skipped by the others (about one crawl round); after that it is fetched again.")
    max_deliveries: int = setting(5, "An entry delivered this many times without success (to a restarted worker, or claimed by "
                                  "another: its workers kept dying) goes to the dead-letter stream '<stream>:dead'; a worker "
                                  "retrying its own batch after a store or Redis failure does not count.")
    max_stream_entries: int = setting(200_000, "Crawlers pause while the stream and '<stream>:analysed' hold more entries than this together (the workers or the writer are behind), publishing workers while '<stream>:analysed' alone does; nothing is dropped.")


@dataclass
class Settings:
    """All of tocsin's settings. ``config_dir`` anchors relative paths."""

    database: DatabaseSettings = setting(factory=DatabaseSettings, help="The SQLite store.")
    sources: list[SourceSettings] = setting(factory=list, help="Sources to crawl ([[sources]] tables).")
    crawl: CrawlSettings = setting(factory=CrawlSettings, help="Crawl politeness and safety.")
    nlp: NlpSettings = setting(factory=NlpSettings, help="Language processing and lexicons.")
    model: ModelSettings = setting(factory=ModelSettings, help="The incitement classifier.")
    alerts: AlertSettings = setting(factory=AlertSettings, help="Alert rules and sinks.")
    review: ReviewSettings = setting(factory=ReviewSettings, help="The monitors' review page.")
    export: ExportSettings = setting(factory=ExportSettings, help="Research exports.")
    retention: RetentionSettings = setting(factory=RetentionSettings, help="How long raw content is kept.")
    daemon: DaemonSettings = setting(factory=DaemonSettings, help="The scheduled loop.")
    distributed: DistributedSettings = setting(factory=DistributedSettings, help="Several machines through Redis.")
    config_dir: Path = field(default_factory=Path.cwd, metadata={"help": "internal", "check": "", "internal": True})
    #: the file the settings were read from (None: defaults and the environment only); not part of their value
    config_file: Path | None = field(default=None, compare=False, metadata={"help": "internal", "check": "", "internal": True})

    def resolve(self, path: str) -> Path:
        """Resolve a path from the config against the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.config_dir / p

    @property
    def database_path(self) -> Path:
        return self.resolve(self.database.path)

    def enabled_sources(self) -> list[SourceSettings]:
        return [s for s in self.sources if s.enabled]

    def source(self, name: str) -> SourceSettings:
        for s in self.sources:
            if s.name == name:
                return s
        names = [s.name for s in self.sources]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ConfigError("sources", name, f"no source named {name!r} in the config{hint} Known: {', '.join(names) or 'none'}")


# --------------------------------------------------------------------------- reading

#: How to correct a config path, by what gave it.
CORRECT_THE_PATH = {
    "--config": "fix the path given to --config",
    CONFIG_ENV: (f"fix the path in the environment variable {CONFIG_ENV} where it is set (the shell or its profile, a "
                 f"systemd unit's Environment=), or unset it to read ./tocsin.toml"),
}


def check_config_path(path: Path, named_by: str) -> None:
    """Raise :class:`ConfigPathError` when ``path``, given by ``named_by``, is a folder or no file at all."""
    correct_it = CORRECT_THE_PATH[named_by]
    if path.is_dir():
        raise ConfigPathError(named_by, str(path), f"a folder, not a file; name the config file in it (e.g. "
                                                   f"{path / 'tocsin.toml'}): {correct_it}")
    if not path.is_file():
        raise ConfigPathError(named_by, str(path), f"no such file; {correct_it}, or create the file with "
                                                   "'tocsin init DIR'")


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None, *,
                  named_by: str = "--config") -> Settings:
    """Read settings from a TOML file (optional) and ``TOCSIN_*`` environment variables.

    :param path: the TOML file; ``None`` gives the defaults.
    :param env: the environment to read overrides from (default ``os.environ``).
    :param named_by: what gave ``path`` (``--config`` or :data:`CONFIG_ENV`), for the error when it is no file.
    """
    data: dict[str, Any] = {}
    config_dir = Path.cwd()
    if path is not None:
        path = Path(path)
        check_config_path(path, named_by)
        try:
            data = tomllib.loads(decode_utf8(path.read_bytes(), path.name))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError("(file)", str(path), f"not valid TOML ({e}); fix the syntax at that line") from e
        except NotUtf8 as e:
            raise ConfigError("(file)", str(path), str(e)) from None
        except OSError as e:
            raise ConfigError("(file)", str(path), f"cannot read the file ({e.strerror or e}); fix its permissions or the path") from e
        config_dir = path.resolve().parent
    try:
        settings = build(Settings, data, "")
    except ConfigError as e:
        raise ConfigError(e.key, e.value, e.fix, entry_name=entry_name(e.key, data)) from None
    settings.config_dir = config_dir
    settings.config_file = path.resolve() if path is not None else None
    from_env = apply_env(settings, os.environ if env is None else env)
    settings.model.path = _model_folder(settings)
    # read from the config file's folder, as they are checked, whatever folder a command starts in
    settings.nlp.extra_lexicons = [str(settings.resolve(p)) for p in settings.nlp.extra_lexicons]
    try:
        validate(settings)
    except ConfigError as e:
        if e.key in from_env:
            raise ConfigError(e.key, e.value, e.fix, env_name=from_env[e.key]) from None
        raise ConfigError(e.key, e.value, e.fix, entry_name=entry_name(e.key, data)) from None
    return settings


_LIST_ENTRY = re.compile(r"^((?:[a-z_]+\.)*[a-z_]+)\[(\d+)\]")


def entry_name(key: str, data: dict[str, Any]) -> str:
    """The ``name`` in the file of the list entry a key points into (``demo-osh-times`` for
    ``sources[22].interval_minutes``), so that nobody has to count entries from zero; '' when it has none."""
    found = _LIST_ENTRY.match(key)
    if not found:
        return ""
    entries: Any = data
    for part in found.group(1).split("."):
        entries = entries.get(part) if isinstance(entries, dict) else None
    index = int(found.group(2))
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else ""


def _model_folder(settings: Settings) -> str:
    """``model.path``, made absolute when it is a relative folder found in the config file's folder (so that
    the daemon finds it whatever folder it starts in); otherwise as given (a hub id, an absolute path)."""
    given = settings.model.path
    if given and not Path(given).expanduser().is_absolute() and settings.resolve(given).is_dir():
        return str(settings.resolve(given))
    return given


def build(cls: type, data: Any, prefix: str) -> Any:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise ConfigError(prefix or "(top)", data, f"expected a table ([{prefix}]), not a {type(data).__name__}")
    known = {f.name: f for f in public_fields(cls)}
    kwargs = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in known:
            raise ConfigError(dotted, value, f"unknown key; known keys here: {', '.join(known)}")
        kwargs[key] = coerce(field_type(cls, key), value, dotted)
    return cls(**kwargs)


def public_fields(cls: type) -> list[dataclasses.Field]:
    """The settable fields of a settings dataclass."""
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def is_table(tp: Any) -> bool:
    """True for a nested settings table or a list of them (not settable from the environment)."""
    if typing.get_origin(tp) is list:
        tp = typing.get_args(tp)[0]
    return dataclasses.is_dataclass(tp)


def coerce(tp: Any, value: Any, key: str) -> Any:
    """Check ``value`` against the declared type ``tp`` (TOML already gives native types)."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            name = key.rsplit(".", 1)[-1]
            hint = (f" (a table of them is written [[{key}]], with double brackets, once per entry)"
                    if dataclasses.is_dataclass(item_tp) and isinstance(value, dict) else "")
            raise ConfigError(key, value, f"expected a list, e.g. {name} = [...]{hint}")
        return [coerce(item_tp, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(key, value, "expected a table of strings, e.g. {item = '.post', text = '.body'}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, value, "expected true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, value, "expected a whole number")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, value, "expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(key, value, "expected a quoted string")
        return value
    raise ConfigError(key, value, f"unsupported type {tp}")  # pragma: no cover - schema bug


def parse_env_value(tp: Any, raw: str, key: str) -> Any:
    """Turn an environment string into the declared type."""
    if tp is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(key, raw, "expected true or false (1/0, yes/no)")
    if tp is int or tp is float:
        try:
            return tp(raw)
        except ValueError:
            raise ConfigError(key, raw, f"expected a {'whole number' if tp is int else 'number'}") from None
    if typing.get_origin(tp) is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if tp is str:
        return raw
    raise ConfigError(key, raw, "this key cannot be set from the environment; set it in the TOML file")


def env_keys() -> dict[str, tuple[str, str]]:
    """Map ``TOCSIN_SECTION_KEY`` names to (section, key) for every scalar setting of a section."""
    names = {}
    for section in public_fields(Settings):
        section_tp = field_type(Settings, section.name)
        if not dataclasses.is_dataclass(section_tp):
            continue
        for f in public_fields(section_tp):
            if is_table(field_type(section_tp, f.name)):
                continue
            names[f"{ENV_PREFIX}{section.name}_{f.name}".upper()] = (section.name, f.name)
    return names


#: Keys of a sink that may come from ``TOCSIN_SINK_<NAME>_<KEY>``, so that secrets stay out of the TOML file.
SINK_ENV_KEYS = ("secret", "username", "password")


def sink_env_name(sink: str, key: str) -> str:
    """``TOCSIN_SINK_<NAME>_<KEY>`` for a sink's name (upper-cased, other characters as ``_``) and key."""
    return f"{ENV_PREFIX}SINK_{re.sub(r'[^A-Z0-9]', '_', sink.upper())}_{key.upper()}"


def apply_env(settings: Settings, env: typing.Mapping[str, str]) -> dict[str, str]:
    """Override settings from ``TOCSIN_<SECTION>_<KEY>`` variables, and sink secrets from
    ``TOCSIN_SINK_<NAME>_<KEY>`` (see :data:`SINK_ENV_KEYS`); returns the keys set so, each with its variable."""
    known = env_keys()
    sinks = {sink_env_name(sink.name, key): (sink, key, f"alerts.sinks[{i}].{key}")
             for i, sink in enumerate(settings.alerts.sinks) for key in SINK_ENV_KEYS}
    applied: dict[str, str] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name in RESERVED_ENV:
            continue
        if name in sinks:
            sink, key, path = sinks[name]
            setattr(sink, key, raw)
            applied[path] = name
            continue
        if name not in known:
            close = difflib.get_close_matches(name, [*known, *sinks], n=1, cutoff=0.8)
            logger.warning("ignoring environment variable %s: no such setting%s", name,
                           f"; did you mean {close[0]}?" if close else " (names are listed in docs/configuration.md)")
            continue
        section, key = known[name]
        target = getattr(settings, section)
        setattr(target, key, parse_env_value(field_type(type(target), key), raw, name))
        applied[f"{section}.{key}"] = name
    return applied


# --------------------------------------------------------------------------- validation


def validate(settings: Settings) -> None:
    """Check values beyond their types: ranges, choices, URLs, files, unique names."""
    walk_checks(settings, "", settings.resolve)
    check_range("model.threshold", settings.model.threshold, 0.0, 1.0)
    check_range("crawl.concurrent_per_domain", settings.crawl.concurrent_per_domain, 1, 16)
    check_range("model.batch_size", settings.model.batch_size, 1, 4096)
    check_range("database.busy_timeout_ms", settings.database.busy_timeout_ms, 0, 3_600_000)
    check_ranges("review", settings.review, {"port": (1, 65535), "threads": (1, 256), "proxies": (0, 5),
                                             "page_size": (1, 1000), "session_hours": (1, 24 * 365),
                                             "login_attempts_per_minute": (1, 1000)})
    check_distributed(settings.distributed)
    check_ranges("crawl", settings.crawl, {"download_delay_s": (0, 3600), "timeout_s": (1, 3600), "retries": (0, 20),
                                           "retry_backoff_s": (0, 3600), "max_page_bytes": (1000, 2_000_000_000),
                                           "crawl_timeout_s": (10, 7 * 24 * 3600), "recheck_flagged_hours": (0, 24 * 365),
                                           "recheck_days": (0, 3650)})
    check_ranges("model", settings.model, {"threads": (1, 256), "max_length": (8, 8192), "stride": (0, settings.model.max_length - 1)})
    check_nlp(settings.nlp)
    check_range("retention.retention_days", settings.retention.retention_days, 0, 100 * 365)
    check_unique("sources", [s.name for s in settings.sources])
    for i, src in enumerate(settings.sources):
        key = f"sources[{i}]"
        if not src.name:
            raise ConfigError(f"{key}.name", src.name, "every source needs a name")
        check_choice(f"{key}.kind", src.kind, SOURCE_KINDS)
        if src.enabled and not src.urls:
            raise ConfigError(f"{key}.urls", src.urls, "an enabled source needs at least one URL")
        check_ranges(key, src, {"interval_minutes": (1, 10 * 24 * 60), "max_pages": (1, 1_000_000), "since_days": (0, 3650)})
        if src.timezone:
            check_time_zone(f"{key}.timezone", src.timezone)
        mode = src.pagination.get("mode", "")
        if mode:
            check_choice(f"{key}.pagination.mode", mode, PAGINATION_MODES)
        start = src.pagination.get("start", "1")
        if mode == "page" and not str(start).strip().isdigit():
            raise ConfigError(f"{key}.pagination.start", start, "the first page number must be a whole number, e.g. start = '1' (or 0)")
    check_unique("alerts.sinks", [s.name for s in settings.alerts.sinks])
    check_sink_env_names([s.name for s in settings.alerts.sinks])
    check_unique("alerts.rules", [r.name for r in settings.alerts.rules])
    sink_names = {s.name for s in settings.alerts.sinks}
    for i, sink in enumerate(settings.alerts.sinks):
        check_choice(f"alerts.sinks[{i}].kind", sink.kind, SINK_KINDS)
        check_range(f"alerts.sinks[{i}].timeout_s", sink.timeout_s, 1, 600)
        if sink.kind == "webhook" and not sink.url:
            raise ConfigError(f"alerts.sinks[{i}].url", sink.url, "a webhook sink needs url = 'https://…'")
        if sink.kind == "file" and not sink.path:
            raise ConfigError(f"alerts.sinks[{i}].path", sink.path, "a file sink needs path = 'alerts.jsonl'")
        if sink.kind == "email" and not (sink.smtp_host and sink.recipients):
            raise ConfigError(f"alerts.sinks[{i}].smtp_host", sink.smtp_host, "an email sink needs smtp_host and recipients")
        if sink.kind == "email":
            check_range(f"alerts.sinks[{i}].smtp_port", sink.smtp_port, 1, 65535)
            check_email_address(f"alerts.sinks[{i}].sender", sink.sender, "sender = 'tocsin@example.org'")
            for j, recipient in enumerate(sink.recipients):
                check_email_address(f"alerts.sinks[{i}].recipients[{j}]", recipient,
                                    "recipients = ['a@example.org', 'b@example.org'], one address per entry")
    for i, rule in enumerate(settings.alerts.rules):
        check_choice(f"alerts.rules[{i}].kind", rule.kind, RULE_KINDS)
        check_choice(f"alerts.rules[{i}].severity", rule.severity, SEVERITIES)
        for s in rule.sinks:
            if s not in sink_names:
                raise ConfigError(f"alerts.rules[{i}].sinks", s, f"no sink named {s!r}; define it under [[alerts.sinks]]")
        if not rule.name:
            raise ConfigError(f"alerts.rules[{i}].name", rule.name, "every rule needs a name (alerts and silences use it)")
        check_range(f"alerts.rules[{i}].min_score", rule.min_score, 0.0, 1.0)
        check_range(f"alerts.rules[{i}].similarity", rule.similarity, 0.1, 1.0)
        check_range(f"alerts.rules[{i}].max_p_value", rule.max_p_value, 1e-12, 0.5)
        check_range(f"alerts.rules[{i}].window_minutes", rule.window_minutes, 1, 30 * 24 * 60)
        check_range(f"alerts.rules[{i}].baseline_days", rule.baseline_days, 1, 365)
        check_range(f"alerts.rules[{i}].late_minutes", rule.late_minutes, 0, 30 * 24 * 60)
        check_range(f"alerts.rules[{i}].min_count", rule.min_count, 1, 1_000_000)
        check_range(f"alerts.rules[{i}].min_sources", rule.min_sources, 2, 1000)
        check_range(f"alerts.rules[{i}].repeat_interval_minutes", rule.repeat_interval_minutes, 1, 30 * 24 * 60)
        if not 0 <= rule.group_interval_minutes <= rule.repeat_interval_minutes:
            raise ConfigError(f"alerts.rules[{i}].group_interval_minutes", rule.group_interval_minutes,
                              f"must be between 0 and the rule's repeat_interval_minutes ({rule.repeat_interval_minutes})")
    check_range("alerts.max_attempts", settings.alerts.max_attempts, 1, 100)
    check_range("alerts.backoff_s", settings.alerts.backoff_s, 0.0, 86_400.0)
    for i, sink in enumerate(settings.alerts.sinks):
        if not sink.name:
            raise ConfigError(f"alerts.sinks[{i}].name", sink.name, "every sink needs a name (rules refer to it)")
        if sink.kind == "webhook" and sink.secret.startswith("whsec_"):
            try:
                base64.b64decode(sink.secret[len("whsec_"):], validate=True)
            except ValueError:
                raise ConfigError(f"alerts.sinks[{i}].secret", "whsec_…", "not valid base64 after 'whsec_'; paste the "
                                  "secret as given, or use a plain string without the prefix") from None
    for key in ("tick_seconds", "analyse_every_minutes", "deliver_every_minutes", "evaluate_every_minutes",
                "retention_every_hours", "parallel_crawls"):
        check_range(f"daemon.{key}", getattr(settings.daemon, key), 1, 100_000)
    check_range("daemon.stop_grace_s", settings.daemon.stop_grace_s, 0, 3600)
    check_store_paths(settings)


def check_store_paths(settings: Settings) -> None:
    """The database is named, and the daemon's lock file is not a folder: ``tocsin status`` then reports what the
    daemon would refuse."""
    if not settings.database.path.strip():
        raise ConfigError("database.path", settings.database.path, "empty; name the store's file, e.g. tocsin.db (a "
                                                                   "relative path is read from the config file's folder)")
    if settings.daemon.lock_file and settings.resolve(settings.daemon.lock_file).is_dir():
        raise ConfigError("daemon.lock_file", settings.daemon.lock_file, "a folder, not a file; name a file in it (e.g. "
                                                                         "tocsin.lock there), or leave it empty for '<database>.lock'")


def check_distributed(section: Any) -> None:
    """Ranges and names of the distributed settings (checked whether or not a Redis URL turns them on)."""
    check_ranges("distributed", section, {"batch_size": (1, 10_000), "claim_idle_s": (1, 86_400), "heartbeat_s": (1, 3600),
                                          "dedupe_ttl_s": (1, 30 * 86_400), "max_deliveries": (1, 1000),
                                          "max_stream_entries": (1, 1_000_000_000)})
    for name in ("stream", "group", "key_prefix"):
        if not getattr(section, name).strip():
            raise ConfigError(f"distributed.{name}", getattr(section, name), "must not be empty; the default is "
                              f"{getattr(type(section)(), name)!r}")


def walk_checks(obj: Any, prefix: str, resolve: typing.Callable[[str], Path]) -> None:
    """Run each field's ``check`` (url, urls, file, files, host) over a settings tree."""
    for f in public_fields(type(obj)):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        check = f.metadata.get("check", "")
        if dataclasses.is_dataclass(value):
            walk_checks(value, key, resolve)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                walk_checks(item, f"{key}[{i}]", resolve)
        elif check == "url" and value:
            check_url(key, value)
        elif check == "urls":
            for i, url in enumerate(value):
                check_url(f"{key}[{i}]", url)
        elif check == "files":
            for i, p in enumerate(value):
                if not resolve(p).is_file():
                    raise ConfigError(f"{key}[{i}]", p, "no such file; give a path to an existing file")
        elif check == "host":
            check_host(key, value)


def check_url(key: str, url: str) -> None:
    """An http(s) URL with a host, a valid port, and no raw space or control character (which cannot be sent)."""
    if any(c == " " or unicodedata.category(c) == "Cc" for c in url):
        raise ConfigError(key, url, "contains a space, line break or control character, which cannot be sent; "
                                    "write a space as %20 and leave out the others")
    try:
        parsed = urlparse(url)
        parsed.port   # a port that is not a number, or outside 0-65535, is a ValueError
    except ValueError as e:
        raise ConfigError(key, url, f"not a valid URL ({e}); e.g. https://example.org/news") from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(key, url, "expected an http:// or https:// URL with a host")


def check_email_address(key: str, value: str, example: str) -> None:
    """``value`` is one e-mail address with an ``@`` (``a@example.org`` or ``Name <a@example.org>``) on one line:
    not a comma-separated list, which would reach only its first address. ``example``: the fix to suggest."""
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise ConfigError(key, value, f"contains a line break or control character; write one address on one line, e.g. {example}")
    found = getaddresses([value])
    if len(found) > 1:
        raise ConfigError(key, value, f"holds {len(found)} addresses; give each its own entry, e.g. {example}")
    name, address = found[0] if found else ("", "")
    local, at, domain = address.rpartition("@")
    whole = value.strip() == address or (value.strip().endswith(f"<{address}>") and bool(name))
    if not (local and at and domain and whole) or any(c.isspace() for c in address):
        raise ConfigError(key, value, f"not an e-mail address; write one such as {example}")


def check_host(key: str, host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not host or any(c in host for c in "/: "):
            raise ConfigError(key, host, "expected an IP address or host name, e.g. 127.0.0.1") from None


def check_nlp(nlp: Any) -> None:
    """The nlp section's chunk size and languages (also checked when an analyser is built from settings
    made in code, which skip :func:`validate`)."""
    check_range("nlp.max_chunk_chars", nlp.max_chunk_chars, 1000, 10_000_000)
    unknown = [lang for lang in nlp.languages if lang not in PIPELINE_LANGUAGES]
    if unknown:
        raise ConfigError("nlp.languages", unknown, f"no rule pipeline for these; use any of {', '.join(PIPELINE_LANGUAGES)}")


def check_ranges(prefix: str, section: Any, ranges: dict[str, tuple[float, float]]) -> None:
    """:func:`check_range` for several fields of one section (``{field: (low, high)}``)."""
    for name, (low, high) in ranges.items():
        check_range(f"{prefix}.{name}", getattr(section, name), low, high)


def check_range(key: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(key, value, f"must be between {low} and {high}")


def check_time_zone(key: str, name: str) -> None:
    """An IANA time zone name this machine knows (Asia/Bishkek, not UTC+6 or Bishkek)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, name, "not a time zone this machine knows; write an IANA name such as Asia/Bishkek "
                                     "(Kyrgyzstan) or Asia/Tashkent (Uzbekistan)") from None


def check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(key, value, f"must be one of: {', '.join(choices)}")


def check_sink_env_names(names: list[str]) -> None:
    """Refuse two sinks whose secrets would come from the same ``TOCSIN_SINK_<NAME>_*`` variables
    (``ngo-mail`` and ``ngo_mail``): one sink would silently take the other's password."""
    first: dict[str, str] = {}
    for i, name in enumerate(names):
        variable = sink_env_name(name, "*")
        if first.setdefault(variable, name) != name:
            raise ConfigError(f"alerts.sinks[{i}].name", name,
                              f"its secrets would be read from the same variables ({variable}) as those of sink "
                              f"{first[variable]!r}; rename one of them")


def check_unique(key: str, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ConfigError(key, name, "names must be unique; rename one of them")
        seen.add(name)


def describe_settings(cls: type = Settings, prefix: str = "") -> list[tuple[str, str, Any]]:
    """Every key as (dotted name, help, default), for docs and the help-text test."""
    rows = []
    for f in public_fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        tp = field_type(cls, f.name)
        if typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            rows.append((key, f.metadata.get("help", ""), []))
            rows.extend(describe_settings(typing.get_args(tp)[0], f"{key}[]"))
        elif dataclasses.is_dataclass(tp):
            rows.append((key, f.metadata.get("help", ""), None))
            rows.extend(describe_settings(tp, key))
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            rows.append((key, f.metadata.get("help", ""), default))
    return rows

