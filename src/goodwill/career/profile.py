"""Your profile: the pitch, what you target, and what you can offer others.

It lives in the `setting` table (keys `profile.*`). Lists are stored as JSON. Target
organisations are the organisations flagged `is_target`, so the one flag serves the
profile, `org list --target` and every feature that ranks by target companies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.records import orgs, people
from goodwill.schemas.interviews import Profile
from goodwill.store import policy
from goodwill.store.models import Organization, Setting

PITCH_KEY = "profile.pitch"
LIST_KEYS = {
    "target_roles": "profile.target_roles",
    "target_places": "profile.target_places",
    "offers": "profile.offers",
}
PITCH_MAX = 600  # two sentences, not a cover letter


def _get(session: Session, key: str) -> str | None:
    row = session.get(Setting, policy.member_key(key))
    return row.value if row else None


def _set(session: Session, key: str, value: str | None) -> None:
    key = policy.member_key(key)  # each member's own profile in a team
    row = session.get(Setting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _list(session: Session, key: str) -> list[str]:
    raw = _get(session, key)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return [raw]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def get(session: Session) -> Profile:
    you = people.me(session)
    targets = session.scalars(
        select(Organization.name)
        .where(Organization.is_target.is_(True))
        .order_by(Organization.name)
    ).all()
    return Profile(
        name=you.display_name if you is not None else None,
        emails=people.me_emails(session),
        pitch=_get(session, PITCH_KEY),
        target_roles=_list(session, LIST_KEYS["target_roles"]),
        target_orgs=list(targets),
        target_places=_list(session, LIST_KEYS["target_places"]),
        offers=_list(session, LIST_KEYS["offers"]),
    )


def _merge(current: list[str], added: Sequence[str], removed: set[str], field: str) -> list[str]:
    out = [v for v in current if v.lower() not in removed]
    for value in added:
        clean = validate.non_empty(value, field)
        if clean.lower() not in {v.lower() for v in out}:
            out.append(clean)
    return out


def update(
    session: Session,
    *,
    name: str | None = None,
    emails: Sequence[str] = (),
    pitch: str | None = None,
    roles: Sequence[str] = (),
    orgs_: Sequence[str] = (),
    places: Sequence[str] = (),
    offers: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> Profile:
    """Set your name, addresses and pitch, add targets and offers, and drop any value
    named in `remove`."""
    if pitch is not None:
        pitch = " ".join(pitch.split())
        if len(pitch) > PITCH_MAX:
            raise InvalidInput(
                "pitch",
                pitch[:40] + "...",
                f"keep it to two sentences (at most {PITCH_MAX} characters)",
            )
    gone = {validate.non_empty(v, "remove").lower() for v in remove}
    current = get(session)
    known = {
        v.lower()
        for v in (
            *current.target_roles,
            *current.target_orgs,
            *current.target_places,
            *current.offers,
            *current.emails,
        )
    }
    unknown = sorted(gone - known)
    if unknown:
        raise InvalidInput("remove", unknown[0], "is not in your profile")
    new_lists = {
        "target_roles": _merge(current.target_roles, roles, gone, "role"),
        "target_places": _merge(current.target_places, places, gone, "place"),
        "offers": _merge(current.offers, offers, gone, "offer"),
    }
    mine = {e.lower() for e in current.emails}
    if name is not None or emails or gone & mine:
        people.set_me(session, name=name, add_emails=emails, remove_emails=sorted(gone & mine))
    if pitch is not None:
        _set(session, PITCH_KEY, pitch or None)
    for field, values in new_lists.items():
        _set(session, LIST_KEYS[field], json.dumps(values, ensure_ascii=False) if values else None)
    for name in orgs_:
        orgs.get_or_create(session, name).is_target = True
    for org in session.scalars(select(Organization).where(Organization.is_target.is_(True))):
        if org.name.lower() in gone:
            org.is_target = False
    session.flush()
    return get(session)
