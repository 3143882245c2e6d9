"""One matcher: for each record, create a person, update or merge into one, or leave it.

Order of evidence, strongest first:
1. the same record seen before (source + source key): unchanged, or an update;
2. exact keys: a LinkedIn profile URL or an email address (each names one person), a phone
   number in E.164 (shared phones happen, so the names must also be close);
3. the name with the organisation (rapidfuzz): only a near-identical name at the same
   organisation merges; a close name alone, or the same name at another organisation, is
   only a *suggestion* (a merge_suggestion row for `person merge --suggest`), never a merge.

Everything known is loaded once into dictionaries (one query per kind of key), so matching
costs no query per record; people created earlier in the same import are matched too.

The cost per record is bounded whatever the names (docs/io.md, "Crowded names"): a name
block (family name + first initial) of at most BLOCK_CAP people is compared whole; in a
larger one (thousands of Wangs or Kumars) a record is compared only with the people of
its block who share its organisation (the most recent ORG_CAP of them, and every one with
exactly its name) and the most recent NAME_CAP with exactly its name. A merge needs the
same organisation and a near-identical name, which for names of up to 16 letters means the
same name, so these candidates decide as the whole block would; what a crowded block loses
is only suggestions (names one letter apart at other organisations, and the same name
beyond NAME_CAP people).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Literal

from rapidfuzz import fuzz, process
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from goodwill.io.facts import Facts, fingerprint, name_key, normalise, read_cleanly
from goodwill.io.records import ParseIssue, PersonRecord
from goodwill.store.models import (
    Email,
    Link,
    Organization,
    Person,
    Phone,
    Role,
    Setting,
    SourceRecord,
)

# A person is an existing id (> 0) or a person this import will create (< 0).
Ref = int
Action = Literal["create", "update", "merge", "unchanged", "skip"]

SAME_NAME = 97.0  # token-sort similarity treated as the same name
CLOSE_NAME = 86.0  # close enough to suggest when the organisation agrees
PHONE_NAME = 80.0  # a shared phone merges only with a name at least this close
PHONE_SUGGEST = 60.0  # below this a shared phone is a switchboard or a fake number
REGION_SETTING = "phone_region"
BLOCK_CAP = 200  # a block up to this size is compared whole, as it always was
ORG_CAP = 200  # in a larger block: the most recent people sharing an organisation
NAME_CAP = 50  # and the most recent people with exactly the same name


@dataclass
class Decision:
    record: PersonRecord
    action: Action
    facts: Facts | None = None
    fingerprint: str | None = None
    target: Ref | None = None
    reason: str = ""


@dataclass
class Suggestion:
    a: Ref
    b: Ref
    score: float
    reason: str


@dataclass(slots=True)
class _Known:
    name: str
    org_keys: set[str] = field(default_factory=set)
    linkedin: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    birthday: object = None
    removed: bool = False
    blocks: set[str] = field(default_factory=set)
    name_key: str | None = None

    @property
    def key(self) -> str:
        # Computed when first compared: a re-import of unchanged records compares none.
        if self.name_key is None:
            self.name_key = name_key(self.name)
        return self.name_key


@dataclass
class Plan:
    decisions: list[Decision] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    # Facts to create, by pending ref (-1, -2, ...), accumulated over merged records.
    creations: dict[Ref, Facts] = field(default_factory=dict)
    # Every record's person: (source key) -> ref, for interaction participants.
    by_key: dict[str, Ref] = field(default_factory=dict)
    email_owner: dict[str, Ref] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for d in self.decisions if d.action == action)


def default_region(session: Session, region: str | None) -> str | None:
    """--region, else the stored setting, else validate's default."""
    if region:
        return region.upper()
    stored = session.get(Setting, REGION_SETTING)
    return stored.value.upper() if stored else None


