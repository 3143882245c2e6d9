"""`goodwill sync mail` against a real Dovecot over TLS (tests/dovecot_server.py).

The mailbox is filled with IMAP APPEND from the Enron metadata and the mail fixtures of
tests/data. Dovecot's own log proves that a sync fetches headers only (body_count=0) and
that a second run fetches nothing. Skipped where Dovecot is not installed, except in CI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import imaplib
import json
import mailbox
import os
import shutil
import ssl
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from goodwill.store.db import Store, open_store
from goodwill.store.models import Base, Interaction, Participant, Person, SyncSource
from goodwill.sync import mail as capture
from tests.helpers import DATA, Result
from tests.sync.dovecot_server import DOVECOT, PASSWORD, USER, Dovecot, enron_mail, message, running

NOW = dt.datetime(2030, 1, 1)
ME = USER


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    if DOVECOT is None:
        if os.environ.get("CI"):  # CI installs it: a missing Dovecot there is a failure
            pytest.fail("dovecot is not installed: .ci/run installs dovecot-imapd")
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd)")
    # Not under pytest's temporary folder: pytest (any run on the machine) makes its root
    # private again, and the `dovecot` mail user must be able to traverse every parent.
    root = Path(tempfile.mkdtemp(prefix="goodwill-dovecot-"))
    try:
        with running(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[imaplib.IMAP4_SSL]:
    context = ssl.create_default_context(cafile=str(dovecot.cafile))
    conn = imaplib.IMAP4_SSL("127.0.0.1", dovecot.port, ssl_context=context)
    conn.login(USER, PASSWORD)
    yield conn
    conn.logout()


@pytest.fixture
def folder(imap: imaplib.IMAP4_SSL) -> str:
    """A fresh folder of the test user, for this test alone."""
    name = f"t{uuid.uuid4().hex[:12]}"
    assert imap.create(name)[0] == "OK"
    return name


@pytest.fixture
def env(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(capture.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cafile))
    monkeypatch.setenv("GOODWILL_CACHE_DIR", str(tmp_path / "cache"))


def append(imap: imaplib.IMAP4_SSL, folder: str, messages: list[bytes]) -> None:
    for raw in messages:
        typ, data = imap.append(folder, None, None, raw)
        assert typ == "OK", data


def fixtures() -> list[bytes]:
    """The real-world mail of tests/data: an mbox with CRLF lines, one with every quirk."""
    out = []
    for name in ("inbox.mbox", "crlf.mbox"):
        out += [m.as_bytes() for m in mailbox.mbox(str(DATA / "mail" / name))]
    return out


def fill(imap: imaplib.IMAP4_SSL, folder: str) -> tuple[int, str]:
    """Enron messages (when the data set is there) and the fixtures; (count, me)."""
    enron, me = enron_mail(150)
    messages = enron + fixtures()
    append(imap, folder, messages)
    return len(messages), me or ME


def sync(
    store: Store, dovecot: Dovecot, folder: str, me: str, **options: object
) -> capture.MailSyncReport:
    return capture.sync(
        store,
        dovecot.url(folder),
        capture.MailSyncOptions(me=[me], now=NOW, **options),  # type: ignore[arg-type]
    )


def count(store: Store, model: type[Base]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def snapshot(store: Store, but: tuple[str, ...] = ("sync_source",)) -> dict[str, list[str]]:
    """Every table's rows (as text, sorted), but the named ones. A source record's when
    and fingerprint say when a person was last seen by a sync: left out."""
    out = {}
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in but:
                continue
            columns = [
                c
                for c in table.columns
                if not (table.name == "source_record" and c.name in ("imported_at", "fingerprint"))
            ]
            rows = conn.execute(select(*columns))
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def last_session(dovecot: Dovecot) -> tuple[int, int]:
    """(hdr_count, body_count) of the last IMAP session Dovecot logged."""
    for _ in range(50):  # the log line is written as the session ends
        counts = dovecot.counts()
        if counts and counts[-1] != getattr(last_session, "seen", None):
            break
        time.sleep(0.1)
    last_session.seen = counts[-1]  # type: ignore[attr-defined]
    return counts[-1]


def test_sync_twice_append_then_uidvalidity_changes(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None
) -> None:
    total, me = fill(imap, folder)
    first = sync(store, dovecot, folder, me, batch=40)
    assert first.fetched == total
    assert first.batches == -(-total // 40)
    assert first.interactions_created > 0 and first.created > 0
    assert last_session(dovecot) == (total, 0)  # headers of every message, no body
    before = snapshot(store)

    second = sync(store, dovecot, folder, me)
    assert second.fetched == 0 and second.interactions_created == 0
    assert last_session(dovecot) == (0, 0)  # nothing fetched at all
    assert snapshot(store) == before

    ann = ("ann.new@example.net", "Ann New")
    day = dt.timedelta(days=1)
    new = [
        message(ann, [(me, "Me")], NOW - 2 * day, "n1@x"),
        message((me, "Me"), [ann], NOW - day, "n2@x", in_reply_to="n1@x"),
    ]
    append(imap, folder, new)
    third = sync(store, dovecot, folder, me)
    assert (third.fetched, third.interactions_created, third.created) == (2, 2, 1)
    assert last_session(dovecot) == (2, 0)
    with store.session() as s:
        ann = s.scalars(select(Person.id).where(Person.display_name == "Ann New")).one()
        mine = select(func.count()).select_from(Participant).where(Participant.person_id == ann)
        assert s.scalar(mine) == 2
    after_append = snapshot(store)

    # The folder is recreated: a new UIDVALIDITY, the same messages again.
    assert imap.delete(folder)[0] == "OK"
    assert imap.create(folder)[0] == "OK"
    time.sleep(1.1)  # Dovecot's UIDVALIDITY is a time in seconds
    append(imap, folder, [*enron_mail(150)[0], *fixtures(), *new])
    fourth = sync(store, dovecot, folder, me)
    assert fourth.rescanned and fourth.uidvalidity != first.uidvalidity
    assert fourth.fetched == total + 2
    assert (fourth.created, fourth.interactions_created) == (0, 0)
    assert snapshot(store) == after_append  # no duplicates, nothing lost
    with store.session() as s:
        keys = list(s.scalars(select(Interaction.source_key)))
        assert len(keys) == len(set(keys))
        source = s.scalars(select(SyncSource)).one()
        assert source.kind == "mail" and source.last_error is None
        assert PASSWORD not in source.state and PASSWORD not in source.location


def test_the_password_is_nowhere(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None,
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    fill(imap, folder)
    ok = cli("sync", "mail", dovecot.url(folder), "--me", ME, "--format", "json")
    assert ok.code == 0, ok.err
    monkeypatch.setenv(capture.PASSWORD_ENV, "wrong " + PASSWORD)
    bad = cli("sync", "mail", dovecot.url(folder), "--me", ME)
    doctor = cli("doctor", "--format", "json")
    for result in (ok, bad, doctor):
        assert PASSWORD not in result.out + result.err
    for rows in snapshot(store, but=()).values():
        assert not any(PASSWORD in row for row in rows)
    assert PASSWORD not in dovecot.log.read_text(errors="replace")


def test_wrong_password_is_one_sentence_and_changes_nothing(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None,
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    fill(imap, folder)
    before = snapshot(store)
    monkeypatch.setenv(capture.PASSWORD_ENV, "not the password")
    bad = cli("sync", "mail", dovecot.url(folder), "--me", ME)
    assert bad.code == 1 and bad.out == ""
    assert bad.err.count("\n") == 1 and "Traceback" not in bad.err
    assert "refused the login of robin@example.org: wrong user name or password" in bad.err
    assert "not the password" not in bad.err
    assert snapshot(store) == before
    doctor = cli("doctor", "--format", "json")
    assert "wrong user name or password" in doctor.out


def test_unreachable_host_and_untrusted_certificate(
    store: Store, dovecot: Dovecot, folder: str, env: None, cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    from tests.sync.dovecot_server import free_port

    before = snapshot(store)
    closed = cli("sync", "mail", f"imaps://{USER}@127.0.0.1:{free_port()}/INBOX")
    assert closed.code == 1
    assert closed.err.startswith("error: cannot reach the IMAP server 127.0.0.1:")
    assert closed.err.count("\n") == 1
    nowhere = cli("sync", "mail", f"imaps://{USER}@no-such-host.invalid/INBOX")
    assert nowhere.code == 1 and "no such host" in nowhere.err
    # Without SSL_CERT_FILE the self-signed certificate is not trusted: no login is tried.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
    (tmp_path / "empty.pem").write_text("")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    untrusted = cli("sync", "mail", dovecot.url(folder))
    assert untrusted.code == 1 and "cannot be trusted" in untrusted.err, untrusted.err
    assert snapshot(store) == before


def test_no_password_and_password_file(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None,
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.delenv(capture.PASSWORD_ENV)
    missing = cli("sync", "mail", dovecot.url(folder))
    assert missing.code == 1
    assert "no password for robin@example.org@127.0.0.1: set GOODWILL_IMAP_PASSWORD" in missing.err
    secret = tmp_path / "imap-password"
    secret.write_text(PASSWORD + "\n")
    append(imap, folder, fixtures())
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal, or cron's 80 columns
    ok = cli("sync", "mail", dovecot.url(folder), "--me", ME, "--password-file", str(secret))
    assert ok.code == 0, ok.err
    summary = ok.out.splitlines()[0]  # one line, never wrapped: logs are searched by line
    assert "fetched the headers of" in summary and summary.endswith(" unchanged"), ok.out
    in_url = cli("sync", "mail", f"imaps://robin:{PASSWORD}@127.0.0.1/INBOX")
    assert in_url.code == 1 and "must not hold a password" in in_url.err
    assert PASSWORD not in in_url.err


def test_subjects_only_when_asked(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None
) -> None:
    when = NOW - dt.timedelta(days=3)
    subject = "Coffee =?utf-8?q?caf=C3=A9?="
    append(imap, folder, [message(("bo@x.net", "Bo"), [(ME, "Me")], when, "s1@x", subject=subject)])
    sync(store, dovecot, folder, ME)
    with store.session() as s:
        assert s.scalars(select(Interaction.summary)).one() is None
    other = f"{folder}b"
    imap.create(other)
    append(imap, other, [message(("cy@x.net", "Cy"), [(ME, "Me")], when, "s2@x", subject=subject)])
    sync(store, dovecot, other, ME, subjects=True)
    with store.session() as s:
        summaries = set(s.scalars(select(Interaction.summary)))
    assert summaries == {None, "Coffee café"}


def test_an_interrupted_run_resumes(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    total, me = fill(imap, folder)
    real = capture._fetch
    calls = []

    def breaks_on_the_third(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("connection reset")  # as a dropped connection would
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(capture, "_fetch", breaks_on_the_third)
    frozen = gc.get_freeze_count()
    with pytest.raises(capture.MailSyncFailed, match="broke off"):
        sync(store, dovecot, folder, me, batch=20)
    # The cycle collector, spared during the batches, is given back even so.
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert count(store, Interaction) > 0
    with store.session() as s:
        source = s.scalars(select(SyncSource)).one()
        assert source.failing_since is not None and "broke off" in (source.last_error or "")
    monkeypatch.setattr(capture, "_fetch", real)
    resumed = sync(store, dovecot, folder, me, batch=20)
    assert resumed.fetched == total - 40
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    with store.session() as s:
        assert s.scalars(select(SyncSource)).one().failing_since is None
    interrupted = snapshot(store)

    # The same mailbox in one go gives the same database.
    again = f"{folder}c"
    imap.create(again)
    fill(imap, again)
    whole = sync(store, dovecot, again, me)
    assert (whole.created, whole.interactions_created) == (0, 0)
    assert snapshot(store) == interrupted


def test_two_runs_never_overlap(store: Store, dovecot: Dovecot, folder: str, env: None) -> None:
    target = capture.parse_url(dovecot.url(folder))
    busy = pytest.raises(capture.SyncBusy, match=r"another sync of .* is running")
    with capture._lock(store, target.location), busy:
        sync(store, dovecot, folder, ME)
    assert count(store, SyncSource) == 0  # a busy run is not a failure of the source
    sync(store, dovecot, folder, ME)  # the lock is released
    assert count(store, SyncSource) == 1


def test_doctor_and_the_daily_warning(
    store: Store, dovecot: Dovecot, folder: str, env: None, cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    empty = cli("doctor")
    assert empty.code == 0 and "sync sources: none yet" in empty.out
    monkeypatch.setenv(capture.PASSWORD_ENV, "nope")
    assert cli("sync", "mail", dovecot.url(folder)).code == 1
    today = cli("today")
    assert "warning" not in today.err  # failing for less than a day
    with store.session() as s:
        source = s.scalars(select(SyncSource)).one()
        source.failing_since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)
    today = cli("today")
    assert today.code == 0
    assert f"warning: the mail sync of {dovecot.url(folder)} has been failing since" in today.err
    doctor = cli("doctor")
    assert "FAILING since" in doctor.out and "wrong user name or password" in doctor.out
    monkeypatch.setenv(capture.PASSWORD_ENV, PASSWORD)
    assert cli("sync", "mail", dovecot.url(folder)).code == 0
    assert "warning" not in cli("today").err
    data = cli("doctor", "--format", "json").out
    assert '"up_to_date": true' in data and '"failing": false' in data


class _MailboxMachine(RuleBasedStateMachine):
    """Whatever happens to the folder between runs (new mail, copies of a message, the
    folder recreated with a new UIDVALIDITY), after a sync the database holds exactly one
    interaction per message ever synced: nothing twice, nothing lost."""

    server: Dovecot

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="goodwill-sync-state-"))
        self.store = open_store(str(self.root / "goodwill.db"))
        self.imap = imaplib.IMAP4_SSL(
            "127.0.0.1",
            self.server.port,
            ssl_context=ssl.create_default_context(cafile=str(self.server.cafile)),
        )
        self.imap.login(USER, PASSWORD)
        self.folder = f"s{uuid.uuid4().hex[:12]}"
        assert self.imap.create(self.folder)[0] == "OK"
        self.in_folder: list[str] = []  # Message-IDs, in UID order
        self.captured: set[str] = set()
        self.serial = 0

    def _message(self, msgid: str, other: int, mine: bool) -> bytes:
        them = (f"p{other}@example.net", f"Person {other}")
        when = NOW - dt.timedelta(days=1 + other)
        if mine:
            return message((ME, "Me"), [them], when, msgid)
        return message(them, [(ME, "Me")], when, msgid)

    @rule(others=st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=4))
    def new_mail(self, others: list[tuple[int, bool]]) -> None:
        for other, mine in others:
            self.serial += 1
            msgid = f"m{self.serial}@state.test"
            append(self.imap, self.folder, [self._message(msgid, other, mine)])
            self.in_folder.append(msgid)

    @precondition(lambda self: bool(self.in_folder))
    @rule(pick=st.integers(0, 1000))
    def a_copy_of_a_message(self, pick: int) -> None:
        msgid = self.in_folder[pick % len(self.in_folder)]
        append(self.imap, self.folder, [self._message(msgid, 1, False)])
        self.in_folder.append(msgid)

    @rule(keep=st.lists(st.booleans(), max_size=20), new=st.integers(0, 2))
    def folder_recreated(self, keep: list[bool], new: int) -> None:
        kept = [m for m, k in zip(self.in_folder, keep, strict=False) if k]
        assert self.imap.delete(self.folder)[0] == "OK"
        time.sleep(1.05)  # a new UIDVALIDITY (Dovecot's is a time in seconds)
        assert self.imap.create(self.folder)[0] == "OK"
        self.in_folder = []
        self.new_mail([(3, False)] * new)  # new mail first: UIDs below the last one read
        append(self.imap, self.folder, [self._message(m, 2, True) for m in kept])
        self.in_folder += kept

    @rule(batch=st.integers(1, 5))
    def sync(self, batch: int) -> None:
        capture.sync(
            self.store,
            self.server.url(self.folder),
            capture.MailSyncOptions(me=[ME], now=NOW, batch=batch),
        )
        self.captured |= set(self.in_folder)
        with self.store.session() as s:
            keys = list(s.scalars(select(Interaction.source_key)))
        assert sorted(keys) == sorted(f"email:{m}" for m in self.captured)

    def teardown(self) -> None:
        with contextlib.suppress(Exception):
            self.imap.logout()
        self.store.dispose()
        shutil.rmtree(self.root, ignore_errors=True)


def test_any_history_of_the_folder_syncs_to_one_interaction_per_message(
    dovecot: Dovecot, env: None
) -> None:
    _MailboxMachine.server = dovecot
    run_state_machine_as_test(
        _MailboxMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def _facts(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """What an import decided, by email address rather than by id: people (name, emails),
    interactions (key, when, kind, who began it, planned, people in it) and knows-edges."""
    from goodwill.store.models import Email, Knows

    with store.session() as s:
        emails: dict[int, list[str]] = {}
        for pid, address in s.execute(select(Email.person_id, Email.address)):
            emails.setdefault(pid, []).append(address)
        key = {pid: min(found) for pid, found in emails.items()}
        people = sorted(
            (p.display_name, tuple(sorted(emails.get(p.id, [])))) for p in s.scalars(select(Person))
        )
        members: dict[int, list[str]] = {}
        for iid, pid in s.execute(select(Participant.interaction_id, Participant.person_id)):
            members.setdefault(iid, []).append(key[pid])
        interactions = sorted(
            (
                i.source_key,
                i.occurred_at.isoformat(),
                i.kind,
                i.initiated_by,
                bool(i.planned),
                i.summary,
                tuple(sorted(members.get(i.id, []))),
            )
            for i in s.scalars(select(Interaction))
        )
        knows = sorted((key[k.a_id], key[k.b_id], k.how) for k in s.scalars(select(Knows)))
    return {"people": people, "interactions": interactions, "knows": knows}  # type: ignore[dict-item]


def test_the_same_mailbox_by_mbox_and_by_imap_decides_the_same(
    store: Store,
    db_url: str,
    dovecot: Dovecot,
    imap: imaplib.IMAP4_SSL,
    folder: str,
    env: None,
    tmp_path: Path,
) -> None:
    """`import mbox` and `sync mail` (in batches) of one mailbox: the same people,
    interactions and knows-edges, a follow-up across batches included."""
    from goodwill.io.importer import import_file
    from goodwill.io.records import ImportOptions
    from tests.helpers import PG_URL, pg_schema

    enron, me = enron_mail(300)
    me = me or ME
    day = dt.timedelta(days=1)
    bob = ("bob.thread@example.org", "Bob Thread")
    thread = [
        message((me, "Me"), [bob], NOW - 9 * day, "t1@x"),  # you reach out
        message(
            ("list@lists.example.org", "L"),
            [(me, "Me")],
            NOW - 8 * day,
            "l1@x",
            extra=["List-Id: <l.lists.example.org>"],
        ),
        message(bob, [(me, "Me")], NOW - 7 * day, "t2@x", in_reply_to="t1@x"),  # an answer
        message((me, "Me"), [bob], NOW - 6 * day, "t3@x", in_reply_to="t1@x"),  # a follow-up
    ]
    messages = [thread[0], *enron, *fixtures(), *thread[1:]]
    # A message without a usable Date is dated by its arrival: the same in both.
    arrived = dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC)
    for raw in messages:
        assert imap.append(folder, None, imaplib.Time2Internaldate(arrived), raw)[0] == "OK"
    sync(store, dovecot, folder, me, batch=37)

    box = mailbox.mbox(str(tmp_path / "same.mbox"))
    for raw in messages:
        one = mailbox.mboxMessage(raw)
        one.set_from("MAILER-DAEMON", arrived.timetuple())
        box.add(one)
    box.flush()
    box.close()
    with contextlib.ExitStack() as stack:
        if db_url.startswith("postgresql"):
            other = open_store(stack.enter_context(pg_schema(PG_URL)))
        else:
            other = open_store(str(tmp_path / "mbox.db"))
        stack.callback(other.dispose)
        import_file(other, "mbox", tmp_path / "same.mbox", ImportOptions(me=[me], now=NOW))
        by_mbox, by_imap = _facts(other), _facts(store)
    assert by_imap["interactions"] and by_imap["people"]
    assert by_imap == by_mbox
    followed = {i[0]: i[3] for i in by_imap["interactions"]}
    assert (followed["email:t1@x"], followed["email:t2@x"], followed["email:t3@x"]) == (
        "me",
        None,
        "me",
    )


def _open_requests(store: Store) -> dict[str, str]:
    """Open requests: their text by the Message-ID of the message that asked."""
    from goodwill.store.models import Exchange, Request

    with store.session() as s:
        rows = s.execute(
            select(Interaction.source_key, Request.text)
            .join(Interaction, Interaction.id == Request.interaction_id)
            .where(Request.status == "open")
        ).all()
        asks = s.scalar(
            select(func.count()).select_from(Exchange).where(Exchange.direction == "they_asked")
        )
    assert asks == len(rows)  # one open ask in the ledger for each request
    return {key.removeprefix("email:"): text for key, text in rows}


def test_a_thread_becomes_a_request_only_when_it_asked_and_you_did_not_answer(
    store: Store, dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None
) -> None:
    me = ME
    day = dt.timedelta(days=1)
    bob, carol, dan = (
        ("bob.q@example.org", "Bob"),
        ("carol.q@example.org", "Carol"),
        (
            "dan.q@example.org",
            "Dan",
        ),
    )
    sent = f"{folder}-sent"
    assert imap.create(sent)[0] == "OK"
    # Your Sent folder answers Dan's question (synced first, as docs/capture.md says).
    append(imap, sent, [message((me, "Me"), [dan], NOW - 20 * day, "s1@x", in_reply_to="q3@x")])
    inbox = [
        message(bob, [(me, "Me")], NOW - 30 * day, "q1@x", subject="Can you review my draft?"),
        message(carol, [(me, "Me")], NOW - 29 * day, "q2@x", subject="Lunch next week?"),
        message(dan, [(me, "Me")], NOW - 28 * day, "q3@x", subject="Are you coming?"),
        message(bob, [(me, "Me")], NOW - 27 * day, "n1@x", subject="Notes from today"),
        message(
            ("noreply@shop.example.com", "Shop"), [(me, "Me")], NOW - 26 * day, "n2@x",
            subject="Did you like it?",
        ),
        message(
            ("news@lists.example.org", "News"), [(me, "Me")], NOW - 26 * day, "n3@x",
            subject="Coming to the meetup?", extra=["List-Id: <meetup.lists.example.org>"],
        ),
        message((me, "Me"), [carol], NOW - 25 * day, "m1@x", subject="Hello"),
        message(
            carol, [(me, "Me")], NOW - 24 * day, "n4@x", subject="Re: which day?",
            in_reply_to="m1@x",
        ),  # answers you: not them asking first
        # Bob's second question, then your answer three batches later (References only).
        message(bob, [(me, "Me")], NOW - 23 * day, "q4@x", subject="Coffee?"),
        message(bob, [(me, "Me")], NOW - 22 * day, "n5@x", subject="ok"),
        message(bob, [(me, "Me")], NOW - 21 * day, "n6@x", subject="ok again"),
        message(
            (me, "Me"), [bob], NOW - 19 * day, "m2@x", subject="Re: Coffee?",
            extra=["References: <q0@x> <q4@x>"],
        ),
        message((me, "Me"), [carol], NOW - 18 * day, "m3@x", in_reply_to="q2@x"),
    ]  # fmt: skip
    append(imap, folder, inbox)

    # Without subjects, headers cannot say a question was asked: no request at all.
    plain = open_store(str(Path(tempfile.mkdtemp()) / "plain.db"))
    try:
        report = sync(plain, dovecot, folder, me, batch=2)
        assert report.requests_opened == 0 and _open_requests(plain) == {}
    finally:
        plain.dispose()

    sync(store, dovecot, sent, me, subjects=True)
    report = sync(store, dovecot, folder, me, batch=2, subjects=True)
    # q1 asked and was never answered; q2 and q4 were answered later in the folder (their
    # requests withdrawn), q3 from Sent; the rest never asked, or came from a list or robot.
    assert _open_requests(store) == {"q1@x": "Can you review my draft?"}
    assert report.requests_withdrawn == 2
    assert report.requests_opened - report.requests_withdrawn == 1

    # A later run with nothing new changes nothing; a new unanswered question opens one.
    append(imap, folder, [message(dan, [(me, "Me")], NOW - day, "q5@x", subject="Free today?")])
    again = sync(store, dovecot, folder, me, subjects=True)
    assert again.requests_opened == 1
    assert set(_open_requests(store)) == {"q1@x", "q5@x"}


# --- the lean path of a quiet tick (sync/quick_mail.py) -----------------------------------


def source_row(store: Store) -> dict[str, object]:
    # Pooled connections are let go first: this process's other engines (run_cli's) and
    # other processes wrote since (a pooled connection read a damaged page then).
    store.engine.dispose()
    with store.engine.connect() as conn:
        row = conn.execute(select(SyncSource.__table__)).one()
    return dict(row._mapping)


def lean(db: str, *args: str) -> tuple[str, str]:
    """`goodwill --db DB sync mail ARGS` in a process of its own, through the entry point:
    (its output, the heavy modules it loaded, comma-separated)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.argv[0] = 'goodwill'; from goodwill.launch import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'numpy', 'pydantic', 'typer', 'rich', 'keyring')\n"
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", db, "sync", "mail", *args],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return done.stdout, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def test_a_quiet_tick_is_answered_lean_like_the_full_run(
    dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None, tmp_path: Path
) -> None:
    from tests.helpers import run_cli

    db = str(tmp_path / "lean.db")
    store = open_store(db)
    try:
        append(imap, folder, fixtures())
        url = dovecot.url(folder)
        first = run_cli("--db", db, "sync", "mail", url, "--me", ME, "--format", "json")
        assert first.code == 0, first.err
        before, row = snapshot(store), source_row(store)
        for fmt in ("json", "table"):
            out, heavy = lean(db, url, "--me", ME, "--format", fmt)
            assert heavy == "", f"the lean path loaded {heavy}"
            assert last_session(dovecot) == (0, 0)
            after = source_row(store)
            full = run_cli("--db", db, "sync", "mail", url, "--me", ME, "--format", fmt)
            assert full.code == 0 and full.out == out, (full.out, out)
            # What the full run changes, the lean one changed the same way: the run's time.
            again = source_row(store)
            for moved in (after, again):
                assert moved["last_ok_at"] == moved["last_run_at"] > row["last_ok_at"]  # type: ignore[operator]
                assert {k: v for k, v in moved.items() if not k.startswith("last_")} == {
                    k: v for k, v in row.items() if not k.startswith("last_")
                }
            row = again
            store.engine.dispose()
            assert snapshot(store) == before
        assert '"fetched": 0' in out or out.endswith(": nothing new\n")

        # A failing source: the quiet tick clears the failure as the full run does.
        with store.session() as s:
            source = s.scalars(select(SyncSource)).one()
            source.failing_since = source.last_error_at = NOW
            source.last_error = "the connection broke off"
        out, heavy = lean(db, url, "--me", ME)
        assert heavy == "" and out == f"{capture.parse_url(url).location}: nothing new\n"
        after = source_row(store)
        assert after["failing_since"] is None and after["last_error"] == "the connection broke off"

        # New mail: the lean path steps aside and the full run fetches it.
        append(imap, folder, [message(("new@x.net", "New"), [(ME, "Me")], NOW, "quick1@x")])
        out, heavy = lean(db, url, "--me", ME, "--format", "json")
        assert "sqlalchemy" in heavy and json.loads(out)["fetched"] == 1
        # Another --me than the state keeps: the full run (which keeps the new one).
        for me in ("someone.else@example.org", ME):
            _out, heavy = lean(db, url, "--me", me)
            assert "sqlalchemy" in heavy
        out, heavy = lean(db, url, "--me", ME, "--format", "json")
        assert heavy == "" and json.loads(out)["fetched"] == 0
    finally:
        store.dispose()


