"""Mail captured as it happens: one IMAP folder, headers only, incrementally.

`sync(store, url, options)` logs in to an IMAP server (TLS always: `imaps://`, or
`imap://` with STARTTLS; certificates checked against the system's trust store, which
SSL_CERT_FILE can point elsewhere), opens one folder read-only and fetches, for the
messages it has not seen yet, only the header fields the mbox import reads
(`BODY.PEEK[HEADER.FIELDS (...)]`: nothing is marked read, no body is ever asked for).
The headers go through the mbox import's rules (`io.mail.parse_fetched`: who is you,
mailing lists, no-reply senders and newsletters left out, direction) and its matcher and
writer, so an IMAP message and the same message in an mbox are one interaction.

Incremental: the folder's UIDVALIDITY and the last UID read are the source's state in
`sync_source` (`sync_sources`). A run asks only for UIDs above the last one, and asks for
nothing when the folder's UIDNEXT says nothing came in. When UIDVALIDITY changes (the
folder was recreated), the whole folder is read again; Message-ID keys make that add
nothing twice.

Safe from cron: a lock per database and folder (two runs never overlap; the second stops
with one sentence), one transaction per batch of messages that also moves the last UID
(a run interrupted after some batches resumes after the last one written), and every
run's outcome recorded for `goodwill doctor` and the daily session's warning.

The password comes from GOODWILL_IMAP_PASSWORD, a file, or the system keyring (the
`keyring` package, service "goodwill", user "USER@HOST") when it is installed. It is never
written to the database, a log, an error or the report, and a URL holding one is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import gc
import hashlib
import imaplib
import importlib
import json
import os
import re
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.errors import GoodwillError
from goodwill.io import mail
from goodwill.io.records import ImportOptions, InteractionRecord, ParseIssue
from goodwill.records import sync_sources
from goodwill.schemas.io import ImportIssue
from goodwill.schemas.sync_mail import MailSyncReport
from goodwill.store import policy
from goodwill.store.db import Store, bulk_insert
from goodwill.store.models import Exchange, Interaction, Request
from goodwill.sync.quick_mail import (
    KIND,
    PASSWORD_ENV,
    TIMEOUT_S,
    Target,
    addresses_of_me,
    lock_path,
    parse_url,
    quoted,
    response_number,
    tls_context,
)

if TYPE_CHECKING:
    from goodwill.io.importer import Progress

KEYRING_SERVICE = "goodwill"
# Messages per FETCH and per transaction: big enough that round trips and commits do not
# dominate, small enough that an interrupted run loses little and memory stays flat.
BATCH = 2000
# The header fields the mbox import reads (io.mail._WANTED) and nothing else.
FIELDS = (
    "FROM", "TO", "CC", "BCC", "DATE", "MESSAGE-ID", "IN-REPLY-TO",
    "LIST-ID", "LIST-UNSUBSCRIBE", "PRECEDENCE", "AUTO-SUBMITTED", "REFERENCES",
)  # fmt: skip
# The messages you answered (io.mail.thread_mark of each), kept in a source's state so that
# a question you answered from another folder (Sent) never becomes a request: the latest
# ones only, which is what an unanswered question is compared with.
REPLIED_KEPT = 20000
_UID = re.compile(rb"UID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_SKIPPED = re.compile(r"^skipped (\d+) messages?: (.*)$")


class MailSyncFailed(GoodwillError):
    """A mail sync stopped; what earlier batches wrote stays, the rest is left for next time."""


class SyncBusy(GoodwillError):
    """Another sync of the same folder into the same database is running."""


@dataclass
class MailSyncOptions:
    me: list[str] = field(default_factory=list)
    subjects: bool = False  # store each message's Subject as the interaction's summary
    password_file: Path | None = None
    batch: int = BATCH
    now: dt.datetime | None = None  # "now" for tests
    cafile: Path | None = None  # trust this certificate too (tests); else the system store


def find_password(target: Target, password_file: Path | None = None) -> str:
    """GOODWILL_IMAP_PASSWORD, else the file, else the keyring; one sentence when none."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if password_file is not None:
        try:
            content = password_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise MailSyncFailed(
                f"cannot read the password file {password_file}: {exc.strerror or exc}"
            ) from None
        except UnicodeDecodeError:
            raise MailSyncFailed(f"the password file {password_file} is not UTF-8 text") from None
        password = content.splitlines()[0] if content.splitlines() else ""
        if not password:
            raise MailSyncFailed(f"the password file {password_file} is empty")
        return password
    account = f"{target.user}@{target.host}"
    with contextlib.suppress(Exception):  # no keyring installed, or no backend for it
        keyring = importlib.import_module("keyring")
        found = keyring.get_password(KEYRING_SERVICE, account)
        if found:
            return str(found)
    raise MailSyncFailed(
        f"no password for {account}: set {PASSWORD_ENV}, pass --password-file, or store it "
        f"in the system keyring (keyring set {KEYRING_SERVICE} {account})"
    )


