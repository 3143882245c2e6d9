"""Draft messages for the daily session: Jinja2 templates, personalised with what we know.

One template per kind of action (`daily/templates/<kind>.j2`, plus `follow_up_referral.j2`
for someone a friend referred). A user overrides one by putting a file of the same name in
`$XDG_CONFIG_HOME/goodwill/templates/drafts/` (the folder platformdirs gives on each
system). Templates receive the facts gathered by `facts()` (first name, organisation, the
last conversation, what they look for and work on, what each side did for the other) and
the action's own details (the request, the promise, the introduction...).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, bindparam, func, select
from sqlalchemy.orm import Session

from goodwill.errors import InvalidInput
from goodwill.records import people
from goodwill.store.db import IDS, AnySelect, run_read
from goodwill.store.models import Exchange, Interaction, Organization, Participant, Person, Role
from goodwill.wording import MONTHS

if TYPE_CHECKING:
    from jinja2 import Environment

BUILTIN_DIR = Path(__file__).parent / "templates"

# How an exchange kind reads in a sentence ("thank you for ...").
KIND_WORDS: dict[str, str] = {
    "info": "the information you shared",
    "idea": "your idea",
    "help": "your help",
    "intro": "the introduction",
    "referral": "the referral",
    "advice": "your advice",
    "thanks": "your kind words",
}
# How an interaction kind reads as a noun ("our coffee in March").
INTERACTION_WORDS: dict[str, str] = {
    "coffee": "coffee",
    "call": "call",
    "meeting": "meeting",
    "email": "emails",
    "message": "messages",
    "event": "chat at the event",
    "letter": "letters",
    "note": "conversation",
}
_TO_YOU = (("their", "your"), ("theirs", "yours"), ("they", "you"), ("them", "you"))
_ABOUT = re.compile(r"\babout\s+(.+?)\s*[.!]?$", re.IGNORECASE)


def user_dir() -> Path:
    """Where a user's own templates go (found through platformdirs, XDG on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("goodwill", appauthor=False)) / "templates" / "drafts"


