"""A job search on top of the demo network: a profile, informational interviews, referrals
(some of whom became interviews of their own), thank-yous, follow-ups and leads.

It goes through the domain functions (interviews.plan/done, opportunities.add,
interactions.log), so the demo holds exactly what a user's commands would write. Its size
is capped: a job search has dozens of conversations, not thousands.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator

from sqlalchemy import Exists, exists, func, select
from sqlalchemy.orm import Session

from goodwill.career import interviews, opportunities, profile, questions
from goodwill.demo import words
from goodwill.records import interactions
from goodwill.store.models import Email, Meeting, Organization, Person, Role

SEARCH_DAYS = 150  # the job search began about five months ago
LEARNED = (
    "their team hires mostly through referrals",
    "the data platform team is growing next quarter",
    "they value open-source work over certificates",
    "the company is moving to a four-day office week",
    "most roles there are filled before they are posted",
    "a portfolio of small projects beats a long resume",
    "their industry is consolidating; smaller firms are hiring",
    "the interview loop has a take-home exercise",
)
FEEDBACK = (
    "lead with outcomes, not duties",
    "cut it to one page",
    "put the most relevant project first",
    "add numbers to the impact lines",
    None,
    None,
)
LEAD_TITLES = (
    "Senior data engineer",
    "ML platform engineer",
    "Analytics engineering lead",
    "Staff software engineer",
    "Product engineer",
    "Data engineering manager",
    "Machine learning engineer",
    "Backend engineer, data",
)


def generate(session: Session, *, seed: int, today: dt.date, referrals: int) -> dict[str, int]:
    """Run the job search; it is referred to exactly `referrals` new people (fewer only if
    a referral's address is already someone's), so the demo's total is what was asked."""
    return _Search(session, seed, today, referrals).run()