def test_the_lean_path_steps_aside_for_what_it_does_not_know(
    dovecot: Dovecot, imap: imaplib.IMAP4_SSL, folder: str, env: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from goodwill.store import db as store_db
    from goodwill.sync import quick_mail

    db = str(tmp_path / "aside.db")
    store = open_store(db)
    try:
        url = dovecot.url(folder)
        assert not quick_mail.run(db, [url, "--me", ME])  # never synced: no state
        append(imap, folder, fixtures())
        sync(store, dovecot, folder, ME)
        assert quick_mail.run(db, [url, "--me", ME])
        assert capsys.readouterr().out.endswith(": nothing new\n")
        assert quick_mail.run(db, [url])  # no --me: the addresses the state keeps
        # Your own addresses now say otherwise: the full run would keep them.
        from goodwill.records import people

        with store.session() as s:
            people.set_me(s, name="Robin", add_emails=["robin.two@example.org"])
        assert not quick_mail.run(db, [url])
        assert quick_mail.run(db, [url, "--me", ME])  # --me comes first
        capsys.readouterr()
        row = source_row(store)
        for words in (
            [url, "--me", ME, "--format", "csv"],
            [url, "--me", ME, "--help"],
            [url, url, "--me", ME],
            [url, "--me"],
            [url, "--me", "not an address"],
            [dovecot.url(folder + "x"), "--me", ME],  # no such folder
        ):
            assert not quick_mail.run(db, words), words
        # The full run's lock: a run in progress means the full run (which says so).
        target = capture.parse_url(url)
        assert (
            quick_mail.lock_path(
                store.engine.url.render_as_string(hide_password=True), target.location
            ).parent
            == store_db.cache_folder()
        )
        with capture._lock(store, target.location):
            assert not quick_mail.run(db, [url, "--me", ME])
        # A wrong password, or one only the keyring has: the full run says what is wrong.
        monkeypatch.setenv(capture.PASSWORD_ENV, "not the password")
        assert not quick_mail.run(db, [url, "--me", ME])
        monkeypatch.delenv(capture.PASSWORD_ENV)
        assert not quick_mail.run(db, [url, "--me", ME])
        secret = tmp_path / "secret"
        secret.write_text(PASSWORD + "\n")
        assert source_row(store) == row  # nothing above wrote
        assert quick_mail.run(db, [url, f"--password-file={secret}", "--me", ME, "--subjects"])
        # A new UIDVALIDITY (the folder made again): the full run reads it again.
        assert imap.delete(folder)[0] == "OK" and imap.create(folder)[0] == "OK"
        time.sleep(1.1)  # Dovecot's UIDVALIDITY is a time in seconds
        append(imap, folder, fixtures())
        monkeypatch.setenv(capture.PASSWORD_ENV, PASSWORD)
        assert not quick_mail.run(db, [url, "--me", ME])
    finally:
        store.dispose()
    assert not quick_mail.run(f"postgresql://nobody@127.0.0.1/{folder}", [url, "--me", ME])
    assert quick_mail.CACHE_DIR_ENV == store_db.CACHE_DIR_ENV