# --- the lock -----------------------------------------------------------------------------


@contextlib.contextmanager
def _lock(store: Store, location: str) -> Iterator[None]:
    """One run at a time per database and folder: a file lock for SQLite, an advisory lock
    on PostgreSQL (which several machines may share)."""
    address = store.engine.url.render_as_string(hide_password=True)
    busy = SyncBusy(f"another sync of {location} into this database is running: try again later")
    if store.is_sqlite:
        path = lock_path(address, location)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise busy from None
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return
    key = address + "\n" + location
    number = int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big", signed=True)
    with store.engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": number}).scalar():
            conn.rollback()
            raise busy
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
            conn.commit()


# --- talking IMAP -------------------------------------------------------------------------


def _connect(target: Target, password: str, cafile: Path | None) -> imaplib.IMAP4:
    where = f"the IMAP server {target.host}:{target.port}"
    context = tls_context(cafile)
    conn: imaplib.IMAP4 | None = None
    try:
        if target.scheme == "imaps":
            conn = imaplib.IMAP4_SSL(
                target.host, target.port, ssl_context=context, timeout=TIMEOUT_S
            )
        else:
            conn = imaplib.IMAP4(target.host, target.port, timeout=TIMEOUT_S)
            if "STARTTLS" not in conn.capabilities:
                raise MailSyncFailed(
                    f"{where} does not offer STARTTLS and goodwill never sends a password "
                    "unencrypted: use imaps://"
                )
            conn.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise MailSyncFailed(
            f"the certificate of {where} cannot be trusted ({exc.verify_message}): if the "
            "server is yours, point SSL_CERT_FILE at its certificate"
        ) from None
    except ssl.SSLError as exc:
        raise MailSyncFailed(f"cannot talk TLS with {where} ({exc.reason or exc})") from None
    except socket.gaierror:
        raise MailSyncFailed(f"cannot reach {where}: no such host") from None
    except ConnectionRefusedError:
        raise MailSyncFailed(f"cannot reach {where}: the connection was refused") from None
    except TimeoutError:
        raise MailSyncFailed(f"cannot reach {where}: no answer within {TIMEOUT_S:.0f} s") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise MailSyncFailed(f"cannot reach {where}: {reason}") from None
    try:
        conn.login(target.user, password)
    except (imaplib.IMAP4.error, OSError):
        # The server's own words are left out: some echo what the client sent.
        _close(conn)
        raise MailSyncFailed(
            f"{where} refused the login of {target.user}: wrong user name or password"
        ) from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(Exception):
        conn.logout()


def _uid_set(uids: Sequence[int]) -> str:
    """Sorted UIDs as an IMAP set: 1:5,7,9:12."""
    out: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        out.append(f"{start}:{prev}" if prev > start else str(start))
        start = prev = uid
    out.append(f"{start}:{prev}" if prev > start else str(start))
    return ",".join(out)


def _fetch(
    conn: imaplib.IMAP4, uids: Sequence[int], subjects: bool
) -> list[tuple[int, bytes, bytes]]:
    """(UID, header block, the FETCH line with its arrival time) of each message, in UID
    order: headers only, never marked read."""
    fields = " ".join((*FIELDS, "SUBJECT") if subjects else FIELDS)
    typ, data = conn.uid(
        "FETCH", _uid_set(uids), f"(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS ({fields})])"
    )
    if typ != "OK":
        raise imaplib.IMAP4.error("FETCH failed")
    found: list[tuple[int, bytes, bytes]] = []
    pending: tuple[bytes, bytes] | None = None  # a block whose UID comes after it
    for item in data:
        if isinstance(item, tuple):
            meta, block = item[0], item[1]
            if m := _UID.search(meta):
                found.append((int(m.group(1)), block, meta))
                pending = None
            else:
                pending = (meta, block)
        elif isinstance(item, bytes) and pending is not None and (m := _UID.search(item)):
            found.append((int(m.group(1)), pending[1], pending[0] + item))
            pending = None
    found.sort(key=lambda f: f[0])
    return found


