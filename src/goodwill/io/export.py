"""Export everyone: vCard 3.0 (one file or a vdir of one .vcf per person), CSV in the Google
Contacts layout (which Google, Outlook and Apple import), the JSON backup, and the calendar.

A person imported from a vCard and not changed since is given back as the original card,
byte for byte; a changed one gets a new card that still carries every property of the
original goodwill does not manage (addresses, photos, X- properties...).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.daily import schedule
from goodwill.errors import GoodwillError, InvalidInput
from goodwill.io import backup, vcard
from goodwill.io.facts import Facts, normalise
from goodwill.io.matcher import default_region
from goodwill.safe_text import csv_cell
from goodwill.store.models import (
    Email,
    Link,
    Organization,
    Person,
    PersonTag,
    Phone,
    Role,
    SourceRecord,
    Tag,
)

FORMATS = ("vcard", "csv", "json", "ics")
_UID_NAMESPACE = uuid.UUID("6f0c2a8e-5d1b-4c3e-9a57-2b8f4e61d0a9")


@dataclass
class Exported:
    id: int
    facts: Facts
    raw: str | None  # the newest original vCard, if the person came from one


def people_facts(session: Session) -> list[Exported]:
    """Every active person's facts, in a fixed number of queries, ordered by name then id.
    You (`goodwill me`) are not among your contacts; the JSON backup keeps you."""
    rows = session.execute(
        select(Person)
        .where(Person.removed_at.is_(None), Person.is_me.is_(False))
        .order_by(func.lower(Person.display_name), Person.id)
    ).scalars()
    persons = list(rows)
    emails: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for pid, address, label in session.execute(
        select(Email.person_id, Email.address, Email.label).order_by(Email.id)
    ):
        emails[pid].append((address, label))
    phones: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    for pid, number, raw, label in session.execute(
        select(Phone.person_id, Phone.number, Phone.raw, Phone.label).order_by(Phone.id)
    ):
        phones[pid].append((number, raw or number, label))
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pid, kind, url in session.execute(
        select(Link.person_id, Link.kind, Link.url).order_by(Link.id)
    ):
        links[pid].append((kind, url))
    current: dict[int, tuple[str | None, str | None]] = {}
    past: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    for pid, org_name, role_title, is_current in session.execute(
        select(Role.person_id, Organization.name, Role.title, Role.is_current)
        .join(Organization, Organization.id == Role.org_id)
        .order_by(Role.id)
    ):
        if is_current:
            if pid in current:
                past[pid].append(current[pid])
            current[pid] = (org_name, role_title)
        else:
            past[pid].append((org_name, role_title))
    tags: dict[int, list[str]] = defaultdict(list)
    for pid, name in session.execute(
        select(PersonTag.person_id, Tag.name).join(Tag).order_by(Tag.name)
    ):
        tags[pid].append(name)
    raws: dict[int, str] = {}
    for pid, raw in session.execute(
        select(SourceRecord.person_id, SourceRecord.raw)
        .where(SourceRecord.source == vcard.SOURCE, SourceRecord.raw.is_not(None))
        .order_by(SourceRecord.imported_at, SourceRecord.id)
    ):
        raws[pid] = raw or ""
    out = []
    for p in persons:
        org, title = current.get(p.id, (None, None))
        facts = Facts(
            name=p.display_name,
            given=p.given_name,
            middle=p.middle_name,
            family=p.family_name,
            prefix=p.prefix,
            suffix=p.suffix,
            nickname=p.nickname,
            emails=tuple(emails[p.id]),
            phones=tuple(phones[p.id]),
            links=tuple(links[p.id]),
            org=org,
            title=title,
            past_roles=tuple((o, t) for o, t in past[p.id] if o),
            location=p.location,
            birthday=p.birthday,
            met_on=p.met_on,
            how_met=p.how_met,
            tags=tuple(tags[p.id]),
            notes=p.notes,
        )
        out.append(Exported(p.id, facts, raws.get(p.id)))
    return out


def _card_view(f: Facts) -> tuple[object, ...]:
    """What a vCard can carry of a person: equal views mean the card is still true."""
    return (
        f.name,
        f.given,
        f.middle,
        f.family,
        f.prefix,
        f.suffix,
        f.nickname,
        frozenset(e for e, _ in f.emails),
        frozenset(p for p, _, _ in f.phones),
        frozenset(u for _, u in f.links),
        f.org,
        f.title,
        frozenset(f.tags),
        f.notes,
        f.birthday,
    )


def _uid(person: Exported, card: vcard.Card | None) -> str:
    if card is not None and (uid := card.first("UID")) is not None and uid.value.strip():
        return vcard.unescape(uid.value.strip())
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'goodwill-person-{person.id}')}"


def card_for(person: Exported, region: str | None) -> str:
    """The vCard of a person: the original when still true, else a new 3.0 card."""
    card = vcard.parse_raw(person.raw) if person.raw else None
    if card is not None and not card.legacy:
        record = vcard.to_record(card)
        if record is not None:
            original, _ = normalise(record, region)
            if original is not None and _card_view(original) == _card_view(person.facts):
                return _crlf(person.raw or "")
    return _new_card(person, card)


def _crlf(raw: str) -> str:
    """A kept card with CRLF line ends and no blank lines between properties: a source's
    stray carriage returns (CR CR LF, a lone CR) come in as empty lines, which many
    readers reject. The blank line that ends vCard 2.1 base64 data (after a folded
    line) stays."""
    lines = re.split(r"\r\n|\r|\n", raw)
    if lines and lines[-1] == "":
        lines.pop()
    kept = [
        line for i, line in enumerate(lines) if line or (i > 0 and lines[i - 1][:1] in (" ", "\t"))
    ]
    return "".join(f"{line}\r\n" for line in kept)


def _types(label: str | None, *extra: str) -> str:
    values = [v for v in (*extra, (label or "").lower()) if v and re.fullmatch(r"[\w-]+", v)]
    return f";TYPE={','.join(dict.fromkeys(values))}" if values else ""


def _new_card(person: Exported, original: vcard.Card | None) -> str:
    f = person.facts

    def e(text: str) -> str:  # a lone carriage return in a value is a line break too
        return vcard.escape(text.replace("\r\n", "\n").replace("\r", "\n"))

    lines = ["BEGIN:VCARD\r\n", "VERSION:3.0\r\n", vcard.fold(f"UID:{e(_uid(person, original))}")]
    lines.append(vcard.fold(f"FN:{e(f.name)}"))
    n = ";".join(e(x or "") for x in (f.family, f.given, f.middle, f.prefix, f.suffix))
    lines.append(vcard.fold(f"N:{n}"))
    if f.nickname:
        lines.append(vcard.fold(f"NICKNAME:{e(f.nickname)}"))
    if f.org:
        lines.append(vcard.fold(f"ORG:{e(f.org)}"))
    if f.title:
        lines.append(vcard.fold(f"TITLE:{e(f.title)}"))
    for address, label in f.emails:
        lines.append(vcard.fold(f"EMAIL{_types(label, 'internet')}:{address}"))
    for number, _raw, label in f.phones:
        lines.append(vcard.fold(f"TEL{_types(label)}:{number}"))
    for _kind, url in f.links:
        lines.append(vcard.fold(f"URL:{url}"))
    if f.birthday:
        lines.append(f"BDAY:{f.birthday.isoformat()}\r\n")
    if f.tags:
        lines.append(vcard.fold("CATEGORIES:" + ",".join(e(t) for t in f.tags)))
    if f.notes:
        lines.append(vcard.fold(f"NOTE:{e(f.notes)}"))
    kept = [
        p
        for p in (original.props if original else [])
        if p.name not in vcard.MANAGED and p.name not in ("UID", "VERSION", "PRODID", "REV")
    ]
    if f.location and not any(p.name == "ADR" for p in kept):
        lines.append(vcard.fold(f"ADR:;;;{e(f.location)};;;"))
    lines += [vcard.prop_line(p) for p in kept]
    lines.append("END:VCARD\r\n")
    return "".join(lines)


def vcards(session: Session) -> bytes:
    region = default_region(session, None)
    return "".join(card_for(p, region) for p in people_facts(session)).encode("utf-8")


def _filename(uid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", uid.removeprefix("urn:uuid:"))[:120] + ".vcf"


def write_vdir(session: Session, folder: Path) -> int:
    """One .vcf per person, named after the card's UID (stable from one export to the next)."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput("--vdir", str(folder), "is a file, not a folder")
    region = default_region(session, None)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for person in people_facts(session):
            text = card_for(person, region)
            uid = _uid(person, vcard.parse_raw(text))
            (folder / _filename(uid)).write_bytes(text.encode("utf-8"))
            count += 1
    except OSError as exc:
        raise GoodwillError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return count


