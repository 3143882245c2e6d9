"""Contact sync with a vdir, without a server: cards written and read back, edits, the
real-world vCards through a sync folder and back, the CLI, dry runs, filters, bad input."""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from goodwill.errors import GoodwillError
from goodwill.io import vcard
from goodwill.io.facts import Facts
from goodwill.records import people
from goodwill.store.db import Store
from goodwill.store.models import Email, Person, Phone, SyncEvent, SyncSource
from goodwill.sync import cards, contacts
from tests.helpers import Result, shared_dir


def _sync(store: Store, folder: Path, **options: object) -> contacts.ContactsSyncReport:  # type: ignore[name-defined]
    return contacts.sync_contacts(store, folder, contacts.Options(**options))  # type: ignore[arg-type]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.vcf"))}


def _count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).where(Person.removed_at.is_(None))) or 0)


# ---------------------------------------------------------------- cards: write and read


_text = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x85"
        ),
        min_size=1,
        max_size=40,
    )
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)
_word = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)


@st.composite
def _facts(draw: st.DrawFn) -> Facts:
    given, family = draw(_word), draw(_word)
    org = draw(st.none() | _text)
    emails = draw(
        st.lists(_word.map(lambda w: f"{w.lower()}@example.org"), max_size=3, unique=True)
    )
    numbers = draw(
        st.lists(st.integers(2000, 9999).map(lambda n: f"+1206555{n}"), max_size=3, unique=True)
    )
    return Facts(
        name=f"{given} {family}",
        given=given,
        family=family,
        nickname=draw(st.none() | _text),
        emails=tuple((e, None) for e in emails),
        phones=tuple((n, n, draw(st.sampled_from([None, "mobile", "work"]))) for n in numbers),
        org=org,
        title=draw(st.none() | _text) if org else None,
        birthday=draw(st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31))),
        notes=draw(st.none() | _text),
        tags=tuple(draw(st.lists(_word.map(str.lower), max_size=2, unique=True))),
    )


@given(facts=_facts())
@settings(max_examples=150, deadline=None)
def test_a_card_written_reads_back_as_the_same_person(facts: Facts) -> None:
    text = cards.render("urn:uuid:x", facts, None, "US")
    _card, record, problem = cards.read(text.encode(), "x.vcf")
    assert problem is None and record is not None
    back = cards.facts_of(record, "US")
    assert back is not None
    assert cards.view(back) == cards.view(facts)
    # Private things never leave: no note, no tag.
    assert back.notes is None and back.tags == ()
    # Written again from what it says, the card is the same text: no churn.
    original = vcard.parse_raw(text)
    assert cards.render("urn:uuid:x", back, original, "US") == text


@given(facts=_facts(), label=_text)
@settings(max_examples=60, deadline=None)
def test_the_phones_own_lines_survive_a_rewrite(facts: Facts, label: str) -> None:
    """A card the phone wrote (item1.TEL with an X-ABLabel, a PHOTO, an X- property) keeps
    those lines when goodwill writes the card again with one more email."""
    phone_card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc\r\nFN:A B\r\nN:B;A;;;\r\n"
        "item1.TEL;type=CELL;type=IPHONE;type=pref:+44 20 7946 0958\r\n"
        f"item1.X-ABLabel:{vcard.escape(label)}\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\n"
        "X-PHONE-ONLY:yes\r\nNOTE:the phone's own note\r\nEND:VCARD\r\n"
    )
    original = vcard.parse_raw(phone_card)
    with_phone = Facts(
        name=facts.name,
        given=facts.given,
        family=facts.family,
        emails=(*facts.emails, ("new@example.org", None)),
        phones=(("+442079460958", "+44 20 7946 0958", "cell"), *facts.phones),
    )
    text = cards.render("abc", with_phone, original, "US")
    assert "item1.TEL;TYPE=cell,iphone,pref:+44 20 7946 0958\r\n" in text
    assert "ITEM1.X-ABLABEL:" in text.upper() and "X-PHONE-ONLY:yes" in text
    assert "PHOTO;ENCODING=b;TYPE=jpeg:AAAA" in text
    assert "NOTE" not in text
    back = cards.read(text.encode(), "x")[1]
    assert back is not None and "new@example.org" in {e for e, _ in back.emails}


