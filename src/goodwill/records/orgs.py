"""Organisations: companies, schools, groups; people's roles in them; your targets."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import validate, vocab
from goodwill.errors import Ambiguous, NotFound
from goodwill.store import search as search_index
from goodwill.store.models import Organization

_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "bv",
    "nv",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "pty",
    "oy",
    "ab",
    "srl",
    "spa",
    "kk",
}


def org_key(name: str) -> str:
    """The matching key of an organisation name: 'Acme, Inc.' and 'ACME' share 'acme'."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    # Names with no Latin letters at all (日本電気) keep their own words.
    words = re.findall(r"[\w&]+", ascii_.lower()) or re.findall(r"[\w&]+", name.lower())
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words) or name.strip().lower()


def get_or_create(session: Session, name: str, *, kind: str = "company") -> Organization:
    clean = validate.non_empty(name, "organization")
    key = org_key(clean)
    org = session.scalar(select(Organization).where(Organization.key == key))
    if org is None:
        org = Organization(name=clean, key=key, kind=kind)
        session.add(org)
        session.flush()
        search_index.index_org(session, org)
    return org


def resolve(session: Session, ref: str) -> Organization:
    """An organisation by id or name (exact key first, then a unique partial match)."""
    ref = ref.strip()
    if ref.isdigit() and int(ref) <= validate.MAX_ID:
        org = session.get(Organization, int(ref))
        if org:
            return org
    key = org_key(ref)
    org = session.scalar(select(Organization).where(Organization.key == key))
    if org:
        return org
    like = session.scalars(
        select(Organization).where(Organization.key.contains(key)).limit(10)
    ).all()
    if len(like) == 1:
        return like[0]
    if len(like) > 1:
        names = ", ".join(f"{o.name} (#{o.id})" for o in like)
        raise Ambiguous(f"'{ref}' matches several organisations: {names}")
    raise NotFound(f"no organisation matches '{ref}'" + _suggest(session, ref))


def _suggest(session: Session, ref: str) -> str:
    from rapidfuzz import process

    names = session.scalars(select(Organization.name)).all()
    close = [m[0] for m in process.extract(ref, names, limit=3, score_cutoff=60)]
    return f"; did you mean {', '.join(close)}?" if close else ""


def add(
    session: Session,
    name: str,
    *,
    kind: str = "company",
    industry: str | None = None,
    location: str | None = None,
    website: str | None = None,
    target: bool = False,
    notes: str | None = None,
) -> Organization:
    kind = validate.choice(kind, vocab.ORG_KINDS, "kind")
    org = get_or_create(session, name, kind=kind)
    org.kind = kind
    org.industry = industry or org.industry
    org.location = location or org.location
    org.website = validate.url(website, "website") if website else org.website
    org.is_target = target or org.is_target
    org.notes = notes or org.notes
    session.flush()
    search_index.index_org(session, org)
    return org
