"""Needs: what you are looking for, with its targets (organisations, role, place, tags).

`spec` turns a saved need or a line of text into one `NeedSpec`, the input of `ask`:
the organisations, tags and places a free text names are recognised, its other words
become keywords, and its kind (job, information, help) decides which ties rank first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import orgs
from goodwill.schemas.needs import NeedOut
from goodwill.store.models import Interaction, Need, NeedTarget, Organization, Person, Tag

STATUSES: tuple[str, ...] = ("open", "closed", "all")
KINDS: tuple[str, ...] = ("job", "information", "help")

# Words that say what kind of need this is (checked on whole words, lower-case).
_JOB_WORDS = frozenset(
    [
        "job",
        "jobs",
        "role",
        "roles",
        "position",
        "positions",
        "hire",
        "hiring",
        "opening",
        "openings",
        "career",
        "careers",
        "work",
        "working",
        "employer",
        "recruiter",
        "recruiters",
        "interview",
        "interviews",
        "offer",
        "internship",
        "contract",
        "freelance",
        "gig",
    ]
)
_INFO_WORDS = frozenset(
    [
        "advice",
        "information",
        "info",
        "learn",
        "learning",
        "insight",
        "insights",
        "intro",
        "introduction",
        "introductions",
        "recommend",
        "recommendation",
        "mentor",
        "mentoring",
        "feedback",
        "understand",
        "know",
        "about",
        "question",
        "questions",
        "market",
        "salary",
    ]
)
# Favours: things people do for you, where closer ties are likelier to say yes.
_HELP_WORDS = frozenset(
    [
        "help",
        "favour",
        "favor",
        "borrow",
        "lend",
        "loan",
        "move",
        "moving",
        "ride",
        "babysit",
        "babysitter",
        "sitter",
        "support",
        "couch",
        "stay",
        "place",
        "apartment",
        "flat",
        "room",
    ]
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "at",
        "on",
        "to",
        "for",
        "with",
        "from",
        "by",
        "as",
        "is",
        "are",
        "be",
        "am",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "some",
        "any",
        "who",
        "whom",
        "what",
        "which",
        "someone",
        "somebody",
        "people",
        "person",
        "new",
        "good",
        "great",
        "find",
        "looking",
        "look",
        "need",
        "want",
        "get",
        "into",
        "like",
        "near",
        "around",
        "job",
        "jobs",
        "role",
        "roles",
        "work",
        "working",
        "help",
        "please",
        "can",
        "could",
        "would",
        "about",
    ]
)
_WORD = re.compile(r"[\w+#.-]+", re.UNICODE)


@dataclass
class NeedSpec:
    """What `ask` needs to know about a need, saved or typed."""

    text: str
    kind: str
    need_id: int | None = None
    org_ids: list[int] = field(default_factory=list)
    org_names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def words(text: str) -> list[str]:
    return [w.strip(".-").lower() for w in _WORD.findall(text) if w.strip(".-")]


# Words of job talk that say nothing alone: "hiring manager" must not match everyone whose
# profile says "manager". They count only inside a phrase with a meaningful word
# ("product manager"), searched as a whole.
GENERIC = frozenset(
    [
        "manager",
        "managers",
        "management",
        "hiring",
        "hire",
        "senior",
        "junior",
        "lead",
        "head",
        "chief",
        "team",
        "teams",
        "company",
        "companies",
        "position",
        "positions",
        "opportunity",
        "opportunities",
        "career",
        "intro",
        "introduction",
        "advice",
        "contact",
        "contacts",
        "staff",
        "member",
    ]
)
MAX_PHRASE = 3


def keywords(text: str, *, exclude: Sequence[str] = ()) -> list[str]:
    """The words of `text` worth searching for: no stop words, no words already targeted,
    and a generic word of job talk only in a phrase with a meaningful one."""
    skip = {w for phrase in exclude for w in words(phrase)}
    ws = words(text)
    return phrases(ws, [len(w) > 1 and w not in _STOP and w not in skip for w in ws])


def phrases(ws: Sequence[str], eligible: Sequence[bool]) -> list[str]:
    """Keywords from runs of eligible words: plain words one by one; a run with a generic
    word ("product manager") as one phrase, dropped when it has nothing meaningful."""
    out: list[str] = []
    run: list[str] = []

    def close() -> None:
        meaningful = [w for w in run if w not in GENERIC]
        if len(meaningful) == len(run):
            found = run
        elif meaningful and len(run) <= MAX_PHRASE:
            found = [" ".join(run)]
        else:
            found = meaningful
        out.extend(w for w in found if w not in out)
        run.clear()

    for w, ok in zip(ws, eligible, strict=True):
        if ok:
            run.append(w)
        elif run:
            close()
    if run:
        close()
    return out


def classify(text: str, *, has_role: bool = False, has_org: bool = False) -> str:
    """job, information or help: job and information needs prefer moderately weak ties."""
    ws = set(words(text))
    if has_role or ws & _JOB_WORDS:
        return "job"
    if ws & _HELP_WORDS and not ws & _INFO_WORDS and not has_org:
        return "help"
    return "information"


def _target_org(session: Session, name: str) -> Organization:
    try:
        return orgs.resolve(session, name)
    except NotFound:
        # A company where you know nobody yet is a fine target: record it.
        return orgs.get_or_create(session, name)


def add(
    session: Session,
    text: str,
    *,
    orgs_: Sequence[str] = (),
    role: str | None = None,
    place: str | None = None,
    tags: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Need:
    """Record a need; every value is checked before anything is written."""
    clean = validate.non_empty(text, "need")
    role_ = validate.non_empty(role, "role") if role is not None else None
    place_ = validate.non_empty(place, "place") if place is not None else None
    tag_names = [validate.non_empty(t, "tag").lower() for t in tags]
    org_names = [validate.non_empty(o, "organization") for o in orgs_]
    need = Need(text=clean, status="open", created_at=now or dt.datetime.now())
    for name in org_names:
        org = _target_org(session, name)
        org.is_target = True
        if all(t.org_id != org.id for t in need.targets):
            need.targets.append(NeedTarget(kind="org", value=org.name, org_id=org.id))
    if role_:
        need.targets.append(NeedTarget(kind="role", value=role_))
    if place_:
        need.targets.append(NeedTarget(kind="place", value=place_))
    for name in dict.fromkeys(tag_names):
        need.targets.append(NeedTarget(kind="tag", value=name))
    session.add(need)
    session.flush()
    return need


def get(session: Session, ref: int | str) -> Need:
    value = str(ref).strip().lstrip("#")
    if not value.isdigit():
        raise InvalidInput("need", ref, "name a need by its number (see 'need list')")
    need = session.get(Need, int(value))
    if need is None:
        raise NotFound(f"no need #{value}")
    return need


def close(
    session: Session, need: Need, *, outcome: str | None = None, now: dt.datetime | None = None
) -> Need:
    if need.status == "closed":
        when = f" on {need.closed_at:%Y-%m-%d}" if need.closed_at else ""
        raise InvalidInput("need", f"#{need.id}", f"is already closed{when}")
    need.status = "closed"
    need.outcome = outcome.strip() if outcome and outcome.strip() else None
    need.closed_at = now or dt.datetime.now()
    session.flush()
    return need


def spec_of(need: Need) -> NeedSpec:
    by_kind: dict[str, list[NeedTarget]] = {}
    for t in need.targets:
        by_kind.setdefault(t.kind, []).append(t)
    org_targets = by_kind.get("org", [])
    roles = [t.value for t in by_kind.get("role", [])]
    places = [t.value for t in by_kind.get("place", [])]
    tags = [t.value for t in by_kind.get("tag", [])]
    named = [t.value for t in need.targets] + [t.value for t in by_kind.get("keyword", [])]
    return NeedSpec(
        text=need.text,
        kind=classify(need.text, has_role=bool(roles), has_org=bool(org_targets)),
        need_id=need.id,
        org_ids=[t.org_id for t in org_targets if t.org_id is not None],
        org_names=[t.value for t in org_targets],
        roles=roles,
        places=places,
        tags=tags,
        keywords=[t.value.lower() for t in by_kind.get("keyword", [])]
        + keywords(need.text, exclude=named),
    )


def _ngrams(ws: list[str], longest: int = 4) -> list[tuple[int, int, str]]:
    out = []
    for n in range(longest, 0, -1):
        for i in range(len(ws) - n + 1):
            out.append((i, i + n, " ".join(ws[i : i + n])))
    return out


def spec_from_text(session: Session, text: str) -> NeedSpec:
    """A need typed on the command line: recognise organisations, tags and places in it."""
    clean = validate.non_empty(text, "need")
    ws = words(clean)
    taken = [False] * len(ws)
    grams = _ngrams(ws)
    keys = {orgs.org_key(g) for _, _, g in grams}
    org_rows = {
        key: (oid, name)
        for key, oid, name in session.execute(
            select(Organization.key, Organization.id, Organization.name).where(
                Organization.key.in_(keys)
            )
        ).all()
    }
    tag_names = set(session.scalars(select(Tag.name).where(Tag.name.in_([g for *_, g in grams]))))
    places = {
        p.lower(): p
        for p in session.scalars(
            select(Person.location)
            .where(func.lower(Person.location).in_([g for *_, g in grams]))
            .distinct()
        )
        if p
    }
    spec = NeedSpec(text=clean, kind="help")
    for start, end, gram in grams:
        if any(taken[start:end]):
            continue
        key = orgs.org_key(gram)
        if key in org_rows and org_rows[key][0] not in spec.org_ids and gram not in _STOP:
            spec.org_ids.append(org_rows[key][0])
            spec.org_names.append(org_rows[key][1])
        elif gram in tag_names and gram not in _STOP:
            spec.tags.append(gram)
        elif gram in places:
            spec.places.append(places[gram])
        else:
            continue
        taken[start:end] = [True] * (end - start)
    spec.keywords = phrases(
        ws, [not t and len(w) > 1 and w not in _STOP for w, t in zip(ws, taken, strict=True)]
    )
    spec.kind = classify(clean, has_org=bool(spec.org_ids))
    return spec


def spec(session: Session, need_or_text: str) -> NeedSpec:
    """`ask 3` asks for need #3; any other text is a need described on the spot."""
    ref = need_or_text.strip()
    if ref.lstrip("#").isdigit():
        return spec_of(get(session, ref))
    return spec_from_text(session, ref)


def summaries(session: Session, *, status: str = "open") -> list[NeedOut]:
    status = validate.choice(status, STATUSES, "status")
    stmt = select(Need).order_by(Need.created_at.desc(), Need.id.desc())
    if status != "all":
        stmt = stmt.where(Need.status == status)
    items = session.scalars(stmt).all()
    served = dict(
        session.execute(
            select(Interaction.need_id, func.count())
            .where(Interaction.need_id.is_not(None))
            .group_by(Interaction.need_id)
        ).all()
    )
    return [summary(n, served.get(n.id, 0)) for n in items]


def summary(need: Need, interactions: int = 0) -> NeedOut:
    s = spec_of(need)
    return NeedOut(
        id=need.id,
        text=need.text,
        status=need.status,
        kind=s.kind,
        organizations=s.org_names,
        roles=s.roles,
        places=s.places,
        tags=s.tags,
        keywords=s.keywords,
        created=need.created_at.date(),
        closed=need.closed_at.date() if need.closed_at else None,
        outcome=need.outcome,
        interactions=interactions,
    )