class Index:
    """Everything the matcher compares against, loaded in a handful of queries."""

    def __init__(self, session: Session, *, raw: bool = False) -> None:
        self.known: dict[Ref, _Known] = {}
        self.email: dict[str, Ref] = {}
        self.phone: dict[str, set[Ref]] = defaultdict(set)
        self.linkedin: dict[str, Ref] = {}
        self.source: dict[tuple[str, str], tuple[Ref, str | None, int | None]] = {}
        # Blocks keep their people in the order they joined (dicts as ordered sets), so
        # a crowded block's "most recent" people are its last entries.
        self.blocks: dict[str, dict[Ref, None]] = defaultdict(dict)
        # Inside each block: its people by organisation key, and by exact name.
        self.block_org: dict[tuple[str, str], dict[Ref, None]] = defaultdict(dict)
        self.block_name: dict[tuple[str, str], dict[Ref, None]] = defaultdict(dict)
        self.block_name_org: dict[tuple[str, str, str], dict[Ref, None]] = defaultdict(dict)
        # People with a LinkedIn profile: a record with another profile is not them.
        self.linked: set[Ref] = set()
        # Each block's people without one: all a record with a profile is compared with.
        self.unlinked: dict[str, dict[Ref, None]] = defaultdict(dict)
        self._next = -1
        # What a re-import of unchanged records needs is only the source records (and
        # whether their people were removed): read first, in one query. Everything else
        # is read when a record first needs it (`_load`), which such an import never does.
        session.flush()
        self._conn = session.connection()
        self._removed: dict[Ref, bool] = {}
        # With `raw`: each source record's original text too (see Matcher.decide).
        self.raw: dict[tuple[str, str], str | None] = {}
        for source, key, pid, fp, removed, is_me, text in self._conn.execute(
            select(
                SourceRecord.source,
                SourceRecord.source_key,
                SourceRecord.person_id,
                SourceRecord.fingerprint,
                Person.removed_at,
                Person.is_me,
                SourceRecord.raw if raw else literal(None),
            ).join(Person, Person.id == SourceRecord.person_id, isouter=True)
        ).all():  # fetched at once: one row at a time costs more than SQLite's reading
            self.source[(source, key)] = (pid, fp, None)
            self._removed[pid] = bool(removed or is_me)
            if text is not None:
                self.raw[(source, key)] = text
        self._loaded = False
        self._unblocked: dict[Ref, str | None] | None = None

    def is_removed(self, ref: Ref) -> bool:
        """Whether an existing person was removed (or is you): never matched, never changed."""
        if not self._loaded and ref in self._removed:
            return self._removed[ref]
        self._load()
        return self.known[ref].removed

    def _load(self) -> None:
        """Everyone's keys, names and organisations (plain Core rows: the ORM's result
        machinery costs more than SQLite on 30,000s), once."""
        if self._loaded:
            return
        self._loaded = True
        conn = self._conn
        family_of: dict[Ref, str | None] = {}
        for pid, name, family, birthday, removed, is_me in conn.execute(
            select(
                Person.id,
                Person.display_name,
                Person.family_name,
                Person.birthday,
                Person.removed_at,
                Person.is_me,
            )
        ):
            known = _Known(name, birthday=birthday, removed=bool(removed or is_me))
            self.known[pid] = known
            family_of[pid] = family
        for pid, address in conn.execute(select(Email.person_id, Email.address)):
            self.email[address] = pid
            self.known[pid].emails.add(address)
        for pid, number in conn.execute(select(Phone.person_id, Phone.number)):
            self.phone[number].add(pid)
        for pid, url in conn.execute(
            select(Link.person_id, Link.url).where(Link.kind == "linkedin")
        ):
            self.linkedin.setdefault(url, pid)
            self.known[pid].linkedin.add(url)
            self.linked.add(pid)
        for pid, key in conn.execute(
            select(Role.person_id, Organization.key).join(
                Organization, Organization.id == Role.org_id
            )
        ):
            self.known[pid].org_keys.add(key)
        # Blocked when a name is first compared (a re-import of unchanged records never
        # compares one), and after the organisations are known: blocks index by them too.
        self._unblocked = family_of

    def _ensure_blocks(self) -> None:
        self._load()
        if self._unblocked is None:
            return
        family_of, self._unblocked = self._unblocked, None
        for pid, family in family_of.items():
            if not self.known[pid].removed:
                self._block(pid, self.known[pid].name, family)

    def _block(self, ref: Ref, name: str, family: str | None) -> None:
        known = self.known[ref]
        sort_key = _sorted_key(known.key)
        for key in _block_keys(name, family) - known.blocks:
            known.blocks.add(key)
            self.blocks[key][ref] = None
            if ref not in self.linked:
                self.unlinked[key][ref] = None
            self.block_name[(key, sort_key)][ref] = None
        self._join_orgs(ref, known.org_keys)

    def _join_orgs(self, ref: Ref, org_keys: Iterable[str]) -> None:
        known = self.known[ref]
        sort_key = _sorted_key(known.key)
        for block in known.blocks:
            for org in org_keys:
                self.block_org[(block, org)][ref] = None
                self.block_name_org[(block, sort_key, org)][ref] = None

    def pending(self, facts: Facts) -> Ref:
        self._load()
        ref = self._next
        self._next -= 1
        self.known[ref] = _Known(facts.name)
        return ref

    def remember(self, ref: Ref, facts: Facts) -> None:
        """Make a record's keys point at the person it went to."""
        self._ensure_blocks()
        known = self.known[ref]
        for address in facts.email_set:
            self.email.setdefault(address, ref)
            known.emails.add(address)
        for number, _raw, _label in facts.phones:
            self.phone[number].add(ref)
        if facts.linkedin and ref not in self.linked:
            for block in known.blocks:
                self.unlinked[block].pop(ref, None)
        for url in facts.linkedin:
            self.linkedin.setdefault(url, ref)
            known.linkedin.add(url)
            self.linked.add(ref)
        new_orgs = facts.org_keys - known.org_keys
        known.org_keys |= new_orgs
        known.birthday = known.birthday or facts.birthday
        self._join_orgs(ref, new_orgs)
        self._block(ref, facts.name, facts.family)

    def candidates(
        self,
        facts: Facts,
        cap: int = BLOCK_CAP,
        org_cap: int = ORG_CAP,
        name_cap: int = NAME_CAP,
    ) -> set[Ref]:
        """The people a record's name is compared with: its whole block while the block
        holds at most `cap` people; in a larger one, only those who can decide (see the
        module's docstring)."""
        self._ensure_blocks()
        out: set[Ref] = set()
        sort_key = _sorted_key(name_key(facts.name))
        orgs = facts.org_keys
        for block in _block_keys(facts.name, facts.family):
            members = self.blocks.get(block)
            if not members:
                continue
            if facts.linkedin and not self.unlinked.get(block):
                # Everyone in the block has a profile: all would be left out below (a
                # LinkedIn export's crowded blocks, whose every member has one).
                continue
            if len(members) <= cap:
                # With a profile, everyone with one is left out below: so not taken in.
                out.update(self.unlinked.get(block, ()) if facts.linkedin else members)
                continue
            out.update(_latest(self.block_name.get((block, sort_key)), name_cap))
            for org in orgs:
                out.update(self.block_name_org.get((block, sort_key, org), ()))
                out.update(_latest(self.block_org.get((block, org)), org_cap))
        if facts.linkedin:
            # Every profile URL anyone has is an exact key: a record still unmatched here
            # has a profile no one has, so it conflicts with everyone who has one.
            out -= self.linked
        return out


