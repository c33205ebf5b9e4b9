"""Where messages go: console, a JSONL file, a signed webhook, e-mail over SMTP.

Each transport sends one frozen message (see :func:`tocsin.alerts.messages.render_body`) and raises
:class:`TransportError` when it cannot: ``permanent=True`` for errors a retry cannot fix (a rejected
address, a 4xx HTTP answer, bad credentials), otherwise the delivery is retried with backoff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import os
import smtplib
import socket
import ssl
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Callable, TextIO

from tocsin import __version__
from tocsin.alerts.deadline import SendAbandoned, run_within, track, tracked_opener
from tocsin.config import Settings, SinkSettings
from tocsin.private_files import file_in_the_way, make_private_folders
from tocsin.retry_after import retry_after_s
from tocsin.terminal import terminal_safe

logger = logging.getLogger(__name__)

#: HTTP answers worth retrying; any other 4xx is permanent.
TRANSIENT_HTTP = {408, 425, 429, 500, 502, 503, 504}
#: How much of a JSONL file's end is searched for a message already written (a send cut short by a crash).
FILE_TAIL_BYTES = 1 << 20


class TransportError(Exception):
    """A message could not be sent. ``permanent``: retrying cannot help; ``retry_after``: seconds the
    receiver asked us to wait."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 stalled: bool = False, interrupted: bool = False, reached: tuple[str, ...] | None = None,
                 refused_for_good: tuple[str, ...] = ()):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        #: The send ran past its deadline or was cut short by a stop (see :func:`within_deadline`): the
        #: sink's other messages wait.
        self.stalled = stalled
        #: The send was cut short by a stop: no attempt that counts; the message stays queued.
        self.interrupted = interrupted
        #: The sink's recipients that have the message now (an e-mail some recipients refused), or None.
        self.reached = reached
        #: Recipients that refused the message for good while others only deferred it: a transient error, retried
        #: to the deferring ones, from which a dead letter for these is split off.
        self.refused_for_good = refused_for_good


def never() -> bool:
    """A stop that never comes (a transport outside the daemon)."""
    return False


class Transport:
    """Sends messages to one configured sink."""

    def __init__(self, sink: SinkSettings, settings: Settings):
        self.sink = sink
        self.settings = settings
        #: Checked while a network send waits: true cuts the send short (the daemon is stopping).
        self.should_stop: Callable[[], bool] = never
        #: The recipients that accepted the message to send next on an earlier attempt: it is not sent to them
        #: again (set before each send; only e-mail has several recipients).
        self.reached: frozenset[str] = frozenset()
        #: The recipients the message to send next is for, or None for all of the sink's (set before each send):
        #: those its part owes it to, once a dead letter was split off it (see :mod:`tocsin.store.delivery_parts`).
        self.owed: frozenset[str] | None = None

    def notify(self, message: dict[str, Any]) -> None:
        """Send one message; raise :class:`TransportError` on failure."""
        raise NotImplementedError


