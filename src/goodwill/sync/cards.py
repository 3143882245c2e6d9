"""The card goodwill puts in a sync folder, and what a card says, for comparing.

A sync card is vCard 3.0 (what phones read best) with only what a phone needs: the name,
emails, phones in E.164, organisation and title, birthday, web and LinkedIn addresses.
Private things never go in: not the notes, not the tags, nothing of the ledger, flags,
needs or drafts. What the phone wrote and goodwill does not manage (X-ABLabel, item1.
groups, TYPE=CELL,IPHONE,pref, PHOTO, ADR, X- properties) is carried over from the card
the phone last had; an email or phone the phone already had keeps its own line whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.io import vcard
from goodwill.io.facts import normalise
from goodwill.io.records import PersonRecord

if TYPE_CHECKING:
    # goodwill.io.facts loads the people module and its search index: only when needed.
    from goodwill.io.facts import Facts

# What a sync card carries; NOTE is never written (notes are private), CATEGORIES only as
# the phone wrote it (goodwill's tags stay home).
_WRITTEN = frozenset(
    {"FN", "N", "NICKNAME", "EMAIL", "TEL", "URL", "X-SOCIALPROFILE", "ORG", "TITLE", "BDAY"}
)
# goodwill's labels in the vCard 3.0 types phones know.
_PHONE_TYPES = {"mobile": "cell", "main": "pref"}
_DROPPED = frozenset({"NOTE", "UID", "VERSION", "PRODID", "REV"})


def _fold(line: str) -> str:
    """vcard.fold, without its per-character walk for the usual short ASCII line."""
    if len(line) <= 75 and line.isascii():
        return line + "\r\n"
    return vcard.fold(line)


def view(f: Facts) -> tuple[object, ...]:
    """What a sync card says of a person: equal views, nothing to write."""
    return (
        f.name,
        f.given,
        f.middle,
        f.family,
        f.prefix,
        f.suffix,
        f.nickname,
        tuple(sorted(e for e, _ in f.emails)),
        tuple(sorted(p for p, _, _ in f.phones)),
        tuple(sorted(u for _, u in f.links)),
        f.org,
        f.title if f.org else None,
        f.birthday.isoformat() if f.birthday else None,
    )


def view_digest(f: Facts) -> str:
    payload = json.dumps(view(f), ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def decode(data: bytes) -> tuple[str, bool]:
    """A card file's text, and whether it was read as an 8-bit legacy charset."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def read(data: bytes, name: str) -> tuple[vcard.Card | None, PersonRecord | None, str | None]:
    """The first card of a file, the person it names, or why there is none."""
    text, eight_bit = decode(data)
    found, _problems = vcard.split_cards(text)
    if not found:
        return None, None, "holds no vCard (no BEGIN:VCARD line)"
    first_line, lines = found[0]
    try:
        card = vcard.read_card(lines, first_line, eight_bit)
        record = vcard.to_record(card)
    except Exception as exc:  # a card we cannot read must not stop the others
        return None, None, f"unreadable card: {exc}"
    if record is None:
        return card, None, "the card names nobody (no FN, N, EMAIL, TEL or ORG)"
    if len(found) > 1:
        return card, record, "holds more than one card: read the first"
    return card, record, None


def facts_of(record: PersonRecord, region: str | None) -> Facts | None:
    facts, _warnings = normalise(record, region)
    return facts


def _same_phone(prop: vcard.Prop, number: str, region: str | None) -> bool:
    value = vcard.unescape(prop.value).strip()
    try:
        return validate.phone(value.split(";ext=", 1)[0], region) == number
    except InvalidInput:
        return False


def _same_email(prop: vcard.Prop, address: str) -> bool:
    try:
        return validate.email(vcard.unescape(prop.value).strip()) == address
    except InvalidInput:
        return False


def _types(label: str | None, *extra: str) -> str:
    values = [v for v in (*extra, (label or "").lower()) if v and re.fullmatch(r"[\w-]+", v)]
    return f";TYPE={','.join(dict.fromkeys(values))}" if values else ""


def render(uid: str, facts: Facts, original: vcard.Card | None, region: str | None) -> str:
    """The sync card of a person (vCard 3.0), carrying over what `original` had."""
    e = vcard.escape
    props = list(original.props) if original else []
    used: set[int] = set()  # ids of original props written in place of ours

    def take(name: str, match: object) -> vcard.Prop | None:
        for p in props:
            if p.name == name and id(p) not in used and match(p):  # type: ignore[operator]
                used.add(id(p))
                return p
        return None

    out = ["BEGIN:VCARD\r\n", "VERSION:3.0\r\n", _fold(f"UID:{e(uid)}")]
    out.append(_fold(f"FN:{e(facts.name)}"))
    n = ";".join(e(x or "") for x in (facts.family, facts.given, facts.middle, facts.prefix))
    out.append(_fold(f"N:{n};{e(facts.suffix or '')}"))
    if facts.nickname:
        out.append(_fold(f"NICKNAME:{e(facts.nickname)}"))
    if facts.org:
        out.append(_fold(f"ORG:{e(facts.org)}"))
        if facts.title:
            out.append(_fold(f"TITLE:{e(facts.title)}"))
    kept_groups: set[str] = set()
    for address, label in facts.emails:
        prop = take("EMAIL", lambda p, a=address: _same_email(p, a))
        if prop is not None:
            out.append(vcard.prop_line(prop))
            kept_groups.add(prop.group or "")
        else:
            out.append(_fold(f"EMAIL{_types(label, 'internet')}:{address}"))
    for number, _raw, label in facts.phones:
        prop = take("TEL", lambda p, n=number: _same_phone(p, n, region))
        if prop is not None:
            # The phone's own number as it wrote it, types and group kept (iOS reads
            # item1.TEL with its X-ABLabel); E.164 when goodwill wrote it.
            out.append(vcard.prop_line(prop))
            kept_groups.add(prop.group or "")
        else:
            kind = _PHONE_TYPES.get((label or "").lower(), label)
            out.append(_fold(f"TEL{_types(kind)}:{number}"))
    for _kind, url in facts.links:
        prop = take(
            "URL", lambda p, u=url: vcard.unescape(p.value).strip().rstrip("/") == u.rstrip("/")
        ) or take(
            "X-SOCIALPROFILE",
            lambda p, u=url: vcard.unescape(p.value).strip().rstrip("/") == u.rstrip("/"),
        )
        if prop is not None:
            out.append(vcard.prop_line(prop))
            kept_groups.add(prop.group or "")
        else:
            out.append(_fold(f"URL:{url}"))
    if facts.birthday:
        out.append(f"BDAY:{facts.birthday.isoformat()}\r\n")
    # Groups whose managed line went away (a number removed) lose their label too.
    dropped_groups = {
        p.group for p in props if p.group and p.name in _WRITTEN and id(p) not in used
    } - kept_groups
    for p in props:
        if p.name in _WRITTEN or p.name in _DROPPED or id(p) in used:
            continue
        if p.group and p.group in dropped_groups:
            continue
        out.append(vcard.prop_line(p))
    out.append("END:VCARD\r\n")
    return "".join(out)


def without_private(facts: Facts) -> Facts:
    """The facts a card may carry (for comparing what came back with what went out)."""
    return replace(facts, notes=None, tags=(), how_met=None, met_on=None)