def _latest(members: dict[Ref, None] | None, n: int) -> Iterable[Ref]:
    """The last `n` people to join (a dict keeps the order they joined in)."""
    if not members:
        return ()
    if len(members) <= n:
        return members
    return islice(reversed(members), n)


@lru_cache(maxsize=65536)
def _sorted_key(key: str) -> str:
    """A name key with its words sorted, as token_sort_ratio compares them: two names
    with equal sorted keys score 100."""
    return " ".join(sorted(key.split()))


@lru_cache(maxsize=65536)
def _block_keys(name: str, family: str | None) -> frozenset[str]:
    """Blocking keys (family name + first initial): only people sharing one are compared."""
    words = name_key(name).split()
    if not words:
        return frozenset()
    initial = words[0][0]
    keys = {f"{words[-1]}|{initial}"}
    if family:
        fam = name_key(family).split()
        if fam:
            keys.add(f"{fam[-1]}|{initial}")
    if len(words) > 1:  # "Kim, Dana" and "Dana Kim" meet too
        keys.add(f"{words[0]}|{words[-1][0]}")
    return frozenset(keys)


def _name_score(a: str, b: str) -> float:
    return float(fuzz.token_sort_ratio(a, b)) if a and b else 0.0


def _conflict(linkedin: set[str], birthday: object, known: _Known) -> bool:
    """Facts that say two people are different whatever their names."""
    if linkedin and known.linkedin and not (linkedin & known.linkedin):
        return True
    return bool(birthday and known.birthday and birthday != known.birthday)