def message_json(message: dict[str, Any]) -> str:
    """The canonical JSON of a message: the same bytes on every attempt."""
    return json.dumps(message, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ConsoleTransport(Transport):
    """Prints the message text to standard output."""

    def __init__(self, sink: SinkSettings, settings: Settings, stream: TextIO | None = None):
        super().__init__(sink, settings)
        self.stream = stream

    def notify(self, message: dict[str, Any]) -> None:
        stream = self.stream or sys.stdout
        try:
            stream.write(f"\n{terminal_safe(message['text'])}\n")
            stream.flush()
        except (BrokenPipeError, OSError) as e:
            raise TransportError(f"cannot write to the console: {e}") from e


class FileTransport(Transport):
    """Appends one JSON line per message with a single ``write`` and ``fsync``; a message whose id is
    already at the end of the file (written just before a crash) is not written again."""

    @property
    def path(self):
        return self.settings.resolve(self.sink.path)

    def already_written(self, fd: int, size: int, key: str) -> bool:
        start = max(0, size - FILE_TAIL_BYTES)
        tail = os.pread(fd, size - start, start)
        return f'"id":{json.dumps(key, ensure_ascii=False)}'.encode() in tail

    def misplaced(self) -> str:
        """What stands for good in the alert file's way: the path is a folder, or one of its folders is a regular
        file; "" when nothing does (a link to a drive that is not mounted)."""
        if self.path.is_dir():
            return "it is a folder"
        blocking = file_in_the_way(self.path)
        return f"{blocking} is a file, not a folder" if blocking else ""

    def notify(self, message: dict[str, Any]) -> None:
        line = (message_json(message) + "\n").encode("utf-8")
        try:
            make_private_folders(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except PermissionError as e:
            raise TransportError(f"cannot open {self.path}: {e}; fix the path or its permissions", permanent=True) from e
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as e:
            blocker = self.misplaced()
            if not blocker:   # e.g. a link to a drive not mounted yet: it may come back, so retry
                raise TransportError(f"cannot open {self.path}: {e}") from e
            raise TransportError(f"cannot open {self.path}: {blocker}; set the sink's path to a file in a folder",
                                 permanent=True) from e
        except OSError as e:
            raise TransportError(f"cannot open {self.path}: {e}") from e
        try:
            size = os.fstat(fd).st_size
            if size and self.already_written(fd, size, message["id"]):
                logger.info("message %s is already in %s", message["id"], self.path)
                return
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a file edited by hand without a final newline
            written = os.write(fd, line)
            if written != len(line):
                os.ftruncate(fd, size)
                raise TransportError(f"short write to {self.path} (disk full?)")
            os.fsync(fd)
        except OSError as e:
            raise TransportError(f"cannot write {self.path}: {e}") from e
        finally:
            os.close(fd)


def signing_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: ``whsec_<base64>`` decoded, any other string as UTF-8."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256 of id.timestamp.body>``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def ascii_url(url: str) -> str:
    """``url`` with the non-ASCII characters of its path and query percent-encoded as UTF-8, as browsers send
    them (``/хук`` → ``/%D1%85%D1%83%D0%BA``); ASCII, ``%XX`` escapes included, is left as it is."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=encode_non_ascii(parts.path), query=encode_non_ascii(parts.query)))


def encode_non_ascii(text: str) -> str:
    """Each non-ASCII character of ``text`` as its UTF-8 ``%XX`` escapes; every ASCII character unchanged."""
    return "".join(c if c.isascii() else urllib.parse.quote(c, safe="") for c in text)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib API
        return None


class WebhookTransport(Transport):
    """POSTs the message as JSON with Standard Webhooks headers (``webhook-id`` is the idempotency key,
    the same on every retry; ``webhook-signature`` is an HMAC with the sink's secret)."""

    opener = tracked_opener(NoRedirect)

    def __init__(self, sink: SinkSettings, settings: Settings):
        super().__init__(sink, settings)
        parts = urllib.parse.urlsplit(sink.url)
        #: The URL without a user name and password, which are sent as HTTP Basic authentication instead.
        self.url = ascii_url(urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])))
        self.login = (f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
                      if parts.username or parts.password else "")
        #: How errors, logs and ``status`` name the receiver: its host only, since a webhook's path and query
        #: often hold its token (``/hooks/T1/B2/<token>``, ``?key=…``).
        self.where = f"webhook {parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}" + (
            "/…" if parts.path.strip("/") or parts.query else "")

    def headers(self, message: dict[str, Any], body: bytes, now: float | None = None) -> dict[str, str]:
        timestamp = int(now if now is not None else time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"tocsin/{__version__}",
            "webhook-id": message["id"],
            "webhook-timestamp": str(timestamp),
        }
        if self.login:
            headers["Authorization"] = "Basic " + base64.b64encode(self.login.encode("utf-8")).decode("ascii")
        if self.sink.secret:
            try:
                headers["webhook-signature"] = sign(self.sink.secret, message["id"], timestamp, body)
            except ValueError as e:  # binascii.Error: a whsec_ secret that is not base64
                raise TransportError(f"sink {self.sink.name}: the secret is not valid base64 after 'whsec_' ({e})",
                                     permanent=True) from e
        return headers

    def notify(self, message: dict[str, Any]) -> None:
        body = message_json(message).encode("utf-8")
        try:
            request = urllib.request.Request(self.url, data=body, method="POST", headers=self.headers(message, body))
        except ValueError as e:   # urllib cannot read the URL at all
            raise self.invalid_url(e) from None
        within_deadline(self.sink.timeout_s, self.where, lambda: self.post(request), self.should_stop)

    def post(self, request: urllib.request.Request) -> None:
        try:
            with self.opener.open(request, timeout=self.sink.timeout_s) as response:
                response.read(65536)
        except urllib.error.HTTPError as e:
            raise self.http_error(e.code, e.headers.get("Retry-After") if e.headers else None) from None
        except (http.client.InvalidURL, UnicodeError) as e:   # refused before anything was sent
            raise self.invalid_url(e) from None
        except http.client.HTTPException as e:   # not HTTP at all, or too many headers
            raise TransportError(f"{self.where}: the answer is not HTTP ({type(e).__name__})") from e
        except (urllib.error.URLError, OSError, socket.timeout) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise TransportError(f"{self.where}: certificate not trusted: {reason}", permanent=True) from e
            raise TransportError(f"{self.where}: {reason}") from e

    def invalid_url(self, error: Exception) -> TransportError:
        """The permanent error for a URL that cannot be sent: it names the error's kind only, since its text
        would show the path and query, which often hold the webhook's token."""
        return TransportError(f"{self.where}: the URL of sink {self.sink.name!r} is not valid ({type(error).__name__}); "
                              "write a space as %20 and leave out control characters", permanent=True)

    def http_error(self, code: int, retry_after: str | None) -> TransportError:
        """The error for an HTTP answer ``code`` that is not 2xx; ``retry_after``: its ``Retry-After`` header (the
        delivery caps the wait it asks for)."""
        wait = retry_after_s(retry_after) if retry_after else None
        if 300 <= code < 400:
            return TransportError(f"{self.where} answered {code} (a redirect); configure the final URL", permanent=True)
        if code in TRANSIENT_HTTP or code >= 500:
            return TransportError(f"{self.where} answered {code}", retry_after=wait)
        return TransportError(f"{self.where} answered {code}; check the URL and the secret", permanent=True)