def _arrived(meta: bytes) -> dt.datetime | None:
    """The INTERNALDATE in a FETCH response, in naive UTC (read only for a message whose
    Date header cannot be used)."""
    m = _INTERNALDATE.search(meta)
    if m is None:
        return None
    with contextlib.suppress(ValueError, OverflowError):
        return (
            dt.datetime.strptime(m.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
            .astimezone(dt.UTC)
            .replace(tzinfo=None)
        )
    return None


# --- the run ------------------------------------------------------------------------------


@dataclass
class _Run:
    target: Target
    options: MailSyncOptions
    report: MailSyncReport
    state: dict[str, Any]
    issues: list[ParseIssue] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    # The people this run has matched already, by address: (person id, named). A batch
    # matches only those it has not seen, or seen without the name it now has.
    people: dict[str, tuple[int, bool]] = field(default_factory=dict)
    # Who wrote each message read so far (Message-ID -> me/them), for replies in later
    # batches.
    sides: dict[str, str | None] = field(default_factory=dict)
    # The messages you answered: this run's, earlier runs' and other folders'.
    replied: set[str] = field(default_factory=set)
    replied_here: list[str] = field(default_factory=list)  # this folder's, oldest first


def sync(
    store: Store, url: str, options: MailSyncOptions, progress: Progress | None = None
) -> MailSyncReport:
    """Sync one IMAP folder into the database (see the module docstring)."""
    target = parse_url(url)
    for address in options.me:
        validate.email(address, "me")
    with _lock(store, target.location):
        try:
            password = find_password(target, options.password_file)
            return _sync(store, target, password, options, progress)
        except MailSyncFailed as exc:
            _record_failure(store, target.location, exc.message)
            raise
        except GoodwillError:
            raise
        except SQLAlchemyError:
            message = (
                f"the database refused a batch from {target.location}: the next run goes on "
                "from the last message written"
            )
            _record_failure(store, target.location, message)
            raise MailSyncFailed(message) from None
        except (imaplib.IMAP4.error, OSError) as exc:
            message = (
                f"the connection to the IMAP server {target.host}:{target.port} broke off "
                f"({type(exc).__name__}): the next run goes on from the last message written"
            )
            _record_failure(store, target.location, message)
            raise MailSyncFailed(message) from None
        except Exception as exc:  # a bug: doctor still says the source failed (no details)
            _record_failure(
                store, target.location, f"stopped on an unexpected {type(exc).__name__}"
            )
            raise


def _record_failure(store: Store, location: str, message: str) -> None:
    with store.session() as session:
        sync_sources.failed(sync_sources.get(session, KIND, location), message)


def _sync(
    store: Store,
    target: Target,
    password: str,
    options: MailSyncOptions,
    progress: Progress | None,
) -> MailSyncReport:
    with store.session() as session:
        source = sync_sources.get(session, KIND, target.location)
        state = sync_sources.state(source)
        me = _me(session, target, options, state)
        elsewhere = [  # the messages you answered, as other mail folders' syncs saw them
            str(mark)
            for other in sync_sources.everyone(session)
            if other.kind == KIND and other.location != target.location
            for mark in sync_sources.state(other).get("replied") or []
        ]
    conn = _connect(target, password, options.cafile)
    try:
        typ, data = conn.select(quoted(target.folder), readonly=True)
        if typ != "OK":
            raise MailSyncFailed(
                f"the IMAP server {target.host} has no folder {target.folder!r} for {target.user}"
            )
        uidvalidity = response_number(conn, "UIDVALIDITY")
        uidnext = response_number(conn, "UIDNEXT")
        exists = int(data[0]) if data and data[0] else 0
        if uidvalidity is None:
            raise MailSyncFailed(
                f"the IMAP server {target.host} gave no UIDVALIDITY for {target.folder!r}: "
                "it cannot be synced incrementally"
            )
        rescanned = state.get("uidvalidity") not in (None, uidvalidity)
        last = int(state.get("last_uid", 0)) if state.get("uidvalidity") == uidvalidity else 0
        report = MailSyncReport(
            location=target.location,
            uidvalidity=uidvalidity,
            rescanned=rescanned,
            last_uid=last,
            subjects=options.subjects,
        )
        run = _Run(target, options, report, {**state, "uidvalidity": uidvalidity, "me": me})
        run.state["last_uid"] = last
        run.replied_here = [str(m) for m in state.get("replied") or []]
        run.replied.update(run.replied_here, elsewhere)
        uids: list[int] = []
        if exists and not (uidnext is not None and uidnext - 1 <= last):
            typ, found = conn.uid("SEARCH", f"UID {last + 1}:*")
            if typ != "OK":
                raise imaplib.IMAP4.error("SEARCH failed")
            # "N:*" always matches the last message, even when its UID is below N.
            uids = sorted(u for u in (int(x) for x in b" ".join(found).split()) if u > last)
        if progress:
            progress.start(f"fetching headers from {target.folder}", len(uids))
        size = max(options.batch, 1)
        chunks = [uids[i : i + size] for i in range(0, len(uids), size)]
        # The next batch is fetched while this one is written: the server's answer and
        # the database work overlap instead of adding up.
        with ThreadPoolExecutor(max_workers=1) as pool, _collector_spared():
            ahead = pool.submit(_fetch, conn, chunks[0], options.subjects) if chunks else None
            for i, chunk in enumerate(chunks):
                t0 = time.perf_counter()
                assert ahead is not None
                blocks = ahead.result()
                t1 = time.perf_counter()
                if i + 1 < len(chunks):
                    ahead = pool.submit(_fetch, conn, chunks[i + 1], options.subjects)
                _write_batch(store, run, blocks, chunk[-1])
                gc.collect(1)
                report.fetch_seconds += t1 - t0
                report.write_seconds += time.perf_counter() - t1
                if progress:
                    progress.advance(len(chunk))
    finally:
        _close(conn)
    with store.session() as session:
        source = sync_sources.get(session, KIND, target.location)
        sync_sources.succeeded(source, run.state)
    report.issues = _issues(run)
    report.fetch_seconds = round(report.fetch_seconds, 3)
    report.write_seconds = round(report.write_seconds, 3)
    return report


@contextlib.contextmanager
def _collector_spared() -> Iterator[None]:
    """The batches run with what was loaded before them (SQLAlchemy's and pydantic's
    classes, the models: hundreds of thousands of objects) out of the cycle collector's
    sight: a batch makes tens of thousands of objects, each making the collector look at
    the whole heap again and again. Given back at the end, so nothing is kept from it."""
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _me(
    session: Session, target: Target, options: MailSyncOptions, state: dict[str, Any]
) -> list[str]:
    """Your addresses: --me, else your profile's, else those of earlier runs, else the
    login name when it is an address; empty: the first batch guesses (and it is kept)."""
    if options.me:
        return sorted({validate.email(a, "me") for a in options.me})
    # Imported here: a timer tick with --me and nothing new never needs the people records.
    from goodwill.records import people

    return addresses_of_me(people.me_emails(session), target, state)


def _write_batch(
    store: Store, run: _Run, blocks: list[tuple[int, bytes, bytes]], last_uid: int
) -> None:
    """One transaction: the batch's people and interactions, and the UID it reached.

    The messages go through the mbox import's rules (io.mail.parse_fetched); only the
    people this run has not met yet go through the matcher and writer; the interactions
    are written by `_insert_interactions`, two statements a batch, with participants
    found in the run's one dict of people.
    """
    # Imported here, not at the top: a run with nothing new (a timer's usual tick) never
    # loads the matcher, the writer and the search index (0.2-0.3 s of start-up).
    from goodwill.io import matcher, writer

    options = ImportOptions(me=list(run.state.get("me") or []), now=run.options.now)
    known_marks = set(run.replied)
    answered: list[str] = []
    named = [
        (f"UID {uid}", block, functools.partial(_arrived, meta)) for uid, block, meta in blocks
    ]
    result, me = mail.parse_fetched(
        named,
        options,
        file=run.target.location,
        subjects=run.options.subjects,
        sides=run.sides,
        replied=run.replied,
        answered=answered,
    )
    seen = run.people
    fresh = [
        p
        for p in result.people
        if p.source_key not in seen or (p.name and not seen[p.source_key][1])
    ]
    report = run.report
    issues: list[ParseIssue] = list(result.issues)
    with store.session() as session:
        if fresh:
            plan = matcher.match(session, fresh)
            stats = writer.write(session, plan, (), now=run.options.now)
            named_keys = {p.source_key for p in fresh if p.name}
            for key, ref in plan.by_key.items():
                found = stats.ids.get(ref, ref)
                if found > 0:
                    seen[key] = (found, key in named_keys or seen.get(key, (0, False))[1])
            report.created += stats.created
            report.updated += stats.updated
            report.merged += stats.merged
            report.unchanged += stats.unchanged
            issues += plan.issues + stats.issues
        report.unchanged += len(result.people) - len(fresh)
        created, unchanged, opened, skipped = _insert_interactions(
            session, seen, result.interactions, run.options.now
        )
        report.interactions_created += created
        report.interactions_unchanged += unchanged
        report.requests_opened += opened
        if answered:
            report.requests_withdrawn += _withdraw_answered(session, answered)
        issues += skipped
        source = sync_sources.get(session, KIND, run.target.location)
        run.state["last_uid"] = last_uid
        new_marks = sorted(run.replied - known_marks)
        if new_marks:
            run.replied_here = [*run.replied_here, *new_marks][-REPLIED_KEPT:]
            run.state["replied"] = run.replied_here
        if me and not run.state.get("me"):
            run.state["me"] = sorted(me)
        # The state moves with the batch: an interrupted run resumes after it.
        source.state = json.dumps(run.state, sort_keys=True)
        source.last_run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report.fetched += len(blocks)
    report.last_uid = last_uid
    report.batches += 1
    for issue in issues:
        m = _SKIPPED.match(issue.message)
        if m:
            run.skipped[m.group(2)] += int(m.group(1))
        else:
            run.issues.append(issue)


def _insert_interactions(
    session: Session,
    people_by_address: dict[str, tuple[int, bool]],
    records: Sequence[InteractionRecord],
    now: dt.datetime | None,
) -> tuple[int, int, int, list[ParseIssue]]:
    """The batch's new interactions and their participants: (created, already there,
    requests opened, issues). What io.writer does for an import, as two executemany
    statements of plain tuples instead of one compiled parameter set a row (tests compare
    a mailbox through `import mbox` and through `sync mail`); with the open requests of
    the messages that asked you something (io.mail.asked_you)."""
    if not records:
        return 0, 0, 0, []
    conn = session.connection()
    keys = [r.source_key[:500] for r in records]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    known: set[str] = set()
    for i in range(0, len(keys), 500):  # plain statements: a batch asks 2,000 keys
        part = tuple(keys[i : i + 500])
        marks = ", ".join([mark] * len(part))
        rows = conn.exec_driver_sql(
            f"SELECT source_key FROM interaction WHERE source_key IN ({marks})", part
        )
        known.update(r[0] for r in rows)
    when_now = now or dt.datetime.now()
    issues: list[ParseIssue] = []
    kept: list[tuple[InteractionRecord, str, list[int]]] = []
    unchanged = 0
    for r, key in zip(records, keys, strict=True):
        if key in known:
            unchanged += 1
            continue
        ids: list[int] = []
        for address in r.participants:
            found = people_by_address.get(address)
            if found is not None and found[0] not in ids:
                ids.append(found[0])
        if not ids:
            issues.append(ParseIssue(r.source, r.line, "interaction with nobody we know: skipped"))
            continue
        known.add(key)
        kept.append((r, key, ids))
    if not kept:
        return 0, unchanged, 0, issues
    sqlite = conn.dialect.name == "sqlite"
    new_ids = _next_ids(conn, len(kept), sqlite)
    viewer = policy.current()
    owner = viewer.member_id if viewer is not None else None
    stamp: Any = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    when: Callable[[dt.datetime], Any] = _sqlite_time if sqlite else _same
    if sqlite:
        stamp = _sqlite_time(stamp)
    columns = (
        "id, occurred_at, kind, summary, initiated_by, planned, source, source_key, "
        "created_at, owner_id"
    )
    flag = (1, 0) if sqlite else (True, False)
    conn.exec_driver_sql(
        f"INSERT INTO interaction ({columns}) VALUES ({', '.join([mark] * 10)})",
        [
            (
                iid,
                when(r.occurred_at),
                r.kind,
                r.summary,
                r.initiated_by,
                flag[0] if r.occurred_at > when_now else flag[1],
                r.source,
                key,
                stamp,
                owner,
            )
            for iid, (r, key, _ids) in zip(new_ids, kept, strict=True)
        ],
    )
    conn.exec_driver_sql(
        "INSERT INTO participant (interaction_id, person_id, owner_id) "
        f"VALUES ({mark}, {mark}, {mark})",
        [
            (iid, pid, owner)
            for iid, (_r, _k, ids) in zip(new_ids, kept, strict=True)
            for pid in ids
        ],
    )
    summarised = [iid for iid, (r, _k, _i) in zip(new_ids, kept, strict=True) if r.summary]
    if summarised:
        from goodwill.store import search  # see _write_batch: not on a nothing-new run

        search.index_interactions(session, summarised)
    asked = [
        (iid, r, ids[0]) for iid, (r, _k, ids) in zip(new_ids, kept, strict=True) if r.they_asked
    ]
    if asked:  # as records.interactions.log opens a request: the ask, then the request
        bulk_insert(
            session,
            Exchange,
            [
                {
                    "interaction_id": iid,
                    "person_id": pid,
                    "direction": "they_asked",
                    "kind": "ask",
                    "text": r.they_asked,
                    "outcome": "open",
                    "occurred_at": r.occurred_at,
                }
                for iid, r, pid in asked
            ],
        )
        bulk_insert(
            session,
            Request,
            [
                {
                    "person_id": pid,
                    "text": r.they_asked,
                    "interaction_id": iid,
                    "created_at": r.occurred_at,
                }
                for iid, r, pid in asked
            ],
        )
    return len(new_ids), unchanged, len(asked), issues


def _withdraw_answered(session: Session, answered: Sequence[str]) -> int:
    """Requests this capture opened for questions you have since answered by mail (a
    reply naming them): a thread you answered is no request (io.mail.asked_you). Only
    open ones the capture made; whatever you closed or logged yourself stays."""
    keys = sorted({f"email:{m}" for m in answered})
    found = session.execute(
        select(Request.id, Request.interaction_id)
        .join(Interaction, Interaction.id == Request.interaction_id)
        .where(
            Interaction.source_key.in_(keys),
            Interaction.source == "imap",
            Request.status == "open",
            Request.answer.is_(None),
        )
    ).all()
    if not found:
        return 0
    session.execute(delete(Request).where(Request.id.in_([r for r, _i in found])))
    session.execute(
        delete(Exchange).where(
            Exchange.interaction_id.in_([i for _r, i in found]),
            Exchange.direction == "they_asked",
            Exchange.outcome == "open",
        )
    )
    return len(found)


def _next_ids(conn: Any, n: int, sqlite: bool) -> list[int]:
    """n new interaction ids: on SQLite the next free ones inside this write transaction
    (as io.writer gives them), on PostgreSQL from the table's sequence."""
    if sqlite:
        start = (
            int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM interaction").scalar()) + 1
        )
        return list(range(start, start + n))
    rows = conn.execute(
        text(
            "SELECT nextval(pg_get_serial_sequence('interaction', 'id')) "
            "FROM generate_series(1, :n)"
        ),
        {"n": n},
    )
    return [int(r[0]) for r in rows]


def _sqlite_time(value: dt.datetime) -> str:
    """A datetime as SQLAlchemy writes it to SQLite (so string comparisons keep working)."""
    return value.isoformat(" ", "microseconds")


def _same(value: dt.datetime) -> dt.datetime:
    return value


def _issues(run: _Run) -> list[ImportIssue]:
    """The batches' issues, each once, with one line per reason for leaving messages out."""
    out: dict[str, ImportIssue] = {}
    for issue in run.issues:
        out.setdefault(
            issue.message,
            ImportIssue(
                file=run.target.location, line=None, message=issue.message, skipped=issue.skipped
            ),
        )
    for reason, n in sorted(run.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        message = f"skipped {n} message{'' if n == 1 else 's'}: {reason}"
        out[message] = ImportIssue(file=run.target.location, message=message)
    return list(out.values())


__all__ = [
    "MailSyncFailed",
    "MailSyncOptions",
    "SyncBusy",
    "Target",
    "find_password",
    "parse_url",
    "sync",
]
