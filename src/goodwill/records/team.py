"""Team members, their sign-in sessions and tokens, and the audit log of admin actions.

A team database has members (`init_team` makes the first, an admin, who owns every row the
single user wrote). Passwords are hashed with Argon2id; a browser's session and a script's
token are kept only as SHA-256 hashes, in the database, so that every server process sees
the same sign-ins and removing a member ends them at once. Wrong passwords are counted in
the database too: too many for one address in `FAILURE_WINDOW` and sign-in is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.errors import GoodwillError, InvalidInput, NotFound
from goodwill.store import policy
from goodwill.store.models import (
    Interaction,
    Participant,
    Person,
    Setting,
    TeamAudit,
    TeamMember,
    TeamSession,
    TeamSigninFailure,
    TeamToken,
)
from goodwill.store.policy import NotAllowed, Viewer

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION_DAYS = 14
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD = 8
TOKEN_PREFIX = "gwt_"
SESSION_PREFIX = "gws_"
INVITE_PREFIX = "gwi_"
# An invite is a setting row (no schema change): its key names the link's SHA-256, its
# value says whom it is for, until when, and when it was used.
INVITE_KEY = "team.invite."
INVITE_MAX = dt.timedelta(days=90)
_SPAN = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$", re.I)


class TooManyAttempts(GoodwillError):
    """Too many wrong passwords for one address: sign-in waits a while."""


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    email: str
    role: str
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults are RFC 9106's second recommended Argon2id profile.
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", "…", f"must be at least {MIN_PASSWORD} characters")
    hashed: str = _hasher().hash(password)
    return hashed


def _password_ok(stored: str | None, given: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return bool(_hasher().verify(stored, given))
    except (VerificationError, InvalidHashError):
        return False


def _info(m: TeamMember) -> MemberInfo:
    return MemberInfo(m.id, m.name, m.email, m.role, m.created_at)


def viewer_of(m: TeamMember) -> Viewer:
    return Viewer(member_id=m.id, name=m.name, role=m.role)


def audit(session: Session, action: str, subject: str | None) -> None:
    """Write one line of the audit log, by the member acting."""
    actor = policy.current()
    session.add(TeamAudit(actor=actor.name if actor else None, action=action, subject=subject))


def _clean_name(name: str) -> str:
    value = validate.non_empty(name, "name")
    if len(value) > 120:
        raise InvalidInput("name", value[:20] + "…", "must be at most 120 characters")
    return value


def _check_free(session: Session, name: str, email: str) -> None:
    taken = session.scalars(
        select(TeamMember).where(
            (func.lower(TeamMember.name) == name.lower()) | (TeamMember.email == email)
        )
    ).first()
    if taken is not None:
        what = "name" if taken.name.lower() == name.lower() else "email"
        raise InvalidInput(what, name if what == "name" else email, "is already a member's")


def init_team(session: Session, name: str, email: str, password: str | None) -> MemberInfo:
    """Make this database a team's: `name` becomes member 1, an admin, and owns every
    private row written so far; on PostgreSQL row-level security locks the private tables.
    Must run as the tables' owner (not through `policy.attach`)."""
    if policy.is_team(session):
        raise GoodwillError("this database is already a team's: add members with 'user add'")
    member = TeamMember(
        name=_clean_name(name),
        email=validate.email(email),
        role="admin",
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(member)
    session.flush()
    for table in (*policy.PRIVATE_TABLES, "search_doc"):
        where = "owner_id IS NULL" + (" AND kind = 'interaction'" if table == "search_doc" else "")
        session.execute(text(f"UPDATE {table} SET owner_id = :m WHERE {where}"), {"m": member.id})
    _notes_to_history(session, member.id)
    # Personal settings (the profile, the daily time) written so far are the first admin's.
    session.execute(
        text(
            "UPDATE setting SET key = key || :mark WHERE key LIKE 'profile.%' "
            "OR key IN ('pitch', 'offer', 'schedule.daily', 'schedule.minutes')"
        ),
        {"mark": f"~m{member.id}"},
    )
    session.execute(
        text("UPDATE circle_setting SET circle = circle || :mark"), {"mark": f"~m{member.id}"}
    )
    policy.lock_private_rows(session)
    with policy.acting_as(viewer_of(member)):
        audit(session, "team init", member.email)
    return _info(member)


def _notes_to_history(session: Session, owner: int) -> None:
    """People's notes are private in a team: those written so far become notes in the first
    admin's history with each person (theirs, as every private row written so far)."""
    now = _now().replace(microsecond=0)
    for person in session.scalars(select(Person).where(Person.notes.is_not(None))):
        if person.notes and person.notes.strip():
            item = Interaction(occurred_at=now, kind="note", summary=person.notes.strip(),
                               source="person note", owner_id=owner)  # fmt: skip
            item.participants.append(Participant(person_id=person.id, owner_id=owner))
            session.add(item)
        person.notes = None
    session.flush()


def find(session: Session, name: str) -> TeamMember:
    """A current member by name or email."""
    key = name.strip()
    member = session.scalars(
        select(TeamMember).where(
            TeamMember.removed_at.is_(None),
            (func.lower(TeamMember.name) == key.lower()) | (TeamMember.email == key.lower()),
        )
    ).first()
    if member is None:
        raise NotFound(f"no team member called {key!r} (see 'goodwill user list')")
    return member


def first_admin(session: Session) -> TeamMember | None:
    return session.scalars(
        select(TeamMember)
        .where(TeamMember.removed_at.is_(None), TeamMember.role == "admin")
        .order_by(TeamMember.id)
    ).first()


def add_member(
    session: Session, name: str, email: str, role: str = "member", password: str | None = None
) -> MemberInfo:
    """Add a member (an admin's action)."""
    policy.require_admin()
    clean, address = _clean_name(name), validate.email(email)
    role = validate.choice(role, policy.ROLES, "role")
    _check_free(session, clean, address)
    member = TeamMember(
        name=clean,
        email=address,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(member)
    session.flush()
    audit(session, f"user add ({role})", address)
    return _info(member)


def list_members(session: Session) -> list[MemberInfo]:
    rows = session.scalars(
        select(TeamMember).where(TeamMember.removed_at.is_(None)).order_by(TeamMember.id)
    )
    return [_info(m) for m in rows]


def remove_member(session: Session, name: str) -> MemberInfo:
    """Remove a member (an admin's action): their sessions and tokens end at once; their
    private rows stay theirs, seen by no one."""
    actor = policy.require_admin()
    member = find(session, name)
    if member.id == actor.member_id:
        raise NotAllowed("you cannot remove yourself; ask another admin")
    member.removed_at = _now()
    session.execute(delete(TeamSession).where(TeamSession.member_id == member.id))
    session.execute(delete(TeamToken).where(TeamToken.member_id == member.id))
    audit(session, "user remove", member.email)
    return _info(member)


def new_token(session: Session, name: str) -> str:
    """A new token for scripts (your own, or anyone's for an admin); shown once."""
    actor = policy.current()
    member = find(session, name)
    if actor is None or (actor.member_id != member.id and not actor.is_admin):
        raise NotAllowed("only a team admin can make a token for another member")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(TeamToken(member_id=member.id, token_hash=_digest(token)))
    audit(session, "user token", member.email)
    return token


def set_password(session: Session, name: str, password: str) -> None:
    actor = policy.current()
    member = find(session, name)
    if actor is None or (actor.member_id != member.id and not actor.is_admin):
        raise NotAllowed("only a team admin can set another member's password")
    member.password_hash = hash_password(password)
    session.execute(delete(TeamSession).where(TeamSession.member_id == member.id))
    audit(session, "user password", member.email)


def _current_member(session: Session, member_id: int) -> TeamMember | None:
    member = session.get(TeamMember, member_id)
    return member if member is not None and member.removed_at is None else None


def by_token(session: Session, token: str) -> Viewer | None:
    """The member a script's token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(select(TeamToken).where(TeamToken.token_hash == _digest(token))).first()
    member = _current_member(session, row.member_id) if row else None
    return viewer_of(member) if member else None


def by_session(session: Session, cookie: str, now: dt.datetime | None = None) -> Viewer | None:
    """The member a browser's session cookie belongs to, while it has not expired."""
    if not cookie.startswith(SESSION_PREFIX):
        return None
    # One query on every request: the session, unexpired, of a current member.
    member = session.scalars(
        select(TeamMember)
        .join(TeamSession, TeamSession.member_id == TeamMember.id)
        .where(
            TeamSession.id == _digest(cookie),
            TeamSession.expires_at > (now or _now()),
            TeamMember.removed_at.is_(None),
        )
    ).first()
    return viewer_of(member) if member else None


def sign_in(
    session: Session, email: str, password: str, now: dt.datetime | None = None
) -> str | None:
    """A new session cookie value for the member with this address and password, or None
    for a wrong address or password (the failure is written: let the transaction commit).
    Raises TooManyAttempts after MAX_FAILURES wrong tries within FAILURE_WINDOW."""
    at = now or _now()
    address = email.strip().lower()[:320]
    recent = session.scalar(
        select(func.count())
        .select_from(TeamSigninFailure)
        .where(TeamSigninFailure.email == address, TeamSigninFailure.at > at - FAILURE_WINDOW)
    )
    if (recent or 0) >= MAX_FAILURES:
        raise TooManyAttempts("too many wrong passwords for this address: wait 15 minutes")
    member = session.scalars(
        select(TeamMember).where(TeamMember.email == address, TeamMember.removed_at.is_(None))
    ).first()
    if member is None or not _password_ok(member.password_hash, password):
        session.add(TeamSigninFailure(email=address, at=at))
        return None
    session.execute(
        delete(TeamSigninFailure).where(
            (TeamSigninFailure.email == address) | (TeamSigninFailure.at < at - FAILURE_WINDOW)
        )
    )
    return _new_session(session, member, at)


def sign_out(session: Session, cookie: str) -> None:
    session.execute(delete(TeamSession).where(TeamSession.id == _digest(cookie)))


def touch_token(session: Session, token: str) -> None:
    session.execute(
        update(TeamToken).where(TeamToken.token_hash == _digest(token)).values(last_used_at=_now())
    )


def audit_log(session: Session, limit: int = 100) -> list[TeamAudit]:
    policy.require_admin()
    return list(session.scalars(select(TeamAudit).order_by(TeamAudit.id.desc()).limit(limit)))


class InviteUnusable(GoodwillError):
    """An invite link that expired, was used already or never existed."""


def parse_span(value: str) -> dt.timedelta:
    """'7d', '12h', '2w': how long an invite link works (at most 90 days)."""
    m = _SPAN.match(value or "")
    if m is None:
        raise InvalidInput("expires", value, "must be hours, days or weeks, like 12h, 7d or 2w")
    unit = {"h": "hours", "d": "days", "w": "weeks"}[m.group(2).lower()]
    span = dt.timedelta(**{unit: int(m.group(1))})
    if not dt.timedelta(hours=1) <= span <= INVITE_MAX:
        raise InvalidInput("expires", value, "must be between 1h and 90d")
    return span


def invite(
    session: Session,
    email: str,
    role: str = "member",
    expires: dt.timedelta = dt.timedelta(days=7),
    name: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[MemberInfo, str]:
    """Add a member without a password and make the one-time link with which they set it
    (an admin's action): (the member, the link's secret, shown once)."""
    policy.require_admin()
    address = validate.email(email)
    clean = _clean_name(name if name else address.split("@", 1)[0])
    role = validate.choice(role, policy.ROLES, "role")
    _check_free(session, clean, address)
    at = now or _now()
    member = TeamMember(name=clean, email=address, role=role, password_hash=None)
    session.add(member)
    session.flush()
    secret = INVITE_PREFIX + secrets.token_urlsafe(32)
    value = {"member": member.id, "expires": (at + expires).isoformat(), "used": None}
    session.add(Setting(key=INVITE_KEY + _digest(secret), value=json.dumps(value)))
    audit(session, f"user invite ({role})", f"{address} until {(at + expires):%Y-%m-%d %H:%M}")
    return _info(member), secret


def _invite(
    session: Session, secret: str, at: dt.datetime
) -> tuple[Setting, dict[str, Any], TeamMember]:
    row = None
    if secret.startswith(INVITE_PREFIX):
        row = session.get(Setting, INVITE_KEY + _digest(secret))
    if row is None:
        raise InviteUnusable("this invite link is not valid: ask a team admin for a new one")
    value = json.loads(row.value)
    member = _current_member(session, int(value["member"]))
    if value.get("used"):
        raise InviteUnusable("this invite link was used already: sign in with your password")
    if member is None:
        raise InviteUnusable("this invite link's member was removed: ask a team admin")
    if dt.datetime.fromisoformat(value["expires"]) <= at:
        raise InviteUnusable("this invite link has expired: ask a team admin for a new one")
    return row, value, member


def invited(session: Session, secret: str, now: dt.datetime | None = None) -> MemberInfo:
    """Whom a usable invite link is for; InviteUnusable (one sentence) otherwise."""
    return _info(_invite(session, secret, now or _now())[2])


def accept_invite(
    session: Session, secret: str, password: str, now: dt.datetime | None = None
) -> str:
    """Set the invited member's password (once) and sign them in: a new session cookie."""
    at = now or _now()
    row, value, member = _invite(session, secret, at)
    member.password_hash = hash_password(password)
    row.value = json.dumps({**value, "used": at.isoformat()})
    with policy.acting_as(viewer_of(member)):
        audit(session, "invite used", member.email)
    return _new_session(session, member, at)


def _new_session(session: Session, member: TeamMember, at: dt.datetime) -> str:
    """A server-side session for `member` from `at`: the cookie (only its digest is kept)."""
    cookie = SESSION_PREFIX + secrets.token_urlsafe(32)
    session.add(
        TeamSession(
            id=_digest(cookie),
            member_id=member.id,
            created_at=at,
            expires_at=at + dt.timedelta(days=SESSION_DAYS),
        )
    )
    return cookie