class _Search:
    def __init__(self, session: Session, seed: int, today: dt.date, referrals: int) -> None:
        self.s = session
        self.budget = referrals
        self.rng = random.Random(seed * 7919 + 1)
        self.today = today
        # History ends as yesterday ends: never in the future, whatever the hour it runs.
        self.now = dt.datetime.combine(today, dt.time(0, 0)) - dt.timedelta(minutes=1)
        self.bank = questions.load(questions.BANK_FILE)  # the user's own file plays no part
        self.names = set(session.scalars(select(func.lower(Person.display_name))))
        self.stats = {"meetings": 0, "referrals": 0, "leads": 0}

    def _candidates(self) -> list[Person]:
        rows = self.s.scalars(
            select(Person)
            .join(Role, Role.person_id == Person.id)
            .where(
                Role.is_current.is_(True),
                Person.circle.in_(("active", "network")),
                Person.removed_at.is_(None),
                Person.met_through_id.is_(None),
                ~self._planned(),
            )
            .order_by(Person.id)
        ).all()
        return list(dict.fromkeys(rows))

    @staticmethod
    def _planned() -> Exists:
        """They have a meeting planned (by an earlier demo): nobody to plan another with."""
        return exists().where(Meeting.person_id == Person.id, Meeting.status == "planned")

    def _not_met(self, candidates: list[Person]) -> Iterator[Person]:
        """Everyone else (any circle, referrals included), by id, loaded only when needed:
        a big network is rarely reached."""
        seen = {p.id for p in candidates}
        ids = self.s.scalars(
            select(Person.id)
            .where(Person.removed_at.is_(None), Person.is_me.is_(False), ~self._planned())
            .order_by(Person.id)
        ).all()
        for pid in ids:
            person = None if pid in seen else self.s.get(Person, pid)
            if person is not None:
                yield person

    def _top_up(self, pool: Iterable[Person]) -> None:
        """Until the search has its number of referrals, meet more people, one name each."""
        for person in pool:
            if self._left() <= 0:
                return
            self._meet(person, self._when(), depth=2, least=1)

    def _when(self) -> dt.datetime:
        # More conversations lately: a search gathers pace as names lead to names.
        days = int(SEARCH_DAYS * (1 - self.rng.random() ** 0.6))
        return dt.datetime.combine(
            self.today - dt.timedelta(days=days + 1),
            dt.time(self.rng.choice((8, 9, 12, 13, 16, 17)), self.rng.choice((0, 30))),
        )

    def _new_name(self) -> str:
        for _ in range(200):
            name = f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}"
            if name.lower() not in self.names:
                self.names.add(name.lower())
                return name
        raise RuntimeError("the demo ran out of names")

    def _domain(self, person: Person) -> str:
        email = self.s.scalar(select(Email.address).where(Email.person_id == person.id))
        return email.split("@", 1)[1] if email else "mail.example.org"

    def _left(self) -> int:
        return self.budget - self.stats["referrals"]

    def _meet(self, person: Person, when: dt.datetime, depth: int, least: int = 0) -> None:
        """An informational interview that names between `least` and 2 people, within budget."""
        rng = self.rng
        meeting = interviews.plan(
            self.s,
            person,
            when=when,
            now=when - dt.timedelta(days=rng.randint(2, 8)),
            bank=self.bank,
        )
        count = rng.choices((0, 1, 2), weights=(2, 5, 3))[0] if depth < 2 else rng.randint(0, 1)
        count = min(max(count, least), self._left())
        referred = []
        for _ in range(count):
            name = self._new_name()
            first, last = name.lower().split(" ", 1)
            address = f"{first}.{last.replace(' ', '')}@{self._domain(person)}"
            referred.append(f"{name} <{address}>")
        outcome = interviews.done(
            self.s,
            meeting,
            referred=referred,
            learned=rng.choice(LEARNED),
            resume_feedback=rng.choice(FEEDBACK),
            gave=["info"] if rng.random() < 0.4 else [],
            now=when + dt.timedelta(hours=2),
        )
        self.stats["meetings"] += 1
        self.stats["referrals"] += sum(1 for r in outcome.referred if r.new)
        thanks_at = when + dt.timedelta(hours=rng.randint(3, 20))
        if thanks_at < self.now - dt.timedelta(days=2) or rng.random() < 0.3:
            interactions.log(
                self.s,
                [person],
                "email",
                when=min(thanks_at, self.now),
                summary=f"Thanked {person.display_name} for the conversation",
                gave=["thanks"],
                initiated_by="me",
                now=self.now,
            )
        for r in outcome.referred:
            self._follow_up(self.s.get(Person, r.id), when, depth)  # type: ignore[arg-type]

    def _follow_up(self, person: Person, after: dt.datetime, depth: int) -> None:
        rng = self.rng
        when = after + dt.timedelta(days=rng.randint(3, 18), hours=rng.randint(-3, 3))
        if when >= self.now or rng.random() < 0.25:
            return  # not yet: the daily session proposes this follow-up
        if depth < 2 and rng.random() < 0.45:
            self._meet(person, when, depth + 1)
        else:
            interactions.log(
                self.s,
                [person],
                rng.choice(("coffee", "call")),
                when=when,
                summary=f"First conversation with {person.display_name}",
                gave=[rng.choice(("info", "idea"))] if rng.random() < 0.5 else [],
                got=["info"] if rng.random() < 0.5 else [],
                initiated_by="me",
                now=self.now,
            )
        sent = when + dt.timedelta(days=rng.randint(5, 40))
        if sent < self.now and rng.random() < 0.4:
            self._lead(person, sent)

    def _lead(self, person: Person | None, when: dt.datetime) -> None:
        rng = self.rng
        org = None
        if person is not None:
            org = self.s.scalar(
                select(Organization.name)
                .join(Role, Role.org_id == Organization.id)
                .where(
                    Role.person_id == person.id,
                    Role.is_current.is_(True),
                    Organization.kind == "company",
                )
            )
        age = (self.now - when).days
        stage = rng.choice(
            ("heard_of", "applied", "interviewing", "offer", "closed")
            if age > 45
            else ("heard_of", "heard_of", "applied", "interviewing")
        )
        opportunities.add(
            self.s,
            rng.choice(LEAD_TITLES),
            org=org,
            source=person,
            url=f"https://jobs.example.com/{rng.randint(1000, 9999)}"
            if rng.random() < 0.6
            else None,
            stage_=stage,
            now=when,
        )
        self.stats["leads"] += 1

    def run(self) -> dict[str, int]:
        rng = self.rng
        if profile.get(self.s).pitch is None:
            profile.update(
                self.s,
                name="Robin Hale",
                emails=["robin.hale@example.com"],
                pitch="I build reliable data platforms and have led small teams for six years. "
                "I am looking for a senior role in ML infrastructure.",
                roles=["Senior data engineer", "ML platform engineer"],
                places=["Berlin", "Remote (EU)"],
                offers=[
                    "reviews of data pipelines",
                    "introductions to data folks",
                    "mock interviews",
                ],
            )
        people = self._candidates()
        rng.shuffle(people)
        n = max(8, min(24, len(people) // 8))
        first_round, others = people[:n], people[n:]
        for person in first_round:
            self._meet(person, self._when(), depth=0)
        for person in others[:4]:  # leads from people you already knew
            self._lead(person, self._when())
        for _ in range(3):  # postings found on your own
            self._lead(None, self._when())
        self._top_up(itertools.chain(others[7:], self._not_met(people), first_round))
        for i, person in enumerate(others[4:7]):  # coming up
            when = dt.datetime.combine(self.today + dt.timedelta(days=1 + 2 * i), dt.time(10, 0))
            interviews.plan(self.s, person, when=when, now=self.now, bank=self.bank)
        return self.stats
