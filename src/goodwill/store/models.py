"""The tables of goodwill's domain model (SQLAlchemy 2, typed). Nothing but tables here.

Every later feature has its table here already so that the schema has one history; the
migrations in goodwill/store/migrations create them. Value vocabularies (circles, kinds,
directions) are plain strings checked by the domain modules, listed in `vocab.py`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from goodwill.store import policy


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _owner() -> int | None:
    """The member acting (team mode), who owns what they write; None for a single user."""
    viewer = policy.current()
    return viewer.member_id if viewer is not None else None


# The partial indexes name only SQLite's predicate here: a `postgresql_where=` makes
# SQLAlchemy import its PostgreSQL dialect as this module loads (0.15-0.5 s of CPU in every
# command, on SQLite too). PostgreSQL's predicates are in the migrations that create them
# (0006-0008), the schema's truth; test_db compares the rest.
class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        Index(
            "ix_person_removed",
            "removed_at",
            sqlite_where=text("removed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300), index=True)
    given_name: Mapped[str | None] = mapped_column(String(120))
    middle_name: Mapped[str | None] = mapped_column(String(120))
    family_name: Mapped[str | None] = mapped_column(String(120), index=True)
    prefix: Mapped[str | None] = mapped_column(String(60))
    suffix: Mapped[str | None] = mapped_column(String(60))
    nickname: Mapped[str | None] = mapped_column(String(120))
    location: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(200))
    circle: Mapped[str] = mapped_column(String(20), default="network", index=True)
    # Per-person cadence override in days; None means the circle's default.
    cadence_ideal_days: Mapped[int | None] = mapped_column(Integer)
    cadence_max_days: Mapped[int | None] = mapped_column(Integer)
    how_met: Mapped[str | None] = mapped_column(Text)
    # Indexed for the period figures: new contacts and referrals by day (0010).
    met_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    met_through_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    working_on: Mapped[str | None] = mapped_column(Text)
    looking_for: Mapped[str | None] = mapped_column(Text)
    interests: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    is_me: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    # Indexed for the removed only (ix_person_removed below): nearly everyone is not, and an
    # index over them all would lead SQLite away from the name order of the people list.
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When merged into another person, the survivor's id (the row stays, removed).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    emails: Mapped[list[Email]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Email.id"
    )
    phones: Mapped[list[Phone]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Phone.id"
    )
    links: Mapped[list[Link]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Link.id"
    )
    roles: Mapped[list[Role]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Role.id"
    )
    tags: Mapped[list[Tag]] = relationship(secondary="person_tag", order_by="Tag.name")


# The people list's order (by name, whatever the case), for the people it shows: a page is
# read in order from here instead of sorting everyone, and the count from here alone.
# The predicate repeats `people.ACTIVE` as each dialect writes it (migration 0007).
Index(
    "ix_person_active_name",
    func.lower(Person.display_name),
    Person.id,
    sqlite_where=text("removed_at IS NULL AND is_me IS 0"),
)


class Email(Base):
    __tablename__ = "email"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    label: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship(back_populates="emails")


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), index=True)  # E.164 when parseable
    raw: Mapped[str | None] = mapped_column(String(80))
    label: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship(back_populates="phones")


class Link(Base):
    __tablename__ = "link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # linkedin, web, twitter, facebook, ...
    url: Mapped[str] = mapped_column(String(500), index=True)
    source: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship(back_populates="links")


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class PersonTag(Base):
    __tablename__ = "person_tag"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)  # normalised name for matching
    kind: Mapped[str] = mapped_column(String(20), default="company")  # company, school, group
    industry: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    is_target: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    roles: Mapped[list[Role]] = relationship(back_populates="organization")


class Role(Base):
    """A person's past or present role in an organisation."""

    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(300))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(String(40))

    person: Mapped[Person] = relationship(back_populates="roles")
    organization: Mapped[Organization] = relationship(back_populates="roles")


