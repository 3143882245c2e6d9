"""`sync mail IMAP_URL` when the folder has nothing new, without loading the store.

A timer runs `goodwill sync mail` every few minutes and almost every run finds nothing new;
the full run's time is then mostly importing SQLAlchemy, pydantic and Typer. This looks
first, with the standard library only (imaplib, ssl, sqlite3):

- a SQLite file at the schema this code expects (not a team's database), holding a mail
  source for the URL whose state names the folder's UIDVALIDITY and the last UID read;
- your addresses (--me, else your own person's, else those kept) as the state keeps them,
  so the full run would leave the state as it is;
- a password from GOODWILL_IMAP_PASSWORD or --password-file (the keyring is the full
  run's: importing it is most of what this saves);
- the folder, opened read-only, with the same UIDVALIDITY and a UIDNEXT that says no
  message came in since the last UID read (or no message at all);

then the full run would fetch nothing and write nothing but the run's outcome: this records
it in sync_source as `sync_sources.succeeded` does (under the full run's lock), and prints
the full run's report. Anything else (PostgreSQL, new mail, a changed UIDVALIDITY, an
option it does not know, any error) answers nothing, and the full run does what it always
does, errors and their one sentence included.

The IMAP URL's rules live here too (`parse_url`, `Target`), so that this module and
sync/mail.py read a URL the same way without SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import imaplib
import json
import os
import sqlite3
import ssl
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.store.address import resolve_url, sqlite_file
from goodwill.sync.quick import lean_source

PASSWORD_ENV = "GOODWILL_IMAP_PASSWORD"
KIND = "mail"
TIMEOUT_S = 60.0
CACHE_DIR_ENV = "GOODWILL_CACHE_DIR"  # store.db.CACHE_DIR_ENV (tests check they agree)
_DEFAULT_PORT = {"imaps": 993, "imap": 143}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NO_PASSWORD = (
    f"must not hold a password: put it in {PASSWORD_ENV}, a --password-file or the system keyring"
)


@dataclass(frozen=True)
class Target:
    """Where to sync from: an IMAP URL without its password."""

    scheme: str  # imaps | imap (STARTTLS)
    user: str
    host: str
    port: int
    folder: str

    @property
    def location(self) -> str:
        """The source's key in sync_source: the URL as typed, normalised, no password."""
        port = "" if self.port == _DEFAULT_PORT[self.scheme] else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = quote(self.user, safe="@")
        return f"{self.scheme}://{user}@{host}{port}/{quote(self.folder, safe='/')}"


def parse_url(url: str) -> Target:
    """`imaps://USER@HOST[:PORT]/FOLDER` (folder INBOX when left out); one clear error else.

    An error shows the URL with any password in it masked, never the parser's own words
    (which can quote a password mistaken for a port).
    """
    raw = url.strip()
    shown = _shown(raw)
    scheme, _, rest = raw.partition("://")
    authority = rest.split("/", 1)[0]
    if "@" in authority and ":" in authority[: authority.rindex("@")]:
        raise InvalidInput("IMAP URL", shown, _NO_PASSWORD)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidInput("IMAP URL", shown, "is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT:
        raise InvalidInput("IMAP URL", shown, "must start with imaps:// (or imap:// for STARTTLS)")
    if parts.password is not None:
        raise InvalidInput("IMAP URL", shown, _NO_PASSWORD)
    user = unquote(parts.username or "")
    if not user:
        raise InvalidInput("IMAP URL", shown, "names no user: write it as imaps://USER@HOST/FOLDER")
    if not parts.hostname:
        raise InvalidInput(
            "IMAP URL", shown, "names no server: write it as imaps://USER@HOST/FOLDER"
        )
    if parts.query or parts.fragment:
        raise InvalidInput("IMAP URL", shown, "takes no ?query or #fragment")
    folder = unquote(parts.path.lstrip("/")).rstrip("/") or "INBOX"
    if not folder.isascii() or any(c in folder for c in "\r\n\x00"):
        raise InvalidInput(
            "IMAP folder", folder, "only folder names in plain ASCII letters are supported"
        )
    return Target(scheme, user, parts.hostname, port or _DEFAULT_PORT[scheme], folder)


def _shown(url: str) -> str:
    """The URL for an error message: whatever stands between 'USER:' and the last '@'
    (a password, when there is one) masked."""
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0 or ":" not in rest[:at]:
        return url
    return f"{scheme}{sep}{rest[:at].split(':', 1)[0]}:***@{rest[at + 1 :]}"


def tls_context(cafile: Path | None) -> ssl.SSLContext:
    # The system store (OpenSSL honours SSL_CERT_FILE / SSL_CERT_DIR), hostnames checked.
    context = ssl.create_default_context()
    if cafile is not None:
        context.load_verify_locations(cafile=str(cafile))
    return context


def quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def response_number(conn: imaplib.IMAP4, name: str) -> int | None:
    _typ, data = conn.response(name)
    with contextlib.suppress(TypeError, ValueError, IndexError):
        return int(data[0])
    return None


def lock_path(database_url: str, location: str) -> Path:
    """The file a SQLite run locks (one per database and folder), in the cache folder
    (store.db.cache_folder's rule)."""
    base = os.environ.get(CACHE_DIR_ENV)
    if base:
        folder = Path(base)
    else:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("goodwill", appauthor=False))
    key = database_url + "\n" + location
    return folder / f"sync-{hashlib.sha1(key.encode()).hexdigest()[:16]}.lock"