class Matcher:
    def __init__(
        self,
        session: Session,
        region: str | None,
        *,
        block_cap: int = BLOCK_CAP,
        org_cap: int = ORG_CAP,
        name_cap: int = NAME_CAP,
        by_raw: bool = False,
    ) -> None:
        self.region = default_region(session, region)
        self.caps = (block_cap, org_cap, name_cap)
        self.compared = 0  # names scored, over every record (what stays linear)
        # Whether an unchanged record may be known by its raw text (its decision then
        # carries no facts: for the importer, which writes nothing for it).
        self.by_raw = by_raw
        self.index = Index(session, raw=by_raw)
        self.plan = Plan()
        self.plan.email_owner = self.index.email
        self._line_of: dict[tuple[str, str], int | None] = {}
        # Suggestions found while deciding one record; "0" stands for that record's person.
        self._pending_suggestions: list[Suggestion] = []

    def decide_all(
        self, records: Sequence[PersonRecord], tick: Callable[[int], None] | None = None
    ) -> Plan:
        for i, record in enumerate(records):
            self.plan.decisions.append(self.decide(record))
            if tick and i % 500 == 499:
                tick(500)
        if tick:
            tick(len(records) % 500)
        return self.plan

    def _issue(self, record: PersonRecord, message: str, skipped: bool = True) -> None:
        self.plan.issues.append(ParseIssue(record.source, record.line, message, skipped))

    def decide(self, record: PersonRecord) -> Decision:
        if self.by_raw and record.raw_is_whole:
            same = self._same_as_stored(record)
            if same is not None:
                return self._done(record, same)
        facts, warnings = normalise(record, self.region)
        for w in warnings:
            self._issue(record, w, skipped=False)
        if facts is None:
            self._issue(record, "names nobody (no name, email or phone): skipped")
            return Decision(record, "skip", reason="names nobody")
        fp = fingerprint(facts)
        key = (record.source, record.source_key)
        seen = self.index.source.get(key)
        if seen is not None:
            ref, old_fp, _ = seen
            if ref > 0 and self.index.is_removed(ref):
                return self._done(
                    record, Decision(record, "skip", facts, fp, ref, "its person was removed")
                )
            if key in self._line_of and old_fp == fp:
                line = self._line_of[key]
                self._issue(
                    record,
                    f"same record as line {line}: skipped" if line else "duplicate record: skipped",
                )
                return self._done(record, Decision(record, "skip", facts, fp, ref, "duplicate"))
            if old_fp == fp:
                return self._done(record, Decision(record, "unchanged", facts, fp, ref))
            return self._apply(record, Decision(record, "update", facts, fp, ref))
        target, why = self._exact(facts)
        if target is not None:
            if target > 0 and self.index.known[target].removed:
                self._issue(
                    record,
                    f"matches {self.index.known[target].name} (#{target}), "
                    "who was removed: skipped",
                )
                return self._done(record, Decision(record, "skip", facts, fp, target, "removed"))
            return self._apply(record, Decision(record, "merge", facts, fp, target, why))
        target, why = self._by_name(facts)
        if target is not None:
            return self._apply(record, Decision(record, "merge", facts, fp, target, why))
        return self._apply(record, Decision(record, "create", facts, fp))

    def _same_as_stored(self, record: PersonRecord) -> Decision | None:
        """ "unchanged" for a record whose raw text is the one stored for its source key,
        decided from that exact key alone, without reading the record again: the same text
        gives the same facts, hence the stored fingerprint (when they are read without a
        warning and without the phone region, which may have changed). None: go the whole
        way (a record seen twice in this import, a removed person, any doubt)."""
        key = (record.source, record.source_key)
        seen = self.index.source.get(key)
        if seen is None or key in self._line_of or record.raw is None:
            return None
        ref, old_fp, _ = seen
        if ref <= 0 or old_fp is None or self.index.raw.get(key) != record.raw:
            return None
        if self.index.is_removed(ref) or not read_cleanly(record):
            return None
        return Decision(record, "unchanged", None, old_fp, ref)

    def _exact(self, facts: Facts) -> tuple[Ref | None, str]:
        idx = self.index
        idx._load()
        hits: list[tuple[Ref, str]] = [
            (idx.linkedin[u], f"LinkedIn {u}") for u in sorted(facts.linkedin) if u in idx.linkedin
        ]
        hits += [(idx.email[e], f"email {e}") for e, _ in facts.emails if e in idx.email]
        if not hits:
            key = name_key(facts.name)
            for number, _raw, _label in facts.phones:
                for ref in sorted(idx.phone.get(number, ())):
                    known = idx.known[ref]
                    if known.removed:
                        continue
                    score = _name_score(key, known.key)
                    if score >= PHONE_NAME and not _conflict(facts.linkedin, facts.birthday, known):
                        hits.append((ref, f"phone {number}"))
                    elif score >= PHONE_SUGGEST:
                        self._suggest(ref, None, score, f"same phone {number}")
        if not hits:
            return None, ""
        target, why = hits[0]
        for other, other_why in hits[1:]:
            if other != target:
                self._suggest(target, other, 100.0, f"one record has {why} and {other_why}")
        return target, why

    def _by_name(self, facts: Facts) -> tuple[Ref | None, str]:
        idx = self.index
        key = name_key(facts.name)
        candidates = idx.candidates(facts, *self.caps)
        if not candidates:
            return None, ""
        self.compared += len(candidates)
        org_keys = facts.org_keys
        linkedin, emails = facts.linkedin, facts.email_set
        merges: list[tuple[float, Ref]] = []
        refs = sorted(candidates)
        known_of = idx.known
        close = process.extract(
            key,
            [known_of[r].key for r in refs],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=CLOSE_NAME,
            limit=None,
        )
        for _match, score, position in sorted(close, key=lambda c: c[2]):
            ref = refs[position]
            known = idx.known[ref]
            if known.removed:
                continue
            if _conflict(linkedin, facts.birthday, known):
                continue
            same_org = bool(org_keys & known.org_keys)
            # Two different addresses on both sides: maybe two people; let the user say.
            other_emails = bool(emails and known.emails and not (emails & known.emails))
            if score >= SAME_NAME and same_org and not other_emails:
                merges.append((score, ref))
            elif score >= SAME_NAME and same_org:
                self._suggest(ref, None, score, "same name at the same organisation, other emails")
            elif score >= SAME_NAME:
                where = (
                    "another organisation"
                    if org_keys and known.org_keys
                    else "no organisation to compare"
                )
                self._suggest(ref, None, score, f"same name, {where}")
            elif same_org:
                self._suggest(ref, None, score, "similar name at the same organisation")
        if not merges:
            return None, ""
        merges.sort(key=lambda m: (-m[0], m[1]))
        if len(merges) > 1 and merges[1][0] == merges[0][0]:
            for _score, ref in merges:
                self._suggest(
                    ref, None, merges[0][0], "same name at the same organisation, several people"
                )
            return None, ""
        return merges[0][1], "same name at the same organisation"

    def _suggest(self, a: Ref, b: Ref | None, score: float, reason: str) -> None:
        # b None means "the person this record ends up as", known once it is decided.
        self._pending_suggestions.append(Suggestion(a, b if b is not None else 0, score, reason))

    def _apply(self, record: PersonRecord, decision: Decision) -> Decision:
        assert decision.facts is not None
        if decision.action == "create":
            decision.target = self.index.pending(decision.facts)
            self.plan.creations[decision.target] = decision.facts
        elif decision.target is not None and decision.target < 0:
            self.plan.creations[decision.target] = combine(
                self.plan.creations[decision.target], decision.facts
            )
        assert decision.target is not None
        self.index.remember(decision.target, decision.facts)
        return self._done(record, decision)

    def _done(self, record: PersonRecord, decision: Decision) -> Decision:
        for s in self._pending_suggestions:
            if decision.target is None or decision.action == "skip":
                continue
            b = s.b or decision.target
            if s.a != b:
                self.plan.suggestions.append(Suggestion(s.a, b, s.score, s.reason))
        self._pending_suggestions = []
        if decision.target is not None:
            self.plan.by_key[record.source_key] = decision.target
            key = (record.source, record.source_key)
            if decision.action != "skip":
                self.index.source[key] = (decision.target, decision.fingerprint, record.line)
                self._line_of.setdefault(key, record.line)
        return decision


