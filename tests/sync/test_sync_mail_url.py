"""The IMAP URL parser, the UID sets and FETCH answers of `sync mail`, as properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.errors import GoodwillError, InvalidInput
from goodwill.sync import mail as capture

users = st.text(st.sampled_from("abcxyz019._-+@"), min_size=1, max_size=20)
hosts = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}\Z")
# A busy shared machine makes single examples slow: no deadline.
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
folders = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="/%"),
    min_size=1,
    max_size=20,
).filter(lambda f: f.strip() == f)


@PROPERTY
@given(users, hosts, st.integers(1, 65535), folders, st.sampled_from(["imap", "imaps"]))
def test_a_url_gives_back_its_parts_and_its_location_round_trips(
    user: str, host: str, port: int, folder: str, scheme: str
) -> None:
    url = f"{scheme}://{quote(user, safe='')}@{host}:{port}/{quote(folder, safe='')}"
    target = capture.parse_url(url)
    assert (target.scheme, target.user, target.host, target.port, target.folder) == (
        scheme,
        user,
        host,
        port,
        folder,
    )
    assert capture.parse_url(target.location) == target


@PROPERTY
@given(users, hosts, st.text(st.sampled_from("#$!^*QWERTY"), min_size=4, max_size=20))
def test_a_password_in_the_url_is_refused_without_showing_it(
    user: str, host: str, password: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        capture.parse_url(f"imaps://{quote(user, safe='')}:{password}@{host}/INBOX")
    assert password not in str(caught.value)
    assert "must not hold a password" in str(caught.value)


@PROPERTY
@given(st.text(max_size=80))
def test_any_text_is_a_url_or_one_clear_error(text: str) -> None:
    try:
        target = capture.parse_url(text)
    except GoodwillError as exc:
        assert "\n" not in str(exc).strip()
    else:
        assert target.folder and target.user and target.host


def test_defaults_and_refusals() -> None:
    target = capture.parse_url("imaps://robin@mail.example.org")
    assert (target.port, target.folder) == (993, "INBOX")
    assert target.location == "imaps://robin@mail.example.org/INBOX"
    assert capture.parse_url("imap://robin@mail.example.org/Sent").port == 143
    for bad, why in [
        ("https://robin@mail.example.org/", "must start with imaps://"),
        ("imaps://mail.example.org/INBOX", "names no user"),
        ("imaps://robin@/INBOX", "names no server"),
        ("imaps://robin@mail.example.org/Bo%C3%AEte", "plain ASCII"),
    ]:
        with pytest.raises(InvalidInput, match=why):
            capture.parse_url(bad)


@PROPERTY
@given(st.sets(st.integers(1, 5000), min_size=1, max_size=200))
def test_uid_sets_hold_exactly_the_uids(uids: set[int]) -> None:
    text = capture._uid_set(sorted(uids))
    back: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition(":")
        back.update(range(int(low), int(high or low) + 1))
    assert back == uids
    assert len(text.split(",")) <= len(uids)


class _FakeAnswer:
    """What imaplib returns for a UID FETCH: only the parsing is under test here."""

    def __init__(self, data: list[object]) -> None:
        self.data = data

    def uid(self, *_args: object) -> tuple[str, list[object]]:
        return "OK", self.data


@PROPERTY
@given(
    st.lists(st.integers(1, 10**6), min_size=1, max_size=30, unique=True),
    st.booleans(),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2090, 1, 1)),
)
def test_fetch_answers_are_read_whichever_order_the_server_uses(
    uids: list[int], uid_last: bool, when: dt.datetime
) -> None:
    stamp = when.replace(microsecond=0).strftime("%d-%b-%Y %H:%M:%S +0000").encode()
    data: list[object] = []
    for n, uid in enumerate(uids, start=1):
        block = f"From: p{uid}@example.org\r\n\r\n".encode()
        if uid_last:  # some servers send UID after the literal
            data += [(b'%d (INTERNALDATE "%s" BODY[HEADER] {%d}' % (n, stamp, len(block)), block)]
            data += [b" UID %d)" % uid]
        else:
            meta = b'%d (UID %d INTERNALDATE "%s" BODY[HEADER] {%d}' % (n, uid, stamp, len(block))
            data += [(meta, block), b")"]
    got = capture._fetch(_FakeAnswer(data), sorted(uids), False)  # type: ignore[arg-type]
    assert [u for u, _, _ in got] == sorted(uids)
    assert all(b.startswith(f"From: p{u}@".encode()) for u, b, _ in got)
    assert {capture._arrived(a) for _, _, a in got} == {when.replace(microsecond=0)}


def test_the_password_comes_from_the_environment_then_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = capture.parse_url("imaps://robin@mail.example.org/INBOX")
    secret = tmp_path / "password"
    secret.write_text("from the file\r\nsecond line\n")
    monkeypatch.setenv(capture.PASSWORD_ENV, "from the environment")
    assert capture.find_password(target, secret) == "from the environment"
    monkeypatch.delenv(capture.PASSWORD_ENV)
    assert capture.find_password(target, secret) == "from the file"
    secret.write_text("\n")
    with pytest.raises(capture.MailSyncFailed, match="is empty"):
        capture.find_password(target, secret)
    with pytest.raises(capture.MailSyncFailed, match="cannot read the password file"):
        capture.find_password(target, tmp_path / "missing")


def test_doctor_masks_the_database_password(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import run_cli

    if "://" not in db_url or "@" not in db_url:
        pytest.skip("a PostgreSQL URL is needed: its password must never be shown")
    scheme, rest = db_url.split("://", 1)
    user, host = rest.split("@", 1)
    # Trust authentication lets any password in: it must still never be shown.
    monkeypatch.setenv("GOODWILL_DB", f"{scheme}://{user.split(':')[0]}:hunter2-secret@{host}")
    result = run_cli("doctor", "--format", "json")
    assert result.code == 0, result.err
    assert "hunter2-secret" not in result.out + result.err
    assert "***" in result.out


def test_a_nothing_new_tick_loads_no_matcher_writer_or_search() -> None:
    """A timer's usual run finds nothing new: sync.mail alone must not load the import
    machinery (start-up time); _write_batch loads it when a batch comes."""
    import subprocess
    import sys

    code = (
        "import sys, goodwill.sync.mail; "
        "print(sorted(m for m in ('goodwill.io.matcher', 'goodwill.io.writer', "
        "'goodwill.store.search', 'goodwill.records.people') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