def contacts_csv(session: Session, raw: bool = False) -> bytes:
    """Everyone as a Google Contacts CSV (current layout, plus a Name column).

    A cell a spreadsheet would run as a formula (=HYPERLINK... in a name someone else
    wrote) starts with an apostrophe, unless `raw` (goodwill.safe_text.csv_cell)."""
    people = people_facts(session)
    n_email = max((len(p.facts.emails) for p in people), default=0) or 1
    n_phone = max((len(p.facts.phones) for p in people), default=0) or 1
    n_web = max((len(p.facts.links) for p in people), default=0) or 1
    header = [
        "Name",
        "First Name",
        "Middle Name",
        "Last Name",
        "Name Prefix",
        "Name Suffix",
        "Nickname",
        "Birthday",
        "Notes",
        "Labels",
        "Organization Name",
        "Organization Title",
        "Address 1 - City",
    ]
    for i in range(1, n_email + 1):
        header += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, n_phone + 1):
        header += [f"Phone {i} - Label", f"Phone {i} - Value"]
    for i in range(1, n_web + 1):
        header += [f"Website {i} - Label", f"Website {i} - Value"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for p in people:
        f = p.facts
        row = [
            f.name,
            f.given or "",
            f.middle or "",
            f.family or "",
            f.prefix or "",
            f.suffix or "",
            f.nickname or "",
            f.birthday.isoformat() if f.birthday else "",
            f.notes or "",
            " ::: ".join(f.tags),
            f.org or "",
            f.title or "",
            f.location or "",
        ]
        emails = list(f.emails) + [("", None)] * (n_email - len(f.emails))
        row += [x for address, label in emails for x in (label or "", address)]
        phones = [(n, lab) for n, _r, lab in f.phones] + [("", None)] * (n_phone - len(f.phones))
        row += [x for number, label in phones for x in (label or "", number)]
        links = list(f.links) + [("", "")] * (n_web - len(f.links))
        row += [x for kind, url in links for x in (kind if url else "", url)]
        writer.writerow(row if raw else [csv_cell(cell) for cell in row])
    return buf.getvalue().encode("utf-8")


def calendar(session: Session) -> bytes:
    """The daily networking block and the next cadence dates (the schedule module's file)."""
    return schedule.calendar_bytes(session)


def export_bytes(session: Session, fmt: str, raw: bool = False) -> bytes:
    """The export in `fmt`; `raw`: CSV cells as stored (no formula neutralising)."""
    if fmt == "vcard":
        return vcards(session)
    if fmt == "csv":
        return contacts_csv(session, raw)
    if fmt == "json":
        return backup.dump(session)
    if fmt == "ics":
        return calendar(session)
    raise InvalidInput("format", fmt, "choose one of " + ", ".join(FORMATS))