def combine(base: Facts, extra: Facts) -> Facts:
    """Two records of one new person: the first wins single values, lists are joined."""

    def union(a: tuple, b: tuple, key: Callable[[object], object]) -> tuple:  # type: ignore[type-arg]
        seen = {key(x) for x in a}
        return a + tuple(x for x in b if key(x) not in seen)

    first = lambda x: x[0]  # noqa: E731
    notes = base.notes
    if extra.notes and extra.notes not in (notes or ""):
        notes = f"{notes}\n{extra.notes}" if notes else extra.notes
    past = union(base.past_roles, extra.past_roles, lambda x: x)
    if extra.org and base.org and extra.org != base.org:
        past = union(past, ((extra.org, extra.title),), lambda x: x)
    return Facts(
        name=base.name,
        given=base.given or extra.given,
        middle=base.middle or extra.middle,
        family=base.family or extra.family,
        prefix=base.prefix or extra.prefix,
        suffix=base.suffix or extra.suffix,
        nickname=base.nickname or extra.nickname,
        emails=union(base.emails, extra.emails, first),
        phones=union(base.phones, extra.phones, first),
        links=union(base.links, extra.links, lambda x: x[1]),  # type: ignore[index]
        org=base.org or extra.org,
        title=base.title if base.org else extra.title,
        past_roles=past,
        location=base.location or extra.location,
        birthday=base.birthday or extra.birthday,
        met_on=base.met_on or extra.met_on,
        how_met=base.how_met or extra.how_met,
        tags=union(base.tags, extra.tags, lambda x: x),
        notes=notes,
    )


def match(
    session: Session,
    records: Sequence[PersonRecord],
    region: str | None = None,
    tick: Callable[[int], None] | None = None,
    *,
    by_raw: bool = False,
) -> Plan:
    """Decide what to do with every record (nothing is written). `by_raw`: an unchanged
    record may be decided from its raw text, and its decision then has no facts."""
    matcher = Matcher(session, region, by_raw=by_raw)
    return matcher.decide_all(records, tick)