# ---------------------------------------------------------------- the sync itself


def _person(store: Store, name: str, email: str, **kw: object) -> int:
    with store.session() as s:
        return people.add(s, name, emails=[email], **kw).id  # type: ignore[arg-type]


def test_first_run_then_nothing_changed_touches_no_file(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _person(store, "Ana Lima", "ana@example.com", org="Acme", title="CTO", note="private x")
    _person(store, "Bo Chen", "bo@example.com", phones=["+12065551234"], tags=["vip"])
    first = _sync(store, folder)
    assert (first.written, first.first_run) == (2, True)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.vcf")}
    again = _sync(store, folder)
    assert (again.written, again.read, again.untouched) == (0, 0, 2)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.vcf")} == before
    text = b"".join(before[n][0] for n in before)
    assert b"private x" not in text and b"vip" not in text


def test_an_edit_in_goodwill_rewrites_only_that_card(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    ana = _person(store, "Ana Lima", "ana@example.com")
    _person(store, "Bo Chen", "bo@example.com")
    _sync(store, folder)
    before = _files(folder)
    with store.session() as s:
        people.edit(s, s.get(Person, ana), add_emails=["ana@work.example.com"])  # type: ignore[arg-type]
    report = _sync(store, folder)
    after = _files(folder)
    assert report.written == 1
    changed = [n for n in after if after[n] != before[n]]
    assert len(changed) == 1 and b"ana@work.example.com" in after[changed[0]]


def test_phone_edits_apply_and_conflicts_keep_both(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    ana = _person(store, "Ana Lima", "ana@example.com", org="Acme", title="CTO")
    _sync(store, folder)
    (path,) = folder.glob("*.vcf")
    text = path.read_text()
    # The phone renames her and adds a number; goodwill changes her title meanwhile,
    # and the phone changes it too: a conflict.
    text = text.replace("FN:Ana Lima", "FN:Ana Lima-Souza").replace("N:Lima;", "N:Lima-Souza;")
    text = text.replace("TITLE:CTO", "TITLE:Chief Technology Officer")
    text = text.replace("END:VCARD", "TEL;TYPE=CELL:+1 206 555 7777\r\nEND:VCARD")
    path.write_text(text)
    with store.session() as s:
        people.edit(s, s.get(Person, ana), org="Acme", title="VP Engineering")  # type: ignore[arg-type]
    report = _sync(store, folder)
    assert (report.read, report.updated, report.conflicts, report.created) == (1, 1, 1, 0)
    with store.session() as s:
        person = s.get(Person, ana)
        assert person is not None and person.display_name == "Ana Lima-Souza"
        assert people.current_role(person).title == "VP Engineering"  # type: ignore[union-attr]
        assert "+12065557777" in {p.number for p in person.phones}
        conflict = s.scalars(select(SyncEvent).where(SyncEvent.kind == "conflict")).one()
        assert conflict.ours == "VP Engineering, Acme"
        assert conflict.theirs == "Chief Technology Officer, Acme"
        assert conflict.status == "open"
        edits = s.scalars(select(SyncEvent.field).where(SyncEvent.kind == "edited")).all()
        assert set(edits) == {"name", "phone"}
    # goodwill's title went back into the card; the phone's lines stayed.
    text = path.read_text()
    assert "TITLE:VP Engineering" in text and "TEL;TYPE=cell:+1 206 555 7777" in text
    assert _sync(store, folder).written == 0


def test_a_title_changed_on_the_phone_is_her_one_current_job(
    store: Store, tmp_path: Path
) -> None:
    """Found trying docs/sync.md as a new user: a promotion typed on the phone became a
    second current role at the same organisation, so the page still showed the old title
    (and the next card goodwill wrote would have taken it back)."""
    folder = tmp_path / "c"
    ana = _person(store, "Ana Lima", "ana@example.com", org="Acme", title="CTO")
    _sync(store, folder)
    (path,) = folder.glob("*.vcf")
    path.write_text(path.read_text().replace("TITLE:CTO", "TITLE:Chief Executive"))
    assert _sync(store, folder).updated == 1
    with store.session() as s:
        person = s.get(Person, ana)
        assert person is not None
        assert [(r.title, r.is_current) for r in person.roles if r.is_current] == [
            ("Chief Executive", True)
        ]
        assert people.current_role(person).title == "Chief Executive"  # type: ignore[union-attr]
    assert _sync(store, folder).written == 0
    assert "TITLE:Chief Executive" in path.read_text()


def test_new_cards_merge_or_create_and_deletions_remove_nobody(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "c"
    ana = _person(store, "Ana Lima", "ana@example.com")
    bo = _person(store, "Bo Chen", "bo@example.com")
    _sync(store, folder)
    (folder / "new-dup.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dup\r\nFN:Ana L.\r\nEMAIL:ANA@example.com\r\n"
        "TEL;TYPE=CELL:+12065550000\r\nEND:VCARD\r\n"
    )
    (folder / "new.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:fresh\r\nFN:Cy Dee\r\nEMAIL:cy@example.com\r\n"
        "END:VCARD\r\n"
    )
    bo_file = next(p for p in folder.glob("*.vcf") if b"bo@example.com" in p.read_bytes())
    bo_file.unlink()
    report = _sync(store, folder)
    assert (report.merged, report.created, report.deleted_on_phone) == (1, 1, 1)
    assert report.removed == 1  # the duplicate card, folded into Ana's
    assert _count(store) == 3
    assert not (folder / "new-dup.vcf").exists()
    ana_text = next(p for p in folder.glob("*.vcf") if b"ana@example.com" in p.read_bytes())
    assert b"+12065550000" in ana_text.read_bytes()
    with store.session() as s:
        deleted = s.scalars(select(SyncEvent).where(SyncEvent.kind == "deleted")).one()
        assert deleted.person_id == bo and deleted.status == "open"
        assert s.get(Person, bo).removed_at is None  # type: ignore[union-attr]
        assert s.get(Person, ana) is not None
    # Bo stays off the phone: the next run does not put the card back.
    again = _sync(store, folder)
    assert again.written == 0 and not any(b"bo@example.com" in d for d in _files(folder).values())


def test_removed_people_and_the_filter(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    ana = _person(store, "Ana Lima", "ana@example.com", circle="close")
    _person(store, "Bo Chen", "bo@example.com", tags=["phone"])
    assert _sync(store, folder, circle="close").written == 1
    assert _sync(store, folder, tag="phone").written == 1  # Ana leaves, Bo comes
    assert len(_files(folder)) == 1
    everyone = _sync(store, folder)
    assert everyone.written == 1 and len(_files(folder)) == 2
    with store.session() as s:
        people.remove(s, s.get(Person, ana))  # type: ignore[arg-type]
    report = _sync(store, folder)
    assert report.removed == 1 and len(_files(folder)) == 1


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _person(store, "Ana Lima", "ana@example.com")
    report = _sync(store, folder, dry_run=True)
    assert report.written == 1 and report.dry_run
    assert not folder.exists()
    _sync(store, folder)
    (folder / "x.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Dee\r\nEND:VCARD\r\n")
    assert _sync(store, folder, dry_run=True).created == 1
    assert _count(store) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SyncEvent)) == 0


def test_bad_files_are_reported_not_fatal(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "junk.vcf").write_bytes(b"\xff\xfe not a card at all")
    (folder / "empty.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n")
    report = _sync(store, folder)
    assert len(report.issues) == 2 and "junk.vcf" in report.issues[0] + report.issues[1]
    assert _sync(store, folder).issues == []  # not read (nor reported) again


def test_a_folder_that_is_a_file_fails_in_one_sentence(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    target = tmp_path / "file.vcf"
    target.write_text("x")
    result = cli("sync", "contacts", str(target))
    assert result.code == 1
    assert result.err.strip() == f"error: {target} is a file, not a folder"


def test_cli_json_counts_and_events(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("person", "add", "Ana Lima", "--email", "ana@example.com").code == 0
    folder = tmp_path / "c"
    result = cli("sync", "contacts", str(folder), "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["written"] == 1
    next(folder.glob("*.vcf")).unlink()
    text = cli("sync", "contacts", str(folder)).out
    assert "1 deleted there" in text and "goodwill sync events" in text
    events = json.loads(cli("sync", "events", "--format", "json").out)
    assert [e["kind"] for e in events] == ["deleted"]
    assert cli("sync", "events", "--close", str(events[0]["id"])).code == 0
    assert json.loads(cli("sync", "events", "--format", "json").out) == []
    assert cli("sync", "events", "--close", "999").code == 1
    config = cli("sync", "config", "--carddav", "https://dav.example.com/u/c/", "--username", "u")
    assert config.code == 0 and 'conflict_resolution = "b wins"' in config.out
    # No calendar URL, no calendar pair: an address book is not a calendar.
    assert "[pair goodwill_calendar]" not in config.out and "--caldav URL" in config.out
    both = cli(
        "sync", "config", "--carddav", "https://dav.example.com/u/c/", "--username", "u",
        "--caldav", "https://dav.example.com/u/cal/",
    )  # fmt: skip
    assert "[pair goodwill_calendar]" in both.out
    assert 'url = "https://dav.example.com/u/cal/"' in both.out
    bad = cli("sync", "config", "--carddav", "https://u:pw@dav.example.com/", "--username", "u")
    assert bad.code == 1 and "pw" not in bad.err


def test_sync_source_records_each_run(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _person(store, "Ana Lima", "ana@example.com")
    _sync(store, folder)
    with store.session() as s:
        source = s.scalars(select(SyncSource)).one()
        assert source.kind == "contacts" and source.last_ok_at is not None
        state = json.loads(source.state)
        (entry,) = state["cards"].values()
        assert entry["uid"].startswith("urn:uuid:") and entry["person"]


# ---------------------------------------------------------------- real-world cards


def test_realworld_vcards_through_a_sync_folder_and_back(store: Store, tmp_path: Path) -> None:
    """Every real-world card put in a sync folder (as a phone would), read in, written out
    by goodwill after an edit, and read again: no email or phone lost, their own lines kept."""
    source = shared_dir() / "fixtures" / "realworld" / "vcard"
    folder = tmp_path / "c"
    folder.mkdir()
    count = 0
    for path in sorted(source.glob("*.vcf")):
        text, eight_bit = cards.decode(path.read_bytes())
        found, _ = vcard.split_cards(text)
        for i, (_first, lines) in enumerate(found):
            body = "\r\n".join(lines) + "\r\n"
            (folder / f"{path.stem}-{i}.vcf").write_bytes(
                body.encode("latin-1" if eight_bit else "utf-8", errors="replace")
            )
            count += 1
    assert count > 30
    first = _sync(store, folder)
    assert first.read == count
    with store.session() as s:
        emails = set(s.scalars(select(Email.address)))
        phones = set(s.scalars(select(Phone.number)))
        ids = list(s.scalars(select(Person.id).where(Person.removed_at.is_(None))))
        # Every person is edited in goodwill: every card is written again by goodwill.
        for pid in ids:
            people.edit(s, s.get(Person, pid), add_emails=[f"extra{pid}@example.org"])  # type: ignore[arg-type]
    second = _sync(store, folder)
    assert second.written >= len(ids) - first.removed
    for p in folder.glob("*.vcf"):
        assert b"NOTE" not in p.read_bytes()
    third = _sync(store, folder)
    assert third.written == 0 and third.read == 0
    with store.session() as s:
        assert emails <= set(s.scalars(select(Email.address)))
        assert phones <= set(s.scalars(select(Phone.number)))
    # What the folder says now is what goodwill holds.
    for p in folder.glob("*.vcf"):
        record = cards.read(p.read_bytes(), p.name)[1]
        assert record is not None
        facts = cards.facts_of(record, None)
        assert facts is not None
        with store.session() as s:
            person = people.resolve(s, next(iter(facts.email_set)))
            assert {e.address for e in person.emails} == facts.email_set


@pytest.mark.parametrize("name", ["khard_photov3.vcf", "ezvcard_John_Doe_IPHONE.vcf"])
def test_photos_and_apple_labels_survive(store: Store, tmp_path: Path, name: str) -> None:
    path = shared_dir() / "fixtures" / "realworld" / "vcard" / name
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "card.vcf").write_bytes(path.read_bytes())
    _sync(store, folder)
    with store.session() as s:
        (pid,) = s.scalars(select(Person.id).where(Person.removed_at.is_(None)))
        people.edit(s, s.get(Person, pid), add_emails=["new@example.org"])  # type: ignore[arg-type]
    _sync(store, folder)
    text = (folder / "card.vcf").read_text(errors="replace").replace("\r\n ", "")
    original = path.read_text(errors="replace").replace("\r\n ", "").replace("\n ", "")
    assert "new@example.org" in text
    if "PHOTO" in original:
        assert "PHOTO" in text
    if "X-ABLabel" in original:
        assert "X-ABLABEL" in text.upper()


def test_the_daily_session_mentions_open_sync_events(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert cli("person", "add", "Ana Lima", "--email", "ana@example.com").code == 0
    folder = tmp_path / "c"
    assert cli("sync", "contacts", str(folder)).code == 0
    assert "goodwill sync events" not in cli("today").out
    next(folder.glob("*.vcf")).unlink()
    assert cli("sync", "contacts", str(folder)).code == 0
    today = cli("today").out
    assert "1. Keep or remove Ana Lima" in today and "--pick remove" in today
    assert "goodwill sync events" not in today  # shown as an action, not as a line
    assert cli("done", "1", "--pick", "remove").code == 0
    assert "Ana Lima" not in cli("today").out
    assert cli("person", "show", "Ana Lima").code != 0  # removed


def test_a_filter_nobody_passes_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    _person(store, "Ana Lima", "ana@example.com", tags=["phone"])
    _sync(store, folder)
    before = _files(folder)
    with pytest.raises(GoodwillError, match=r"nobody has the tag 'phnoe'.*nothing was changed"):
        _sync(store, folder, tag="phnoe")
    assert _files(folder) == before
    assert _sync(store, folder, tag="phone").written == 0


def test_one_folder_is_contacts_or_calendar(store: Store, tmp_path: Path) -> None:
    from goodwill.sync import calendar

    folder = tmp_path / "c"
    _sync(store, folder)
    with pytest.raises(GoodwillError, match="is synced as a contacts folder"):
        calendar.sync_calendar(store, folder)
    with store.session() as s:
        source = s.scalars(select(SyncSource)).one()
        assert source.last_error is None  # the refusal is not the folder failing


def test_a_failed_run_is_recorded_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    from goodwill.store.models import SourceRecord
    from goodwill.sync import vdir

    folder = tmp_path / "c"
    folder.mkdir()
    ana = _person(store, "Ana Lima", "ana@example.com")
    name = vdir.filename(contacts._uid_of(ana, None), contacts.SUFFIX)
    (folder / f".{name}.goodwill-tmp").mkdir()  # the card cannot be written
    (folder / "phone.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p\r\nFN:Cy Dee\r\nEMAIL:cy@example.com\r\nEND:VCARD\r\n"
    )
    with pytest.raises(GoodwillError, match=r"^cannot write .*\.vcf: Is a directory$"):
        _sync(store, folder)
    assert _count(store) == 1  # the phone's new card was not kept either
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SourceRecord)) == 0
        source = s.scalars(select(SyncSource)).one()
        assert source.last_error and source.failing_since and source.last_ok_at is None
    (folder / f".{name}.goodwill-tmp").rmdir()
    report = _sync(store, folder)
    assert (report.created, report.written) == (1, 1)
    with store.session() as s:
        source = s.scalars(select(SyncSource)).one()
        assert source.failing_since is None and source.last_ok_at is not None
