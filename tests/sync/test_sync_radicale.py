"""End to end: goodwill <-> vdir <-> the real vdirsyncer <-> a real Radicale <-> a "phone".

The phone is plain CardDAV requests (httpx) shaped the way iOS writes cards: item1.TEL
with an X-ABLabel, TYPE=CELL;TYPE=VOICE;TYPE=pref, a PHOTO, new cards, a DELETE. Five
full round trips with edits on both sides; then: no duplicate person, no lost email or
phone, no file rewritten without a change, no private note in any card.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Email, Person, Phone, SyncEvent
from goodwill.sync import contacts as sync

RADICALE = shutil.which("radicale") or str(Path(sys.executable).parent / "radicale")
VDIRSYNCER = shutil.which("vdirsyncer") or str(Path(sys.executable).parent / "vdirsyncer")

pytestmark = pytest.mark.skipif(
    not (os.access(RADICALE, os.X_OK) and os.access(VDIRSYNCER, os.X_OK)),
    reason="radicale and vdirsyncer are not installed (pip install radicale vdirsyncer)",
)

httpx = pytest.importorskip("httpx")

USER, PASSWORD = "phone", "s3cret-test"
SECRET = "PRIVATE-NOTE"
PHOTO = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str  # the address book's URL
    storage: Path
    calendar_url: str = ""

    def client(self) -> httpx.Client:
        return httpx.Client(auth=(USER, PASSWORD), timeout=30)


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Server]:
    storage = tmp_path / "radicale"
    storage.mkdir()
    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    proc = subprocess.Popen(
        [
            RADICALE,
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(storage),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Radicale did not start")
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/{USER}/contacts/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop>'
            "<resourcetype><collection/><CR:addressbook/></resourcetype>"
            "<displayname>Contacts</displayname></prop></set></mkcol>"
        )
        calendar_url = f"http://127.0.0.1:{port}/{USER}/calendar/"
        calendar_body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><set><prop>'
            "<resourcetype><collection/><C:calendar/></resourcetype>"
            "<displayname>Calendar</displayname></prop></set></mkcol>"
        )
        with httpx.Client(auth=(USER, PASSWORD), timeout=30) as c:
            r = c.request("MKCOL", url, content=body)
            assert r.status_code in (200, 201), r.text
            r = c.request("MKCOL", calendar_url, content=calendar_body)
            assert r.status_code in (200, 201), r.text
        yield Server(url, storage, calendar_url)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Vdirsyncer:
    """The real vdirsyncer, with the configuration `goodwill sync config` prints."""

    def __init__(self, tmp: Path, folder: Path, server: Server) -> None:
        from goodwill.sync.config import vdirsyncer_config

        self.config = tmp / "vdirsyncer.conf"
        self.calendar = tmp / "calendar"
        self.config.write_text(
            vdirsyncer_config(
                server.url,
                USER,
                caldav=server.calendar_url,
                contacts=folder,
                calendar=self.calendar,
                status=tmp / "status",
                password_command=f"echo {PASSWORD}",
            )
        )
        self._run("discover", stdin="y\n" * 4)

    def _run(self, *args: str, stdin: str = "") -> None:
        done = subprocess.run(
            [VDIRSYNCER, "-c", str(self.config), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr + done.stdout

    def sync(self, pair: str = "goodwill_contacts") -> None:
        self._run("sync", pair)


class PhoneClient:
    """The phone's side: plain CardDAV requests, cards as iOS writes them."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = server.client()

    def cards(self) -> dict[str, tuple[str, str]]:
        """href -> (etag, card text) for every card on the server."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            "<D:prop><D:getetag/><C:address-data/></D:prop></C:addressbook-query>"
        )
        r = self.http.request("REPORT", self.server.url, content=body, headers={"Depth": "1"})
        assert r.status_code == 207, r.text
        out = {}
        for block in re.findall(r"<D?:?response>(.*?)</D?:?response>", r.text, re.S):
            href = re.search(r"<D?:?href>(.*?)</D?:?href>", block, re.S)
            etag = re.search(r"<D?:?getetag>(.*?)</D?:?getetag>", block, re.S)
            data = re.search(r"address-data[^>]*>(.*?)</", block, re.S)
            if href and etag and data:
                text = data.group(1).replace("&#13;", "\r").replace("&lt;", "<")
                text = text.replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
                out[href.group(1)] = (etag.group(1).replace("&quot;", '"'), text)
        return out

    def find(self, email: str) -> tuple[str, str, str]:
        for href, (etag, text) in self.cards().items():
            if email.lower() in text.lower():
                return href, etag, text
        raise AssertionError(f"no card on the phone with {email}: {list(self.cards().values())}")

    def put(self, href: str, text: str, etag: str | None = None) -> None:
        headers = {"Content-Type": "text/vcard; charset=utf-8"}
        headers["If-Match" if etag else "If-None-Match"] = etag or "*"
        url = f"{self.server.url.split('/' + USER)[0]}{href}"
        r = self.http.put(url, content=text.encode(), headers=headers)
        assert r.status_code in (200, 201, 204), r.text

    def new(self, text: str) -> None:
        self.put(f"/{USER}/contacts/{uuid.uuid4()}.vcf", text)

    def delete(self, href: str, etag: str) -> None:
        url = f"{self.server.url.split('/' + USER)[0]}{href}"
        r = self.http.delete(url, headers={"If-Match": etag})
        assert r.status_code in (200, 204), r.text


def ios_edit(text: str, round_: int) -> str:
    """What iOS does to a card when a number and an email are added and a title changed."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    out = []
    for line in lines:
        if line.startswith("TITLE"):
            continue  # re-added below with the new title
        if line == "END:VCARD":
            out += [
                f"item{round_}.TEL;type=CELL;type=VOICE;type=pref:(206) 555-01{round_:02d}",
                f"item{round_}.X-ABLabel:_$!<Mobile>!$_",
                f"EMAIL;type=INTERNET;type=HOME:phone{round_}@example.net",
                f"TITLE:Title from the phone {round_}",
                f"PHOTO;ENCODING=b;TYPE=JPEG:{PHOTO}",
                "X-IOS-ONLY:kept",
            ]
        if line.startswith("PHOTO") or line.startswith("X-IOS-ONLY"):
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.vcf"))}


