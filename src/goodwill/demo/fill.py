"""A realistic synthetic network, for trying goodwill and for benchmarks.

The shape follows what is known of personal networks: a few close people seen often, more
familiar ones, many acquaintances seen rarely; ties that went dormant; colleagues who know
each other; gives and asks with the usual imperfections (one-way relationships, thank-yous
never sent, requests left unanswered). The same seed and end date give the same database.
Rows are written with bulk inserts so that 10,000 people take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.demo import career as demo_career
from goodwill.demo import words
from goodwill.errors import GoodwillError
from goodwill.records.orgs import org_key
from goodwill.store import search as search_index
from goodwill.store.db import bulk_insert, reset_sequences
from goodwill.store.models import (
    Base,
    Email,
    Exchange,
    Interaction,
    Knows,
    Need,
    NeedTarget,
    Organization,
    Participant,
    Person,
    PersonTag,
    Phone,
    Request,
    Role,
    Tag,
)

# Circle shares and contact rates (interactions a year) while a tie is active.
CIRCLE_MIX = (("close", 0.03), ("active", 0.10), ("network", 0.32), ("wider", 0.55))
RATE = {"close": 40.0, "active": 16.0, "network": 7.0, "wider": 2.5}
KINDS_BY_CIRCLE = {
    "close": (
        ("message", 5),
        ("call", 3),
        ("coffee", 3),
        ("meeting", 1),
        ("email", 2),
        ("event", 1),
    ),
    "active": (
        ("email", 4),
        ("message", 3),
        ("call", 2),
        ("coffee", 2),
        ("meeting", 2),
        ("event", 1),
    ),
    "network": (
        ("email", 5),
        ("message", 3),
        ("meeting", 1),
        ("call", 1),
        ("coffee", 1),
        ("event", 2),
    ),
    "wider": (("email", 5), ("message", 3), ("event", 3), ("call", 1), ("coffee", 1)),
}
# Of N demo people, this share (at most REFERRALS_MAX) are met through the job search's
# referrals; the rest are the network it starts from.
REFERRAL_SHARE = 0.1
REFERRALS_MAX = 40
# Your needs opened this long ago; since then you have been reaching out mostly for them.
NEEDS_OPENED = dt.timedelta(days=75)
GIVE_KINDS = (("info", 5), ("idea", 2), ("help", 3), ("intro", 1), ("referral", 1), ("advice", 3))


@dataclass
class DemoStats:
    people: int = 0
    organizations: int = 0
    interactions: int = 0
    exchanges: int = 0
    knows: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text_.lower().replace("á", "a").replace("ã", "a"))


class _Ids:
    """Next free id per table, so bulk inserts can link rows without round trips."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, model: type[Base]) -> int:
        table = model.__tablename__
        if table not in self.next:
            current = self.session.scalar(select(func.max(model.id)))  # type: ignore[attr-defined]
            self.next[table] = (current or 0) + 1
        value = self.next[table]
        self.next[table] += 1
        return value


def generate(
    session: Session, *, people: int = 300, seed: int = 7, today: dt.date | None = None
) -> DemoStats:
    """Write a demo network of `people` people in all into the session's database: a
    network, and the few its job search was referred to (exactly referral_count of them)."""
    end = today or dt.date.today()
    referrals = referral_count(people)
    stats = _Generator(session, people - referrals, seed, end).run()
    stats.extra.update(demo_career.generate(session, seed=seed, today=end, referrals=referrals))
    stats.people += stats.extra["referrals"]
    return stats


def referral_count(people: int) -> int:
    """How many of the demo's `people` the job search meets through referrals."""
    return min(int(people * REFERRAL_SHARE), REFERRALS_MAX)


def existing(session: Session) -> tuple[int, int]:
    """(people in the database, of whom demo people): to keep invented people out of yours."""
    total = session.scalar(select(func.count()).select_from(Person)) or 0
    invented = (
        session.scalar(
            select(func.count(func.distinct(Email.person_id))).where(Email.source == "demo")
        )
        or 0
    )
    return total, invented


def fill(
    session: Session,
    *,
    people: int = 300,
    seed: int = 7,
    today: dt.date | None = None,
    append: bool = False,
) -> DemoStats | None:
    """The `demo` command's rule: fill an empty database; never mix invented people into
    real ones unless asked; running it again on demo data changes nothing (returns None)."""
    total, invented = existing(session)
    if total and not append:
        if invented:
            return None
        raise GoodwillError(
            f"this database already holds {total} {'person' if total == 1 else 'people'} of "
            "yours; the demo would mix "
            "invented people into them: use --db /tmp/goodwill-demo.db to try it apart, "
            "or --append to add them anyway"
        )
    return generate(session, people=people, seed=seed, today=today)