class Interaction(Base):
    """Something that happened between you and one or more people."""

    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_time_facts", "occurred_at", "initiated_by", "need_id", "planned"),
        # The days something happened, for the streak (habits.networked_days, 0008).
        Index(
            "ix_interaction_networked_day",
            text("date(occurred_at)"),
            sqlite_where=text("planned = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # see vocab.INTERACTION_KINDS
    summary: Mapped[str | None] = mapped_column(Text)
    initiated_by: Mapped[str | None] = mapped_column(String(10))  # "me" | "them" | None
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("need.id", ondelete="SET NULL"), index=True
    )
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    # A follow-up you promised in this interaction, due on this date.
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(40))
    # External identity (Message-ID, iCalendar UID+recurrence, ...) so re-imports are no-ops.
    source_key: Mapped[str | None] = mapped_column(String(500), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="interaction", cascade="all, delete-orphan"
    )
    exchanges: Mapped[list[Exchange]] = relationship(
        back_populates="interaction", cascade="all, delete-orphan", order_by="Exchange.id"
    )


class Participant(Base):
    __tablename__ = "participant"
    __table_args__ = (
        Index("ix_participant_person_interaction", "person_id", "interaction_id"),
        Index(
            "ix_participant_person_facts",
            "person_id",
            "day",
            "kind",
            "initiated_by",
            "planned",
        ),
    )

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    # Copies of the interaction's facts, for per-person scans (tie strength) without a
    # join. Database triggers (migration 0002) fill and update them: never set them here.
    # day: occurred_at as a Julian day number (fractional), like SQLite's julianday().
    day: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str | None] = mapped_column(String(20))
    initiated_by: Mapped[str | None] = mapped_column(String(10))
    planned: Mapped[bool | None] = mapped_column(Boolean)
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)

    interaction: Mapped[Interaction] = relationship(back_populates="participants")


