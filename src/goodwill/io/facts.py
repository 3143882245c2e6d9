"""A record's facts in goodwill's normal form: the one place where imported values are checked.

The matcher matches on these, the writer writes them, the fingerprint of a record is
theirs (so a re-import of an unchanged record is recognised), and the vCard export compares
a stored card's facts with the person's to decide whether the card can be given back as is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.io.records import PersonRecord
from goodwill.records import people
from goodwill.records.orgs import org_key


@dataclass(frozen=True)
class Facts:
    name: str
    given: str | None = None
    middle: str | None = None
    family: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    nickname: str | None = None
    emails: tuple[tuple[str, str | None], ...] = ()  # (address, label)
    phones: tuple[tuple[str, str, str | None], ...] = ()  # (E.164, as written, label)
    links: tuple[tuple[str, str], ...] = ()  # (kind, url)
    org: str | None = None
    title: str | None = None
    past_roles: tuple[tuple[str, str | None], ...] = ()
    location: str | None = None
    birthday: dt.date | None = None
    met_on: dt.date | None = None
    how_met: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None

    # Computed once per record (the matcher asks for them several times) and kept in the
    # instance's __dict__, outside the fields that equality and the fingerprint compare
    # (functools.cached_property would take a lock on every read). Never change the sets.
    @property
    def email_set(self) -> set[str]:
        found: set[str] | None = self.__dict__.get("_email_set")
        if found is None:
            found = self.__dict__["_email_set"] = {e for e, _ in self.emails}
        return found

    @property
    def linkedin(self) -> set[str]:
        found: set[str] | None = self.__dict__.get("_linkedin")
        if found is None:
            found = self.__dict__["_linkedin"] = {u for k, u in self.links if k == "linkedin"}
        return found

    @property
    def org_keys(self) -> set[str]:
        found: set[str] | None = self.__dict__.get("_org_keys")
        if found is None:
            found = {org_key_cached(o) for o, _ in self.past_roles}
            if self.org:
                found.add(org_key_cached(self.org))
            self.__dict__["_org_keys"] = found
        return found


_BREAKS = re.compile(r"[\r\n\t]+")


def _clean(value: str | None, limit: int) -> str | None:
    """One line of text, stripped (inner spacing kept, as typed values keep it)."""
    if value is None:
        return None
    text = str(value)
    if "\r" in text or "\n" in text or "\t" in text:
        text = _BREAKS.sub(" ", text)
    return text.strip()[:limit].strip() or None


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    if "\n" not in text and "\r" not in text:  # one line: the join below is a strip
        return text.strip() or None
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return text.strip() or None


org_key_cached = lru_cache(maxsize=65536)(org_key)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A name reduced for comparison: no accents, no case, no punctuation."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", text))


def _link(kind: str, url: str) -> tuple[str, str]:
    """A link as normalise keeps it: (url, kind); InvalidInput when it is not one."""
    if kind == "linkedin" or "linkedin.com/" in url.lower():
        return validate.linkedin_url(url), "linkedin"
    return validate.url(url, "link")[:500], kind or "web"


def read_cleanly(record: PersonRecord) -> bool:
    """Whether `normalise` reads the record without a warning and without the phone
    region (it has no phone number): its facts are then the same whenever it is read."""
    if record.phones:
        return False
    try:
        for address, _label in record.emails:
            validate.email(address)
        for kind, url in record.links:
            _link(kind, url)
    except InvalidInput:
        return False
    return True


def normalise(record: PersonRecord, region: str | None) -> tuple[Facts | None, list[str]]:
    """The record's facts, checked; values that cannot be used are left out with a warning."""
    warnings: list[str] = []
    emails: dict[str, str | None] = {}
    for address, label in record.emails:
        try:
            emails.setdefault(validate.email(address), _clean(label, 40))
        except InvalidInput:
            warnings.append(f"left out {address!r}: not an email address")
    phones: dict[str, tuple[str, str | None]] = {}
    for number, label in record.phones:
        try:
            phones.setdefault(
                validate.phone(number, region), (number.strip()[:80], _clean(label, 40))
            )
        except InvalidInput:
            warnings.append(f"left out {number!r}: not a phone number")
    links: dict[str, str] = {}
    for kind, url in record.links:
        try:
            links.setdefault(*_link(kind, url))
        except InvalidInput:
            warnings.append(f"left out {url!r}: not a web address")
    given, middle, family = (
        _clean(x, 120) for x in (record.given_name, record.middle_name, record.family_name)
    )
    prefix, suffix = _clean(record.prefix, 60), _clean(record.suffix, 60)
    nickname = _clean(record.nickname, 120)
    org, title = _clean(record.org, 300), _clean(record.title, 300)
    name = _clean(" ".join((record.name or "").split()), 300) or _clean(
        " ".join(x for x in (prefix, given, middle, family, suffix) if x), 300
    )
    if name and not (given or family):
        parts = people.split_name(name)
        given, middle, family = parts.given, parts.middle, parts.family
        prefix, suffix = prefix or parts.prefix, suffix or parts.suffix
    name = name or nickname or org or next(iter(emails), None) or next(iter(phones), None)
    if not name:
        return None, warnings
    if title and not org:
        title = None
    # the same rule as people.tag_by_name: stripped, lower-case
    tags = tuple(dict.fromkeys(t for x in record.tags if (t := str(x).strip().lower()[:100])))
    past = tuple(
        dict.fromkeys(
            (o, _clean(t, 300)) for o_raw, t in record.past_roles if (o := _clean(o_raw, 300))
        )
    )
    return (
        Facts(
            name=name,
            given=given,
            middle=middle,
            family=family,
            prefix=prefix,
            suffix=suffix,
            nickname=nickname,
            emails=tuple(emails.items()),
            phones=tuple((e164, raw, label) for e164, (raw, label) in phones.items()),
            links=tuple((kind, url) for url, kind in links.items()),
            org=org,
            title=title,
            past_roles=past,
            location=_clean(record.location, 200),
            birthday=record.birthday,
            met_on=record.met_on,
            how_met=_clean_text(record.how_met),
            tags=tags,
            notes=_clean_text(record.notes),
        ),
        warnings,
    )


_FIELDS = tuple(f.name for f in fields(Facts))


# What json.dumps(..., default=str, ensure_ascii=False) builds on every call, built once.
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)
_VALUES = operator.attrgetter(*_FIELDS)


def fingerprint(facts: Facts) -> str:
    """A stable digest of the facts: equal digests mean nothing new to write."""
    payload = _ENCODER.encode(_VALUES(facts))  # a tuple is written as the list it was
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