class _Generator:
    def __init__(self, session: Session, people: int, seed: int, today: dt.date) -> None:
        self.s = session
        self.n = people
        self.rng = random.Random(seed)
        self.today = today
        # History ends as yesterday ends: never in the future, whatever the hour it runs.
        self.now = dt.datetime.combine(today, dt.time(0, 0)) - dt.timedelta(minutes=1)
        self.ids = _Ids(session)
        self.stats = DemoStats()
        self.need_ids: list[int] = []
        self.rows: dict[type[Base], list[dict[str, Any]]] = {
            m: []
            for m in (
                Organization,
                Person,
                Email,
                Phone,
                Role,
                Tag,
                PersonTag,
                Interaction,
                Participant,
                Exchange,
                Knows,
                Request,
                Need,
                NeedTarget,
            )
        }
        self.used_emails: set[str] = set(session.scalars(select(Email.address)))

    # -- organisations and people -------------------------------------------------------
    def make_orgs(self) -> list[tuple[int, str, str, str]]:
        rng = self.rng
        count = max(12, self.n // 25)
        existing = set(self.s.scalars(select(Organization.key)))
        orgs: list[tuple[int, str, str, str]] = []
        industries = list(words.ORG_SUFFIXES)
        attempts = 0
        while len(orgs) < count and attempts < count * 20:
            attempts += 1
            industry = industries[len(orgs) % len(industries)]
            if rng.random() < 0.08:
                name = f"{rng.choice(words.ORG_PREFIXES)} {rng.choice(words.SCHOOLS)}"
                kind, industry = "school", "Education"
            else:
                name = (
                    f"{rng.choice(words.ORG_PREFIXES)} {rng.choice(words.ORG_SUFFIXES[industry])}"
                )
                kind = "company"
            if len(orgs) >= len(words.ORG_PREFIXES) * 3:
                name += f" {len(orgs)}"
            key = org_key(name)
            if key in existing:
                continue
            existing.add(key)
            oid = self.ids.take(Organization)
            location = rng.choice(words.CITIES)
            self.rows[Organization].append(
                dict(
                    id=oid,
                    name=name,
                    key=key,
                    kind=kind,
                    industry=industry,
                    location=location,
                    website=f"https://{_slug(name)}.example.com",
                    is_target=rng.random() < 0.06,
                    notes=None,
                    created_at=self.now,
                )
            )
            orgs.append((oid, name, industry, location))
        return orgs

    def _email(self, first: str, last: str, domain: str) -> str:
        base = f"{_slug(first)}.{_slug(last)}"
        address = f"{base}@{domain}"
        n = 2
        while address in self.used_emails:
            address = f"{base}{n}@{domain}"
            n += 1
        self.used_emails.add(address)
        return address

    def make_people(self, orgs: list[tuple[int, str, str, str]]) -> list[dict[str, Any]]:
        rng = self.rng
        tag_ids = {}
        existing_tags = dict(self.s.execute(select(Tag.name, Tag.id)).all())
        for name in words.TAGS:
            if name in existing_tags:
                tag_ids[name] = existing_tags[name]
            else:
                tag_ids[name] = self.ids.take(Tag)
                self.rows[Tag].append(dict(id=tag_ids[name], name=name))
        # A few big organisations hold many people: clusters like real employers.
        org_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(orgs))]
        people: list[dict[str, Any]] = []
        for _ in range(self.n):
            pid = self.ids.take(Person)
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            circle = _pick(rng, CIRCLE_MIX)
            oid, org_name, industry, city = rng.choices(orgs, weights=org_weights)[0]
            location = city if rng.random() < 0.7 else rng.choice(words.CITIES)
            years_known = rng.uniform(0.1, 8.0)
            start = self.today - dt.timedelta(days=int(years_known * 365))
            dormant = rng.random() < 0.12 and years_known > 2
            person = dict(
                id=pid,
                display_name=f"{first} {last}",
                given_name=first,
                middle_name=None,
                family_name=last,
                prefix=None,
                suffix=None,
                nickname=None,
                location=location,
                industry=industry,
                circle=circle,
                cadence_ideal_days=None,
                cadence_max_days=None,
                how_met=rng.choice(words.HOW_MET),
                met_on=start,
                met_through_id=None,
                working_on=rng.choice(words.WORKING_ON) if rng.random() < 0.2 else None,
                looking_for=rng.choice(words.LOOKING_FOR) if rng.random() < 0.15 else None,
                interests=None,
                notes=None,
                birthday=None,
                is_me=False,
                created_at=self.now,
                updated_at=self.now,
                removed_at=None,
                merged_into_id=None,
            )
            self.rows[Person].append(person)
            domain = f"{_slug(org_name)}.example.com"
            self.rows[Email].append(
                dict(
                    id=self.ids.take(Email),
                    person_id=pid,
                    address=self._email(first, last, domain),
                    label="work",
                    source="demo",
                )
            )
            if rng.random() < 0.35:
                self.rows[Email].append(
                    dict(
                        id=self.ids.take(Email),
                        person_id=pid,
                        address=self._email(first, last, "mail.example.org"),
                        label="home",
                        source="demo",
                    )
                )
            if rng.random() < 0.5:
                area = rng.choice(("212", "415", "312", "617", "206"))
                number = f"+1{area}555{rng.randint(1000, 9999)}"
                self.rows[Phone].append(
                    dict(
                        id=self.ids.take(Phone),
                        person_id=pid,
                        number=number,
                        raw=number,
                        label="mobile",
                        source="demo",
                    )
                )
            title = rng.choice(words.TITLES[industry])
            self.rows[Role].append(
                dict(
                    id=self.ids.take(Role),
                    person_id=pid,
                    org_id=oid,
                    title=title,
                    start_date=start,
                    end_date=None,
                    is_current=True,
                    source="demo",
                )
            )
            past: list[int] = []
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                pid_org, _, p_ind, _ = rng.choices(orgs, weights=org_weights)[0]
                if pid_org != oid and pid_org not in past:
                    past.append(pid_org)
                    self.rows[Role].append(
                        dict(
                            id=self.ids.take(Role),
                            person_id=pid,
                            org_id=pid_org,
                            title=rng.choice(words.TITLES[p_ind]),
                            start_date=None,
                            end_date=start,
                            is_current=False,
                            source="demo",
                        )
                    )
            for name in rng.sample(words.TAGS, rng.choice((0, 0, 1, 1, 2))):
                self.rows[PersonTag].append(dict(person_id=pid, tag_id=tag_ids[name]))
            people.append(
                dict(
                    id=pid,
                    name=first,
                    circle=circle,
                    org=oid,
                    past=past,
                    start=start,
                    dormant=dormant,
                    years=years_known,
                    one_way=rng.random() < 0.05,
                    my_share=rng.betavariate(5, 4),
                )
            )
        return people

    # -- interactions -------------------------------------------------------------------
    def make_history(self, people: list[dict[str, Any]]) -> None:
        rng = self.rng
        by_org: dict[int, list[dict[str, Any]]] = {}
        for p in people:
            by_org.setdefault(p["org"], []).append(p)
        for p in people:
            start = dt.datetime.combine(p["start"], dt.time(9, 0))
            end = self.now
            if p["dormant"]:
                end = start + (self.now - start) * rng.uniform(0.2, 0.6)
            rate = RATE[p["circle"]] * rng.uniform(0.6, 1.4) / 365.0  # per day
            when = start + dt.timedelta(days=rng.expovariate(rate) * 0.3)
            kinds = KINDS_BY_CIRCLE[p["circle"]]
            while when < end:
                self._interaction(p, when, kinds, by_org)
                when += dt.timedelta(days=rng.expovariate(rate), hours=rng.uniform(-4, 4))
            # The thank-you owed, the unanswered request: recent, so the agenda shows them.
        self._recent_specials(people)

    def _interaction(
        self,
        p: dict[str, Any],
        when: dt.datetime,
        kinds: Sequence[tuple[str, float]],
        by_org: dict[int, list[dict[str, Any]]],
    ) -> None:
        rng = self.rng
        iid = self.ids.take(Interaction)
        kind = _pick(rng, kinds)
        when = when.replace(
            hour=rng.randint(8, 20), minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0
        )
        if when > self.now:
            when = self.now - dt.timedelta(hours=1)
        mine = p["my_share"] if not p["one_way"] else 0.9
        initiated = "me" if rng.random() < mine else "them"
        summary = None
        if kind in ("coffee", "meeting", "call", "event") or rng.random() < 0.25:
            summary = self._summary(kind, p)
        need = self._need_served(iid, when, initiated)
        self._add_interaction(p, when, kind, initiated, summary, need_id=need, iid=iid)
        if kind in ("meeting", "event") and rng.random() < 0.35:
            colleagues = by_org.get(p["org"], [])
            for other in rng.sample(colleagues, min(len(colleagues), rng.randint(1, 3))):
                if other["id"] != p["id"]:
                    self.rows[Participant].append(dict(interaction_id=iid, person_id=other["id"]))
        self._exchanges(p, iid, when)

    def _need_served(self, iid: int, when: dt.datetime, initiated: str) -> int | None:
        """Job hunting lately: most contact you started since your needs opened served one
        (the taker pattern the flags warn about). No random draw: the rest stays the same."""
        if (
            initiated != "me"
            or when < self.now - NEEDS_OPENED
            or not self.need_ids
            or iid % 10 == 0
        ):
            return None
        return self.need_ids[iid % len(self.need_ids)]

    def _summary(self, kind: str, p: dict[str, Any]) -> str:
        rng = self.rng
        topic = rng.choice(words.TOPICS)
        if kind == "coffee":
            return f"Coffee with {p['name']} at {rng.choice(words.PLACES)}: talked about {topic}"
        if kind == "call":
            return f"Call with {p['name']} about {topic}"
        if kind == "event":
            return f"Saw {p['name']} at a meetup; chatted about {topic}"
        if kind == "meeting":
            return f"Meeting with {p['name']}: {topic}"
        return f"Wrote to {p['name']} about {topic}"

    def _exchange(
        self,
        iid: int,
        pid: int,
        direction: str,
        kind: str,
        when: dt.datetime,
        text_: str | None = None,
        outcome: str | None = None,
    ) -> None:
        self.rows[Exchange].append(
            dict(
                id=self.ids.take(Exchange),
                interaction_id=iid,
                person_id=pid,
                direction=direction,
                kind=kind,
                text=text_,
                outcome=outcome,
                occurred_at=when,
            )
        )

    def _exchanges(self, p: dict[str, Any], iid: int, when: dt.datetime) -> None:
        rng = self.rng
        pid = p["id"]
        x = rng.random()
        if p["one_way"]:
            if x < 0.35:
                self._exchange(iid, pid, "gave", _pick(rng, GIVE_KINDS), when)
            return
        if x < 0.14:
            self._exchange(iid, pid, "gave", _pick(rng, GIVE_KINDS), when)
            if rng.random() < 0.6:
                self._exchange(iid, pid, "got", "thanks", when)
        elif x < 0.26:
            kind = _pick(rng, GIVE_KINDS)
            self._exchange(iid, pid, "got", kind, when)
            if rng.random() < 0.85:  # most thank-yous are said on the spot
                self._exchange(iid, pid, "gave", "thanks", when)
        elif x < 0.29:
            outcome = _pick(rng, (("granted", 6), ("refused", 1), ("ignored", 1)))
            self._exchange(iid, pid, "asked", "ask", when, rng.choice(words.ASKS), outcome)
        elif x < 0.31:
            ask = rng.choice(words.THEIR_ASKS)
            self._exchange(iid, pid, "they_asked", "ask", when, ask, "granted")
            self.rows[Request].append(
                dict(
                    id=self.ids.take(Request),
                    person_id=pid,
                    text=ask,
                    created_at=when,
                    due=None,
                    status="answered",
                    answer="helped",
                    answer_text=None,
                    referred_to_id=None,
                    answered_at=when + dt.timedelta(days=2),
                    interaction_id=iid,
                )
            )

    def _recent_specials(self, people: list[dict[str, Any]]) -> None:
        """A handful of recent open loops that a daily session should close."""
        rng = self.rng
        active = [p for p in people if not p["dormant"] and p["circle"] != "wider"]
        rng.shuffle(active)
        k = max(2, self.n // 100)
        for p in active[:k]:  # help received, no thanks yet
            when = self.now - dt.timedelta(days=rng.randint(3, 12))
            summary = f"{p['name']} walked me through their team's hiring process"
            iid = self._add_interaction(p, when, "call", "them", summary)
            self._exchange(iid, p["id"], "got", rng.choice(("intro", "referral", "help")), when)
        for p in active[k : 2 * k]:  # a request still waiting for an answer
            when = self.now - dt.timedelta(days=rng.randint(1, 9))
            ask = rng.choice(words.THEIR_ASKS)
            iid = self._add_interaction(p, when, "email", "them", f"{p['name']} asked for {ask}")
            self._exchange(iid, p["id"], "they_asked", "ask", when, ask, "open")
            self.rows[Request].append(
                dict(
                    id=self.ids.take(Request),
                    person_id=p["id"],
                    text=ask,
                    created_at=when,
                    due=self.today + dt.timedelta(days=rng.randint(1, 10)),
                    status="open",
                    answer=None,
                    answer_text=None,
                    referred_to_id=None,
                    answered_at=None,
                    interaction_id=iid,
                )
            )
        for p in active[2 * k : 3 * k]:  # a follow-up promised, now due
            when = self.now - dt.timedelta(days=rng.randint(5, 20))
            due = self.today - dt.timedelta(days=rng.randint(0, 3))
            summary = f"Coffee with {p['name']}: promised to send them an article"
            self._add_interaction(
                p, when, "coffee", "me", summary, due, "send the article we talked about"
            )
        for p in active[3 * k : 4 * k]:  # one-way lately: three gives, nothing back
            for j in range(3):
                when = self.now - dt.timedelta(days=30 + 60 * j + rng.randint(0, 20))
                summary = f"Sent {p['name']} a job posting that fit them"
                iid = self._add_interaction(p, when, "email", "me", summary)
                self._exchange(iid, p["id"], "gave", "info", when)

    def _add_interaction(
        self,
        p: dict[str, Any],
        when: dt.datetime,
        kind: str,
        initiated_by: str,
        summary: str | None,
        follow_up_on: dt.date | None = None,
        follow_up_note: str | None = None,
        *,
        need_id: int | None = None,
        iid: int | None = None,
    ) -> int:
        """One interaction row and its first participant (every demo interaction is made here)."""
        iid = iid if iid is not None else self.ids.take(Interaction)
        self.rows[Interaction].append(
            dict(
                id=iid,
                occurred_at=when,
                kind=kind,
                initiated_by=initiated_by,
                summary=summary,
                need_id=need_id,
                planned=False,
                follow_up_on=follow_up_on,
                follow_up_note=follow_up_note,
                source="demo",
                source_key=None,
                created_at=when,
            )
        )
        self.rows[Participant].append(dict(interaction_id=iid, person_id=p["id"]))
        return iid

    # -- who knows whom -----------------------------------------------------------------
    def make_knows(self, people: list[dict[str, Any]]) -> None:
        rng = self.rng
        seen: set[tuple[int, int]] = set()
        by_org: dict[int, list[int]] = {}
        for p in people:
            by_org.setdefault(p["org"], []).append(p["id"])
            for o in p["past"]:
                by_org.setdefault(o, []).append(p["id"])

        def add(a: int, b: int, how: str, confidence: float) -> None:
            a, b = min(a, b), max(a, b)
            if a != b and (a, b) not in seen:
                seen.add((a, b))
                self.rows[Knows].append(
                    dict(
                        id=self.ids.take(Knows),
                        a_id=a,
                        b_id=b,
                        how=how,
                        note=None,
                        confidence=confidence,
                        source="demo",
                        created_at=self.now,
                    )
                )

        for members in by_org.values():
            for a in members:  # each knows a few colleagues, not all of them
                for b in rng.sample(members, min(len(members), 4)):
                    add(a, b, "employer", 0.6)
        ids = [p["id"] for p in people]
        for _ in range(len(people) * 2):
            add(rng.choice(ids), rng.choice(ids), rng.choice(("meeting", "manual", "import")), 0.5)

    def make_needs(self, orgs: list[tuple[int, str, str, str]]) -> None:
        for text_, industries, role in words.NEEDS:
            nid = self.ids.take(Need)
            self.need_ids.append(nid)
            self.rows[Need].append(
                dict(
                    id=nid,
                    text=text_,
                    status="open",
                    outcome=None,
                    created_at=self.now - NEEDS_OPENED,
                    closed_at=None,
                )
            )
            self.rows[NeedTarget].append(
                dict(
                    id=self.ids.take(NeedTarget), need_id=nid, kind="role", value=role, org_id=None
                )
            )
            for oid, name, industry, _ in orgs:
                if industry in industries:
                    self.rows[NeedTarget].append(
                        dict(
                            id=self.ids.take(NeedTarget),
                            need_id=nid,
                            kind="org",
                            value=name,
                            org_id=oid,
                        )
                    )
                    break

    def run(self) -> DemoStats:
        orgs = self.make_orgs()
        people = self.make_people(orgs)
        self.make_needs(orgs)
        self.make_history(people)
        self.make_knows(people)
        order = (
            Organization,
            Tag,
            Person,
            Email,
            Phone,
            Role,
            PersonTag,
            Need,
            NeedTarget,
            Interaction,
            Participant,
            Exchange,
            Request,
            Knows,
        )
        for model in order:
            bulk_insert(self.s, model, self.rows[model])
        reset_sequences(self.s, order)
        search_index.rebuild(self.s)
        return DemoStats(
            people=len(self.rows[Person]),
            organizations=len(self.rows[Organization]),
            interactions=len(self.rows[Interaction]),
            exchanges=len(self.rows[Exchange]),
            knows=len(self.rows[Knows]),
        )