class Exchange(Base):
    """A unit of value inside an interaction: the reciprocity ledger is their sum.

    direction: "gave" (you gave), "got" (you received), "asked" (you asked them),
    "they_asked" (they asked you). kind: see vocab.EXCHANGE_KINDS; asks use kind "ask".
    outcome applies to asks: open, granted, refused, ignored.
    """

    __tablename__ = "exchange"
    __table_args__ = (
        Index("ix_exchange_person_direction", "person_id", "direction"),
        Index("ix_exchange_time_facts", "occurred_at", "person_id", "direction", "kind", "outcome"),
        Index("ix_exchange_person_kind_time", "person_id", "direction", "kind", "occurred_at"),
        # What you gave and got per day and kind, read grouped from the index (reports, 0010).
        Index(
            "ix_exchange_day_direction_kind",
            text("date(occurred_at)"),
            "direction",
            "kind",
            "occurred_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # copy, for queries
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)

    interaction: Mapped[Interaction] = relationship(back_populates="exchanges")


class Knows(Base):
    """Person A knows person B (stored once, with a_id < b_id)."""

    __tablename__ = "knows"
    __table_args__ = (
        UniqueConstraint("a_id", "b_id", "how", name="uq_knows_pair_how"),
        Index("ix_knows_b", "b_id"),
        # Mutual contacts as of a date, read from the index alone (tie strength).
        Index("ix_knows_a_facts", "a_id", "created_at", "confidence"),
        Index("ix_knows_b_facts", "b_id", "created_at", "confidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # introduction, referral, employer, meeting, import, manual
    how: Mapped[str] = mapped_column(String(20), default="manual")
    note: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Need(Base):
    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)

    targets: Mapped[list[NeedTarget]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="NeedTarget.id"
    )


class NeedTarget(Base):
    __tablename__ = "need_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # org, role, place, tag, keyword
    value: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)

    need: Mapped[Need] = relationship(back_populates="targets")


class Request(Base):
    """Something someone asked of you: open until answered, never silently dropped."""

    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open|answered
    answer: Mapped[str | None] = mapped_column(String(10))  # helped | offered | referred
    answer_text: Mapped[str | None] = mapped_column(Text)
    referred_to_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class Introduction(Base):
    """You introduced A to B (double opt-in)."""

    __tablename__ = "introduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    why: Mapped[str | None] = mapped_column(Text)
    # proposed, asked_a, asked_b, made, followed_up, declined
    stage: Mapped[str] = mapped_column(String(15), default="proposed")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class Meeting(Base):
    """An informational interview: prep before, outcomes after."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="informational")
    planned_for: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="planned")  # planned|done|cancelled
    questions: Mapped[str | None] = mapped_column(Text)  # JSON list chosen for the prep sheet
    learned: Mapped[str | None] = mapped_column(Text)
    resume_feedback: Mapped[str | None] = mapped_column(Text)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class Lead(Base):
    """An opportunity (job posting, project, client) and the person it came from."""

    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    from_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(500))
    # heard_of, applied, interviewing, offer, closed
    stage: Mapped[str] = mapped_column(String(15), default="heard_of")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class ActionState(Base):
    """What the user did with an action of the daily session (actions are derived)."""

    __tablename__ = "action_state"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # done | snoozed | skipped
    until: Mapped[dt.date | None] = mapped_column(Date)
    acted_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    # Team mode: the member whose private row this is (NULL in single-user goodwill, 0014).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class CircleSetting(Base):
    __tablename__ = "circle_setting"

    circle: Mapped[str] = mapped_column(String(20), primary_key=True)
    ideal_days: Mapped[int] = mapped_column(Integer)
    max_days: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """Key/value settings: your profile (pitch, targets, offer), default phone region..."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SourceRecord(Base):
    """Where an imported person came from, with the original text (a vCard is kept whole)."""

    __tablename__ = "source_record"
    __table_args__ = (UniqueConstraint("source", "source_key", name="uq_source_record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(40))  # vcard, linkedin, google, ...
    source_key: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class MergeSuggestion(Base):
    __tablename__ = "merge_suggestion"
    __table_args__ = (UniqueConstraint("a_id", "b_id", name="uq_merge_suggestion_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|merged|dismissed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class SearchDoc(Base):
    """One searchable document a person, organisation or interaction (full-text index source).

    SQLite indexes it with an FTS5 external-content table (search_fts, made in the
    migration); PostgreSQL with a GIN index over to_tsvector('simple', terms).
    """

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_search_doc_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # person | org | interaction
    ref_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # PostgreSQL only: title and body lower-cased and without accents, which its 'simple'
    # text search configuration does not do (SQLite's FTS5 tokenizer does it itself).
    terms: Mapped[str | None] = mapped_column(Text)
    # Team mode: whose interaction an interaction's document is (0016).
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True, default=_owner)


class ContactSummary(Base):
    """Per person, the facts tie strength and cadences read from all their (non-planned)
    interactions, so a whole-network score reads one row per person instead of scanning
    every participant row. Derived: database triggers on participant keep it in the
    transaction of any write (0016); readers never write it.

    `decayed` is the channel-weighted count, each interaction decayed to the fixed
    `contact_summary.ANCHOR_DAY`; a reader rescales it to any later date (exact, since
    exp(k(d - now)) = exp(k(d - anchor)) * exp(k(anchor - now))). `model` names the
    weights and half-life it was computed with, so a changed model rebuilds it.
    """

    __tablename__ = "contact_summary"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_day: Mapped[float] = mapped_column(Float)
    last_day: Mapped[float] = mapped_column(Float)
    decayed: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    by_me: Mapped[int] = mapped_column(Integer)
    initiated: Mapped[int] = mapped_column(Integer)  # by me or by them (known starter)
    weighted: Mapped[float] = mapped_column(Float)  # channel-weighted count, not decayed
    model: Mapped[str] = mapped_column(String(200))
    # The channel-weighted count decayed with the short half-life (0012), same anchor.
    decayed_short: Mapped[float | None] = mapped_column(Float)


class LedgerSummary(Base):
    """Per person, the reciprocity ledger's facts from all their exchanges given and
    received (0016): kind-weighted sums decayed to `contact_summary.ANCHOR_DAY`, counts,
    the last give and get and the last exchange (day numbers). Kept by database triggers on
    exchange in the writing transaction; `model` names the weights it was computed with."""

    __tablename__ = "ledger_summary"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gave: Mapped[float] = mapped_column(Float)
    got: Mapped[float] = mapped_column(Float)
    gives: Mapped[int] = mapped_column(Integer)
    gets: Mapped[int] = mapped_column(Integer)
    last_give: Mapped[float | None] = mapped_column(Float)
    last_get: Mapped[float | None] = mapped_column(Float)
    last_day: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(200))


class MemberSummary(Base):
    """Team mode: `ContactSummary` per member, from that member's own interactions with
    each person (0018), so a member's figures never count a teammate's private rows. Kept
    by triggers on participant in the writing transaction; private to its member."""

    __tablename__ = "member_summary"

    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_day: Mapped[float] = mapped_column(Float)
    last_day: Mapped[float] = mapped_column(Float)
    decayed: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    by_me: Mapped[int] = mapped_column(Integer)
    initiated: Mapped[int] = mapped_column(Integer)
    weighted: Mapped[float] = mapped_column(Float)
    decayed_short: Mapped[float | None] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(200))


class MemberLedger(Base):
    """Team mode: `LedgerSummary` per member, from that member's own exchanges (0018)."""

    __tablename__ = "member_ledger"

    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gave: Mapped[float] = mapped_column(Float)
    got: Mapped[float] = mapped_column(Float)
    gives: Mapped[int] = mapped_column(Integer)
    gets: Mapped[int] = mapped_column(Integer)
    last_give: Mapped[float | None] = mapped_column(Float)
    last_get: Mapped[float | None] = mapped_column(Float)
    last_day: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(200))


class FiguresHold(Base):
    """People whose kept figures a bulk write holds until it ends (`store.figures.held`,
    0016): always empty outside a writing transaction. SQLite's row triggers skip a held
    person; deleting the row recomputes their figures once."""

    __tablename__ = "figures_hold"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class PersonChange(Base):
    """The change log (filled by triggers on every table a figure reads, 0015): per person
    and kind of change (`goodwill.store.changes.KINDS`), the number of the latest change.
    Person 0 stands for everyone. Read by `goodwill.store.changes`."""

    __tablename__ = "person_change"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # PostgreSQL: the writing transaction (0 on SQLite, whose numbers follow commits).
    xid: Mapped[int] = mapped_column(BigInteger, index=True, server_default="0")


class SyncSource(Base):
    """A source goodwill syncs with (a contacts or calendar vdir, an IMAP folder): where it
    stands (its own state as JSON, e.g. UIDVALIDITY and the last UID, or each card's last
    written fingerprint) and how its last run ended, for `goodwill doctor` and the daily
    session's warning about a source that keeps failing."""

    __tablename__ = "sync_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # contacts | calendar | mail
    # The folder's absolute path or the IMAP URL without its password.
    location: Mapped[str] = mapped_column(String(1000), unique=True)
    state: Mapped[str] = mapped_column(Text, default="{}")
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_ok_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The first error of an unbroken run of failures: the daily session warns after a day.
    failing_since: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SyncEvent(Base):
    """What a sync did to a person or asks of you (migration 0012). `kind`: created, merged,
    edited (a field changed on the phone and was applied), conflict (changed on both sides:
    goodwill's value kept, the phone's in `theirs`), kept (a value the phone removed that
    goodwill keeps), deleted (a card deleted on the phone: the person is kept). `status`:
    done for the record of what happened, open for what asks you to decide, closed after."""

    __tablename__ = "sync_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sync_source.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))
    ours: Mapped[str | None] = mapped_column(Text)
    theirs: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="done", index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class TeamMember(Base):
    """A member of a team database (`goodwill team init`, `goodwill user add`)."""

    __tablename__ = "team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(10), default="member")  # admin | member
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2id
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class TeamSession(Base):
    """A signed-in browser: server-side, so removing a member ends it at once."""

    __tablename__ = "team_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie
    member_id: Mapped[int] = mapped_column(
        ForeignKey("team_member.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TeamToken(Base):
    """A member's token for scripts (`Authorization: Bearer`); only its hash is kept."""

    __tablename__ = "team_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("team_member.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class TeamAudit(Base):
    """One admin action: who did what to whom, and when."""

    __tablename__ = "team_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(320))


class TeamSigninFailure(Base):
    """A wrong password, kept in the database so every server process counts the same."""

    __tablename__ = "team_signin_failure"
    __table_args__ = (Index("ix_team_signin_failure_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class TeamIntro(Base):
    """A member's request to a teammate for an introduction to someone the teammate knows:
    seen by the two of them only (row-level security on PostgreSQL)."""

    __tablename__ = "team_intro"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_member: Mapped[int] = mapped_column(ForeignKey("team_member.id"))
    to_member: Mapped[int] = mapped_column(ForeignKey("team_member.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    why: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|accepted|declined
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