class TrackedSMTP(smtplib.SMTP):
    """An SMTP client whose sockets a send given up on can cut (see :mod:`tocsin.alerts.deadline`)."""

    def _get_socket(self, host, port, timeout):  # noqa: D102 - smtplib API
        sock = super()._get_socket(host, port, timeout)
        track(sock)
        return sock

    def starttls(self, *args, **kwargs):  # noqa: D102 - smtplib API
        answer = super().starttls(*args, **kwargs)
        track(self.sock)   # the TLS wrapper takes the plain socket's place
        return answer


class TrackedSMTPSSL(TrackedSMTP, smtplib.SMTP_SSL):
    """The same over implicit TLS (port 465)."""


class EmailTransport(Transport):
    """Sends the message as a plain-text e-mail. ``Message-ID`` comes from the idempotency key (a
    receiving system can drop a duplicate); repeats of one alert thread under its first message. Port 465
    uses implicit TLS; otherwise ``starttls`` upgrades the connection and never silently falls back."""

    def domain(self) -> str:
        return self.sink.sender.rpartition("@")[2] or "tocsin.localhost"

    def build(self, message: dict[str, Any]) -> EmailMessage:
        """The e-mail of ``message``; its text headers are made one line (see :func:`header_safe`). A ``ValueError``
        (an address with a line break, in settings that skipped the config check) is raised as it is."""
        mail = EmailMessage()
        mail["Subject"] = header_safe(f"[tocsin {message['severity'].upper()}] {message['title']}")
        mail["From"] = self.sink.sender
        mail["To"] = ", ".join(self.sink.recipients)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = header_safe(f"<{message['id']}@{self.domain()}>")
        if message.get("thread") and message["thread"] != message["id"]:
            mail["In-Reply-To"] = mail["References"] = header_safe(f"<{message['thread']}@{self.domain()}>")
        mail["X-Tocsin-Alert"] = header_safe(str(message["alert_id"]))
        mail["X-Tocsin-Severity"] = header_safe(message["severity"])
        mail.set_content(message["text"] + "\n")
        return mail

    def connect(self) -> smtplib.SMTP:
        sink, context = self.sink, ssl.create_default_context()
        if sink.smtp_port == 465:
            return TrackedSMTPSSL(sink.smtp_host, sink.smtp_port, timeout=sink.timeout_s, context=context)
        client = TrackedSMTP(sink.smtp_host, sink.smtp_port, timeout=sink.timeout_s)
        if sink.starttls:
            client.ehlo()
            if not client.has_extn("starttls"):
                client.close()
                raise TransportError(f"{sink.smtp_host}:{sink.smtp_port} does not offer STARTTLS; use port 465, "
                                     "or set starttls = false only on a trusted network", permanent=True)
            client.starttls(context=context)
            client.ehlo()
        return client

    def notify(self, message: dict[str, Any]) -> None:
        try:
            mail = self.build(message)
        except ValueError as e:   # retrying builds the same e-mail again
            raise TransportError(f"sink {self.sink.name!r}: cannot build the e-mail ({e}); check its sender and "
                                 "recipients (one address each, on one line)", permanent=True) from None
        reached, owed = self.reached, self.owed
        within_deadline(self.sink.timeout_s, f"SMTP {self.sink.smtp_host}:{self.sink.smtp_port}",
                        lambda: self.send(mail, reached, owed), self.should_stop)

    def send(self, mail: EmailMessage, reached: frozenset[str] = frozenset(), owed: frozenset[str] | None = None) -> None:
        """Send ``mail`` to the recipients it is ``owed`` to (None: all) that it has not ``reached`` on an earlier
        attempt; raise :meth:`refusal` when some refuse it."""
        recipients = [r for r in self.sink.recipients if r not in reached and (owed is None or r in owed)]
        if not recipients:
            return   # every recipient it is for accepted it on an earlier attempt
        try:
            client = self.connect()
            try:
                if self.sink.username:
                    client.login(self.sink.username, self.sink.password)
                refused = client.send_message(mail, to_addrs=recipients)
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
            if refused:
                raise self.refusal(refused, reached | {r for r in recipients if r not in refused})
        except TransportError:
            raise
        except smtplib.SMTPAuthenticationError as e:
            raise TransportError(f"SMTP login refused ({e.smtp_code}); check username and password", permanent=True) from e
        except smtplib.SMTPRecipientsRefused as e:
            raise self.refusal(e.recipients, reached) from e
        except smtplib.SMTPResponseException as e:
            permanent = 500 <= e.smtp_code < 600
            raise TransportError(f"SMTP {self.sink.smtp_host} answered {e.smtp_code} {e.smtp_error!r}", permanent=permanent) from e
        except ssl.SSLCertVerificationError as e:
            raise TransportError(f"SMTP {self.sink.smtp_host}: certificate not trusted: {e}", permanent=True) from e
        except (smtplib.SMTPException, OSError) as e:
            raise TransportError(f"SMTP {self.sink.smtp_host}:{self.sink.smtp_port}: {e}") from e

    def refusal(self, refused: dict[str, tuple[int, bytes]], reached: frozenset[str]) -> TransportError:
        """The error for recipients that refused a message (``reached``: those that have it): transient when some
        deferred it (4xx), and the next attempt goes to those only; one that refused it for good (not 4xx) is named
        with the fix, and makes the error permanent when none deferred it (else it is in ``refused_for_good``)."""
        later = {r: answer for r, answer in refused.items() if 400 <= answer[0] < 500}
        for_good = {r: answer for r, answer in refused.items() if r not in later}
        has_it = f"; {', '.join(sorted(reached))} ha{'s' if len(reached) == 1 else 've'} it" if reached else ""
        retried = "tried again later for the deferring recipient(s) only"
        if not for_good:
            return TransportError(f"SMTP {self.sink.smtp_host}: {recipient_answers(later)} deferred it{has_it}; {retried}",
                                  reached=tuple(sorted(reached)))
        deferred = f"; {recipient_answers(later)} deferred it" if later else ""
        return TransportError(f"SMTP {self.sink.smtp_host} refused {recipient_answers(for_good)} for good{deferred}{has_it}: "
                              f"fix the address in the recipients of sink {self.sink.name!r}, then run "
                              "'tocsin alert deliver --retry-dead' (it goes to those that do not have it)"
                              + (f"; {retried}" if later else ""),
                              permanent=not later, reached=tuple(sorted(reached)),
                              refused_for_good=tuple(sorted(for_good)) if later else ())