@lru_cache(maxsize=4)
def _environment(user: Path) -> Environment:
    from jinja2 import Environment, FileSystemLoader

    return Environment(
        loader=FileSystemLoader([str(user), str(BUILTIN_DIR)]),
        autoescape=False,  # plain-text messages, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render `template` (e.g. 'thank_you.j2'); a broken user template is a clear error."""
    from jinja2 import TemplateError

    user = user_dir()
    try:
        text = _environment(user).get_template(template).render(**context)
    except TemplateError as exc:
        where = user / template if (user / template).exists() else BUILTIN_DIR / template
        raise InvalidInput("template", str(where), f"cannot be used: {exc}") from exc
    return tidy(text)


def tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def when_words(day: dt.date, today: dt.date) -> str:
    """A date as people say it: 'yesterday', 'last week', 'in March', 'in March 2023'."""
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return "a few days ago"
    if days < 14:
        return "last week"
    if days < 45:
        return "a few weeks ago"
    if day.year == today.year or days < 300:
        return f"in {MONTHS[day.month - 1]}"
    return f"in {MONTHS[day.month - 1]} {day.year}"


def topic_of(summary: str | None) -> str | None:
    """What a conversation was about, from a summary like 'Call with Ana about the reorg'."""
    if not summary:
        return None
    m = _ABOUT.search(summary.strip())
    if not m:
        return None
    topic = m.group(1).strip()
    # Summaries speak of them in the third person; a message speaks to them.
    for word, yours in _TO_YOU:
        topic = re.sub(rf"\b{word}\b", yours, topic)
    return topic if 0 < len(topic) <= 80 else None


def lower_first(text: str | None) -> str | None:
    """'A product role' -> 'a product role' (but keep 'AI ...' and names as typed)."""
    if not text:
        return None
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


@dataclass
class Last:
    date: dt.date
    kind: str
    summary: str | None
    when: str  # in words
    noun: str  # "coffee", "call", "emails"...


@dataclass
class Facts:
    """What we know of one person that a message can use."""

    person_id: int
    name: str
    first_name: str
    organization: str | None = None
    title: str | None = None
    looking_for: str | None = None
    working_on: str | None = None
    interests: str | None = None
    last: Last | None = None
    topic: str | None = None  # what the last described conversation was about
    they_did: list[str] = field(default_factory=list)  # what they did for you, recent first
    i_did: list[str] = field(default_factory=list)  # what you did for them

    def context(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "first_name": self.first_name,
            "organization": self.organization,
            "title": self.title,
            "looking_for": lower_first(self.looking_for),
            "working_on": lower_first(self.working_on),
            "interests": self.interests,
            "last": self.last,
            "topic": self.topic,
            "they_did": self.they_did,
            "i_did": self.i_did,
        }


def _first_name(given: str | None, nickname: str | None, display: str) -> str:
    return nickname or given or display.split()[0]


# The statements of `facts`, built once (the daily session drafts a score of messages
# after every write: building them cost more than running them). `ids` and `until` are
# parameters.
_UNTIL = bindparam("until", type_=DateTime())


@cache
def _latest_stmt(with_summary: bool) -> AnySelect:
    ranked = (
        select(
            Participant.person_id.label("pid"),
            Interaction.occurred_at.label("at"),
            Interaction.kind.label("kind"),
            Interaction.summary.label("summary"),
            func.row_number()
            .over(
                partition_by=Participant.person_id,
                order_by=(Interaction.occurred_at.desc(), Interaction.id.desc()),
            )
            .label("rn"),
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            Participant.person_id.in_(IDS),
            Interaction.planned.is_(False),
            Interaction.occurred_at <= _UNTIL,
        )
    )
    if with_summary:
        ranked = ranked.where(Interaction.summary.is_not(None))
    sub = ranked.subquery()
    return select(sub.c.pid, sub.c.at, sub.c.kind, sub.c.summary).where(sub.c.rn == 1)


def _latest(
    session: Session,
    person_ids: Sequence[int],
    until: dt.datetime,
    *,
    with_summary: bool,
) -> dict[int, tuple[dt.datetime, str, str | None]]:
    """Each person's latest interaction (optionally: latest with a summary), one query."""
    rows = run_read(session, _latest_stmt(with_summary), {"ids": list(person_ids), "until": until})
    return {pid: (at, kind, summary) for pid, at, kind, summary in rows}


def _exchanges_stmt() -> AnySelect:
    ranked = (
        select(
            Exchange.person_id.label("pid"),
            Exchange.kind.label("kind"),
            func.row_number()
            .over(
                partition_by=Exchange.person_id,
                order_by=(Exchange.occurred_at.desc(), Exchange.id.desc()),
            )
            .label("rn"),
        )
        .where(
            Exchange.person_id.in_(IDS),
            Exchange.direction == bindparam("direction"),
            Exchange.kind != "thanks",
            Exchange.occurred_at <= _UNTIL,
        )
        .subquery()
    )
    return (
        select(ranked.c.pid, ranked.c.kind)
        .where(ranked.c.rn <= 6)
        .order_by(ranked.c.pid, ranked.c.rn)
    )


_EXCHANGES = _exchanges_stmt()
_FACTS = select(
    Person.id,
    Person.display_name,
    Person.given_name,
    Person.nickname,
    Person.looking_for,
    Person.working_on,
    Person.interests,
).where(Person.id.in_(IDS))
_ROLES = (
    select(Role.person_id, Organization.name, Role.title)
    .join(Organization, Organization.id == Role.org_id)
    .where(Role.person_id.in_(IDS))
    .order_by(Role.is_current, Role.id)
)


def _exchanges(
    session: Session, person_ids: Sequence[int], until: dt.datetime, direction: str, limit: int = 3
) -> dict[int, list[str]]:
    """The latest distinct kinds given or received with each person (thanks excluded)."""
    out: dict[int, list[str]] = {}
    these = {"ids": list(person_ids), "until": until, "direction": direction}
    for pid, kind in run_read(session, _EXCHANGES, these):
        words = out.setdefault(pid, [])
        phrase = KIND_WORDS.get(kind, kind)
        if phrase not in words and len(words) < limit:
            words.append(phrase)
    return out


def facts(session: Session, person_ids: Sequence[int], today: dt.date) -> dict[int, Facts]:
    """What we know of each person, in a fixed number of queries whatever their count."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    until = dt.datetime.combine(today, dt.time.max)
    rows = run_read(session, _FACTS, {"ids": ids}).all()
    roles: dict[int, tuple[str, str | None]] = {}
    for pid, org, title in run_read(session, _ROLES, {"ids": ids}):
        roles[pid] = (org, title)  # current roles sort last and win
    last = _latest(session, ids, until, with_summary=False)
    described = _latest(session, ids, until, with_summary=True)
    got = _exchanges(session, ids, until, "got")
    gave = _exchanges(session, ids, until, "gave")
    out = {}
    for pid, display, given, nickname, looking, working, interests in rows:
        item = Facts(
            person_id=pid,
            name=display,
            first_name=_first_name(given, nickname, display),
            organization=roles.get(pid, (None, None))[0],
            title=roles.get(pid, (None, None))[1],
            looking_for=looking,
            working_on=working,
            interests=interests,
            they_did=got.get(pid, []),
            i_did=gave.get(pid, []),
        )
        if pid in last:
            at, kind, summary = last[pid]
            item.last = Last(
                date=at.date(),
                kind=kind,
                summary=summary,
                when=when_words(at.date(), today),
                noun=INTERACTION_WORDS.get(kind, "conversation"),
            )
        if pid in described:
            item.topic = topic_of(described[pid][2])
        out[pid] = item
    return out


def sign_off(session: Session) -> str:
    """'All the best,' and your first name when goodwill knows who you are."""
    me = people.me(session)
    name = _first_name(me.given_name, me.nickname, me.display_name) if me else None
    return "All the best,\n" + name if name else "All the best,"