# --- the lean run -------------------------------------------------------------------------


@dataclass
class _Request:
    url: str
    me: list[str]
    subjects: bool
    password_file: Path | None
    fmt: str


def _arguments(words: Sequence[str]) -> _Request | None:
    """The command's arguments (after `sync mail`), or None for any this does not know."""
    url: str | None = None
    me: list[str] = []
    subjects = False
    password_file: Path | None = None
    fmt = "table"
    i = 0
    while i < len(words):
        word = words[i]
        name, value = word, None
        if word.startswith("--") and "=" in word:
            name, value = word.split("=", 1)
        if name == "--subjects" and value is None:
            subjects = True
        elif name in ("--me", "--password-file", "--format", "-f"):
            if value is None:
                if i + 1 >= len(words):
                    return None
                i += 1
                value = words[i]
            if name == "--me":
                me.append(value)
            elif name == "--password-file":
                password_file = Path(value)
            else:
                fmt = value.lower()
        elif word.startswith("-") or url is not None:
            return None  # --help, anything else, a second argument: the full command line
        else:
            url = word
        i += 1
    if url is None or fmt not in ("table", "json"):
        return None
    return _Request(url, me, subjects, password_file, fmt)


def run(db: str | None, words: Sequence[str]) -> bool:
    """Answer `sync mail ARGS` when nothing is new (the run recorded, the report printed):
    True; False when the full command line must run."""
    request = _arguments(words)
    if request is None:
        return False
    report = nothing_new(db, request)
    if report is None:
        return False
    if request.fmt == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text(report) + "\n")
    sys.stdout.flush()
    return True


def report(location: str, uidvalidity: int, last_uid: int, subjects: bool) -> dict[str, Any]:
    """The whole report (schemas.sync_mail.MailSyncReport, its fields in order) of a run
    that fetched nothing, as the command line's JSON gives it."""
    return {
        "location": location,
        "uidvalidity": uidvalidity,
        "rescanned": False,
        "fetched": 0,
        "last_uid": last_uid,
        "batches": 0,
        "created": 0,
        "updated": 0,
        "merged": 0,
        "unchanged": 0,
        "interactions_created": 0,
        "interactions_unchanged": 0,
        "requests_opened": 0,
        "requests_withdrawn": 0,
        "subjects": subjects,
        "fetch_seconds": 0.0,
        "write_seconds": 0.0,
        "issues": [],
    }


def text(report: dict[str, Any]) -> str:
    """cli.sync._mail_text of a run that fetched nothing (one line, never wrapped)."""
    return f"{report['location']}: nothing new"


def nothing_new(db: str | None, request: _Request) -> dict[str, Any] | None:
    """The report of a run that finds nothing new (the run recorded), or None."""
    path = sqlite_file(db)
    if path is None:
        return None
    try:
        target = parse_url(request.url)
        me = sorted({validate.email(a, "me") for a in request.me})
        with path.open("rb") as fh:
            if fh.read(16) != _SQLITE_MAGIC:
                return None
    except (InvalidInput, OSError):
        return None
    password = _password(request.password_file)
    if password is None:
        return None
    try:
        with _locked(lock_path(resolve_url(db), target.location)) as free:
            if not free:
                return None  # the full run says another is running
            with closing(sqlite3.connect(str(path), timeout=30, isolation_level=None)) as conn:
                return _look(conn, target, me, password, request.subjects)
    except (sqlite3.Error, imaplib.IMAP4.error, OSError, ValueError, KeyError, TypeError):
        return None