def header_safe(value: str) -> str:
    """``value`` fit for one e-mail header line: line breaks and other control characters (a source name with a
    newline in a Subject) become spaces, which the mail library would otherwise refuse or fold on."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)


def recipient_answers(refused: dict[str, tuple[int, bytes]]) -> str:
    """``a@x (450 mailbox busy), b@y (…)``: each refused recipient with the server's answer."""
    return ", ".join(f"{r} ({code} {answer.decode('utf-8', 'replace') if isinstance(answer, bytes) else answer})"
                     for r, (code, answer) in sorted(refused.items()))


#: A send may take at most this many times the sink's ``timeout_s`` in all: ``timeout_s`` bounds each wait
#: for a byte, and a server answering one byte at a time would otherwise hold the daemon for hours.
DEADLINE_FACTOR = 3


def within_deadline(timeout_s: float, what: str, send: Callable[[], None],
                    should_stop: Callable[[], bool] | None = None) -> None:
    """Run ``send``, giving up on it after ``DEADLINE_FACTOR × timeout_s`` or as soon as ``should_stop()``
    (a transient error, tried again later; its connections are cut, so nothing is left running); its own
    errors are raised here."""
    try:
        run_within(DEADLINE_FACTOR * timeout_s, send, should_stop)
    except SendAbandoned as e:
        if e.stopping:
            raise TransportError(f"{what}: cut short because tocsin is stopping; tried again later", stalled=True,
                                 interrupted=True) from None
        raise TransportError(f"{what}: no complete answer within {DEADLINE_FACTOR * timeout_s:.0f} s "
                             "(a server answering a byte at a time?); tried again later", stalled=True) from None