def active(store: Store) -> list[Person]:
    with store.session() as s:
        rows = s.scalars(select(Person).where(Person.removed_at.is_(None))).all()
        s.expunge_all()
        return list(rows)


def emails_and_phones(store: Store) -> tuple[set[str], set[str]]:
    with store.session() as s:
        emails = set(s.scalars(select(Email.address)))
        phones = set(s.scalars(select(Phone.number)))
    return emails, phones


def test_five_round_trips_through_radicale_and_vdirsyncer(
    store: Store, radicale: Server, tmp_path: Path
) -> None:
    folder = tmp_path / "contacts"
    with store.session() as s:
        for i in range(8):
            people.add(
                s,
                f"Person{i} Example{i}",
                emails=[f"p{i}@example.com"],
                phones=[f"+1206555{1000 + i}"],
                org="Acme" if i % 2 else "Globex",
                title="Engineer",
                tags=["secret-tag"],
                note=f"{SECRET} about person {i}",
                region="US",
            )
    report = sync.sync_contacts(store, folder, sync.Options())
    assert report.written == 8 and report.first_run
    dav = Vdirsyncer(tmp_path, folder, radicale)
    dav.sync()
    phone = PhoneClient(radicale)
    assert len(phone.cards()) == 8

    expected_people = 8
    all_emails, all_phones = emails_and_phones(store)
    for round_ in range(1, 6):
        # goodwill's side: an edit to one person, a new person.
        with store.session() as s:
            p = people.resolve(s, f"p{round_}@example.com")
            people.edit(s, p, add_emails=[f"goodwill{round_}@example.org"])
            people.add(
                s,
                f"New{round_} Goodwill",
                emails=[f"new{round_}@example.org"],
                note=f"{SECRET} new {round_}",
            )
        expected_people += 1
        before = snapshot(folder)
        report = sync.sync_contacts(store, folder, sync.Options())
        after = snapshot(folder)
        changed = {n for n in after if before.get(n) != after[n]}
        assert len(changed) == 2, (round_, report)  # the edited person and the new one
        dav.sync()
        if round_ == 5:
            # An edit in goodwill after the card went out, then the phone edits the same
            # field: a conflict (goodwill's title stays, the phone's is shown).
            with store.session() as s:
                p = people.resolve(s, "p0@example.com")
                people.edit(s, p, org="Globex", title="Title from goodwill")

        # The phone's side: an iOS edit of another person, a new card for a known person
        # (a merge, not a duplicate), a brand new person, and (round 3) a DELETE.
        target = f"p{(round_ + 3) % 8}@example.com"
        href, etag, text = phone.find(target)
        phone.put(href, ios_edit(text, round_), etag)
        phone.new(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-dup-{0}\r\nFN:Person{1} Example{1}\r\n"
            "N:Example{1};Person{1};;;\r\nEMAIL;type=INTERNET:p{1}@example.com\r\n"
            "TEL;type=CELL:+1 425 555 02{0:02d}\r\nEND:VCARD\r\n".format(round_, (round_ + 5) % 8)
        )
        phone.new(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-new-{round_}\r\nFN:Phone{round_} Only\r\n"
            f"N:Only;Phone{round_};;;\r\nEMAIL;type=INTERNET:phone-only{round_}@example.net\r\n"
            f"item1.TEL;type=CELL;type=IPHONE;type=pref:+44 20 7946 09{round_:02d}\r\n"
            "item1.X-ABLabel:iPhone\r\nEND:VCARD\r\n"
        )
        expected_people += 1
        deleted_email = None
        if round_ == 3:
            deleted_email = "p3@example.com"
            dhref, detag, _ = phone.find(deleted_email)
            phone.delete(dhref, detag)
        dav.sync()
        report = sync.sync_contacts(store, folder, sync.Options())
        assert report.merged >= 1 and report.created == 1, report
        if deleted_email:
            assert report.deleted_on_phone == 1
        dav.sync()

        # Nothing changed anywhere: a further run of both touches no file.
        quiet = snapshot(folder)
        mtimes = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.vcf")}
        again = sync.sync_contacts(store, folder, sync.Options())
        dav.sync()
        assert again.written == 0 and again.read == 0 and again.removed == 0, again
        assert snapshot(folder) == quiet
        assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.vcf")} == mtimes

        # No duplicate person, no lost email or phone.
        everyone = active(store)
        assert len(everyone) == expected_people, [p.display_name for p in everyone]
        names = [p.display_name for p in everyone]
        assert len(names) == len(set(names))
        emails, numbers = emails_and_phones(store)
        assert all_emails <= emails and all_phones <= numbers
        assert f"phone{round_}@example.net" in emails
        assert f"+120655501{round_:02d}" in numbers
        all_emails, all_phones = emails, numbers

    # The iOS card's own properties survived the round trips.
    for round_ in range(1, 6):
        _href, _etag, text = phone.find(f"phone{round_}@example.net")
        assert "X-ABLABEL:_$!<MOBILE>!$_" in text.upper() and PHOTO in text.replace("\r\n ", "")
        assert "X-IOS-ONLY:kept" in text
    # A card goodwill rewrote (p4: edited on the phone in round 1, in goodwill in round 4)
    # kept the phone's own lines.
    _href, _etag, text = phone.find("p4@example.com")
    assert "goodwill4@example.org" in text and "ITEM1.TEL;TYPE=CELL,VOICE,PREF:" in text.upper()
    # The conflict kept goodwill's title and shows the phone's.
    with store.session() as s:
        conflict = s.scalars(select(SyncEvent).where(SyncEvent.kind == "conflict")).one()
        assert conflict.status == "open" and conflict.field == "organization"
        assert conflict.ours == "Title from goodwill, Globex"
        assert conflict.theirs == "Title from the phone 5, Globex"
        p0 = people.resolve(s, "p0@example.com")
        assert people.current_role(p0).title == "Title from goodwill"  # type: ignore[union-attr]
    assert "TITLE:Title from goodwill" in phone.find("p0@example.com")[2]
    # The deletion removed nobody and asks.
    with store.session() as s:
        deleted = s.scalars(select(SyncEvent).where(SyncEvent.kind == "deleted")).all()
        assert len(deleted) == 1 and deleted[0].status == "open"
        assert s.scalar(
            select(func.count()).where(
                Person.removed_at.is_(None), Person.id == deleted[0].person_id
            )
        )
    # No private note, no tag in any card: in the folder or on the server.
    for path in [*folder.rglob("*"), *radicale.storage.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and b"secret-tag" not in data, path


def test_calendar_round_trip_through_radicale(
    store: Store, radicale: Server, tmp_path: Path
) -> None:
    """goodwill's events reach the server; a meeting the phone puts there becomes an
    interaction, moves with the event and goes away when it is cancelled."""
    import datetime as dt

    from goodwill.career import interviews
    from goodwill.store.models import Interaction
    from goodwill.sync import calendar

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with store.session() as s:
        people.set_me(s, name="Me Myself", add_emails=["me@example.com"])
        ana = people.add(s, "Ana Lima", emails=["ana@example.com"], note=SECRET)
        interviews.plan(s, ana, when=now + dt.timedelta(days=2), now=now)
    folder = tmp_path / "contacts"
    dav = Vdirsyncer(tmp_path, folder, radicale)
    first = calendar.sync_calendar(store, dav.calendar, now=now)
    assert first.written == 2
    dav.sync("goodwill_calendar")
    http = radicale.client()
    listing = http.request("PROPFIND", radicale.calendar_url, headers={"Depth": "1"}).text
    hrefs = re.findall(r"<href>([^<]+\.ics)</href>", listing)
    texts = [http.get(radicale.url.split(f"/{USER}")[0] + h).text for h in hrefs]
    assert len(texts) == 2
    assert any("SUMMARY:Informational interview: Ana Lima" in t for t in texts)

    def put_meeting(start: dt.datetime, status: str = "") -> None:
        ics = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:phone-meeting\r\nDTSTAMP:{start:%Y%m%dT%H%M%S}Z\r\n"
            f"DTSTART:{start:%Y%m%dT%H%M%S}Z\r\nDURATION:PT1H\r\nSUMMARY:Lunch with Ana\r\n"
            "ORGANIZER:mailto:me@example.com\r\n"
            "ATTENDEE;CN=Ana Lima:mailto:ana@example.com\r\n"
            f"{status}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        r = http.put(
            radicale.calendar_url + "phone-meeting.ics",
            content=ics.encode(),
            headers={"Content-Type": "text/calendar"},
        )
        assert r.status_code in (201, 204), r.text

    def meetings() -> list[tuple[dt.datetime, bool]]:
        with store.session() as s:
            return [
                (i.occurred_at, i.planned)
                for i in s.scalars(select(Interaction).where(Interaction.source == "calendar"))
            ]

    start = now + dt.timedelta(days=3)
    put_meeting(start)
    dav.sync("goodwill_calendar")
    report = calendar.sync_calendar(store, dav.calendar, now=now)
    assert report.interactions_created == 1 and meetings() == [(start, True)]
    put_meeting(start + dt.timedelta(hours=2))
    dav.sync("goodwill_calendar")
    assert calendar.sync_calendar(store, dav.calendar, now=now).interactions_updated == 1
    assert meetings() == [(start + dt.timedelta(hours=2), True)]
    put_meeting(start + dt.timedelta(hours=2), "STATUS:CANCELLED\r\n")
    dav.sync("goodwill_calendar")
    assert calendar.sync_calendar(store, dav.calendar, now=now).interactions_cancelled == 1
    assert meetings() == []
    # The phone moves goodwill's interview (as iOS saves it: SEQUENCE, a new DTSTAMP, an
    # X- line) and deletes the daily block: both come back through vdirsyncer.
    base = radicale.url.split(f"/{USER}")[0]
    (interview,) = [h for h, t in zip(hrefs, texts, strict=True) if "meeting-" in t]
    (block,) = [h for h, t in zip(hrefs, texts, strict=True) if "daily-session" in t]
    moved_to = (now + dt.timedelta(days=4)).replace(second=0)
    text = http.get(base + interview).text
    text = re.sub(r"DTSTART[^\r\n]*", f"DTSTART:{moved_to:%Y%m%dT%H%M%S}Z", text)
    text = re.sub(r"DTEND[^\r\n]*\r\n", "", text).replace(
        "END:VEVENT", "SEQUENCE:1\r\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nEND:VEVENT"
    )
    r = http.put(base + interview, content=text.encode(), headers={"Content-Type": "text/calendar"})
    assert r.status_code in (201, 204), r.text
    assert http.delete(base + block).status_code in (200, 204)
    dav.sync("goodwill_calendar")
    report = calendar.sync_calendar(store, dav.calendar, now=now)
    assert (report.moved_on_phone, report.written) == (1, 0)
    with store.session() as s:
        assert [m.planned_for for m in interviews.list_meetings(s, "planned")] == [moved_to]
    dav.sync("goodwill_calendar")
    listing = http.request("PROPFIND", radicale.calendar_url, headers={"Depth": "1"}).text
    assert block not in listing  # it stays off the phone
    assert calendar.sync_calendar(store, dav.calendar, now=now).written == 0
    for path in radicale.storage.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()