def _password(password_file: Path | None) -> str | None:
    """find_password's first two places; None: the full run looks (and says what is wrong)."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if password_file is None:
        return None
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[0] if lines and lines[0] else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[bool]:
    """The full run's lock on this database and folder (sync.mail._lock): True when held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _your_addresses(conn: sqlite3.Connection, target: Target, state: dict[str, Any]) -> list[str]:
    """sync.mail._me without --me, read with the standard library."""
    mine = [
        str(r[0])
        for r in conn.execute(
            "SELECT e.address FROM email e JOIN person p ON p.id = e.person_id "
            "WHERE p.id = (SELECT id FROM person WHERE is_me = 1 LIMIT 1)"
        )
    ]
    return addresses_of_me(mine, target, state)


def addresses_of_me(mine: Sequence[str], target: Target, state: dict[str, Any]) -> list[str]:
    """Your addresses without --me (the one rule of both paths): your own person's, else
    those an earlier run kept, else the login name when it is an address; else none."""
    if mine:
        return sorted(mine)
    kept = state.get("me")
    if isinstance(kept, list) and kept:
        return [str(a) for a in kept]
    with contextlib.suppress(InvalidInput):
        return [validate.email(target.user, "me")]
    return []


def _look(
    conn: sqlite3.Connection, target: Target, me: list[str], password: str, subjects: bool
) -> dict[str, Any] | None:
    found = lean_source(conn, target.location, KIND)
    if found is None:
        return None
    source_id, state, stored = found
    uidvalidity, last = state.get("uidvalidity"), state.get("last_uid")
    if type(uidvalidity) is not int or type(last) is not int:
        return None
    me = me or _your_addresses(conn, target, state)
    # The state the full run would leave (sync.mail._sync): unless it is the one stored,
    # the full run writes it.
    if json.dumps({**state, "uidvalidity": uidvalidity, "me": me}, sort_keys=True) != stored:
        return None
    if not _folder_unchanged(target, password, uidvalidity, last):
        return None
    # Recorded as sync_sources.succeeded records a run (the state is unchanged).
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute("BEGIN IMMEDIATE")
    try:
        again = conn.execute("SELECT state FROM sync_source WHERE id = ?", (source_id,)).fetchone()
        if again is None or again[0] != stored:
            conn.execute("ROLLBACK")
            return None
        conn.execute(
            "UPDATE sync_source SET last_run_at = ?, last_ok_at = ?, failing_since = NULL "
            "WHERE id = ?",
            (now, now, source_id),
        )
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise
    return report(target.location, uidvalidity, last, subjects)


def _folder_unchanged(target: Target, password: str, uidvalidity: int, last: int) -> bool:
    """Whether the folder still has this UIDVALIDITY and no message above UID `last`, as
    sync.mail._sync decides it (SELECT read-only: EXISTS, UIDVALIDITY, UIDNEXT)."""
    context = tls_context(None)
    conn: imaplib.IMAP4
    if target.scheme == "imaps":
        conn = imaplib.IMAP4_SSL(target.host, target.port, ssl_context=context, timeout=TIMEOUT_S)
    else:
        conn = imaplib.IMAP4(target.host, target.port, timeout=TIMEOUT_S)
        if "STARTTLS" not in conn.capabilities:
            with contextlib.suppress(Exception):
                conn.shutdown()
            return False
        conn.starttls(context)
    try:
        conn.login(target.user, password)
        typ, data = conn.select(quoted(target.folder), readonly=True)
        if typ != "OK":
            return False
        exists = int(data[0]) if data and data[0] else 0
        if response_number(conn, "UIDVALIDITY") != uidvalidity:
            return False
        uidnext = response_number(conn, "UIDNEXT")
        return not exists or (uidnext is not None and uidnext - 1 <= last)
    finally:
        with contextlib.suppress(Exception):
            conn.logout()