def sample_message(sink: str, review_url: str) -> dict[str, Any]:
    """A message that says it is a test, shaped like a real one (``tocsin alert test``)."""
    import secrets as random_ids
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    key = f"tocsin-test-{random_ids.token_hex(6)}"
    return {
        "id": key, "type": "alert.test", "alert_id": 0, "notification": 1, "thread": key, "reason": "test",
        "rule": "test", "kind": "test", "key": "test", "severity": "info", "status": "open",
        "title": "tocsin test message", "count": 0, "labels": {"rule": "test", "kind": "test"}, "stats": {},
        "evidence": [], "links": {"alert": review_url.rstrip("/") + "/alerts", "items": []},
        "text": f"[INFO] tocsin test message\nThis message tests the sink {sink!r}; no action is needed.\n"
                f"Review: {review_url.rstrip('/')}/alerts",
        "created_at": now, "updated_at": now,
    }


TRANSPORTS: dict[str, Callable[[SinkSettings, Settings], Transport]] = {
    "console": ConsoleTransport,
    "file": FileTransport,
    "webhook": WebhookTransport,
    "email": EmailTransport,
}


def build_transport(sink: SinkSettings, settings: Settings) -> Transport:
    """The transport for one configured sink."""
    try:
        return TRANSPORTS[sink.kind](sink, settings)
    except KeyError:
        raise TransportError(f"sink {sink.name!r} has unknown kind {sink.kind!r}", permanent=True) from None
