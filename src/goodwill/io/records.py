"""The common record types every importer produces and the writer consumes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class ParseIssue:
    """A problem in an input file, by file and line (1-based), with what was done about it."""

    file: str
    line: int | None
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class PersonRecord:
    """One person as a source describes them. Empty fields mean 'the source does not say'."""

    source: str  # the format: vcard, linkedin, facebook, google, outlook, ics, mbox, json
    source_key: str  # stable identity within the source (UID, profile URL, address...)
    line: int | None = None
    name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    nickname: str | None = None
    emails: list[tuple[str, str | None]] = field(default_factory=list)  # (address, label)
    phones: list[tuple[str, str | None]] = field(default_factory=list)  # (number, label)
    links: list[tuple[str, str]] = field(default_factory=list)  # (kind, url)
    org: str | None = None
    title: str | None = None
    past_roles: list[tuple[str, str | None]] = field(default_factory=list)  # (org, title)
    location: str | None = None
    birthday: dt.date | None = None
    met_on: dt.date | None = None  # e.g. LinkedIn "Connected On", Facebook friendship
    how_met: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    raw: str | None = None  # the original text (a whole vCard) so export loses nothing
    # The parser says `raw` holds everything the record was read from: a record with the
    # same raw text as the one stored for its source key is the same record (the matcher
    # then need not read it again to know it is unchanged).
    raw_is_whole: bool = False


@dataclass
class InteractionRecord:
    """Something that happened, as a source records it (a message, a meeting...)."""

    source: str
    source_key: str  # Message-ID, UID + recurrence id, LinkedIn conversation + date...
    occurred_at: dt.datetime
    kind: str  # one of vocab.INTERACTION_KINDS
    line: int | None = None
    summary: str | None = None
    initiated_by: str | None = None  # "me" | "them" | None
    # The other people in it, by the source_key of a PersonRecord of the same import.
    participants: list[str] = field(default_factory=list)
    # What they asked of you in it, when the source can tell (an open request), else None.
    they_asked: str | None = None


@dataclass
class ParseResult:
    people: list[PersonRecord] = field(default_factory=list)
    interactions: list[InteractionRecord] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    # Calendars and mailboxes: the events or messages read, imported or left out for a
    # reason (nobody else in it, cancelled...). Contact formats leave it 0: a record is a person.
    items: int = 0
    item: str = "item"  # what one of them is called: "event", "message"
    # The parser found no control character in the text it read, and decodes no escape
    # that could make one: nothing it gives needs stripping (the importer skips that).
    clean: bool = False


# Imports refuse files larger than this unless told otherwise (read before anything else).
# A format read whole holds about 7 times the file in memory (64 MB: about 450 MB); mail
# is streamed message by message, so its files may be much larger.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
STREAMED_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class ImportOptions:
    """What the user said on the command line, passed to every parser and to the matcher."""

    me: list[str] = field(default_factory=list)  # your own addresses (for message direction)
    region: str | None = None  # default phone region (ISO country code) for national numbers
    strict: bool = False  # stop at the first problem instead of skipping the record
    dry_run: bool = False  # do everything, then roll back
    max_bytes: int | None = None  # None: DEFAULT_MAX_BYTES, or STREAMED_MAX_BYTES for mail
    now: dt.datetime | None = None  # "now" for tests; interactions after it are planned

    def limit(self, streamed: bool = False) -> int:
        """The largest file to read: what the user said, else the format's default."""
        if self.max_bytes is not None:
            return self.max_bytes
        return STREAMED_MAX_BYTES if streamed else DEFAULT_MAX_BYTES
