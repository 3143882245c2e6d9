"""Mailboxes (mbox files and Maildir folders): each message you exchanged is an interaction.

Only headers are read: From, To, Cc, Bcc, Date, Message-ID and In-Reply-To, plus the
headers that mark bulk mail. A body is never parsed, kept or stored: a Maildir message
(listed by the stdlib's mailbox.Maildir) is read up to the blank line that ends its
headers; an mbox is read in one pass that steps over body lines to find where the next
message starts, keeping none of them.

Each message becomes an InteractionRecord of kind "email":
- occurred_at: its Date header in UTC (when missing or unreadable: the date of the mbox
  "From " line or of the Maildir file name, with an issue).
- participants: when you wrote it, everyone in To, Cc and Bcc but you; when someone else
  wrote it, the sender only (being copied on a message is not an exchange with everyone
  on it). Without --me (and no address standing out as yours, see messaging.guess_me)
  everyone in it is a participant.
- initiated_by, who reached out:
    "me"   you wrote it and it does not answer a message of theirs;
    "them" they wrote it and it does not answer a message of yours;
    None   it answers the other side (In-Reply-To names a message the other side sent,
           or one this mailbox does not hold: a reply is an answer, not reaching out).
  A follow-up to your own earlier message (In-Reply-To names a message you sent) is still
  you reaching out, and likewise for them. Without any known address of yours: None.
- source_key: "email:" + Message-ID, the same whichever mailbox format holds the message,
  so a message in an mbox and in a Maildir (or in Inbox and Sent) is imported once. A
  message without a Message-ID gets a hash of its From, To, Cc and Date headers.

Left out, with one issue per reason and a count: mailing-list and bulk mail (List-Id,
List-Unsubscribe, Precedence: bulk/list/junk, Auto-Submitted), messages from automated
senders (no-reply, mailer-daemon...), messages only to yourself, messages dated in the
future, and copies of a message already read. A message whose headers cannot be read is
reported by its number in the mailbox (1 = first) and skipped; nothing makes the parser
raise except ImportFailed for a path that is not a mailbox at all. The result counts the
messages read (left out or not), so a mailbox with nobody but you in it imports nothing
and says so, without an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import mailbox
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from goodwill.errors import ImportFailed
from goodwill.io import files, messaging
from goodwill.io.records import (
    ImportOptions,
    InteractionRecord,
    ParseIssue,
    ParseResult,
    PersonRecord,
)

MAX_HEADER_BYTES = 256 * 1024  # headers longer than this are not headers: skip the message
_MSGID = re.compile(r"<([^<>\s]+)>")
_BULK = {"bulk", "list", "junk"}
_FROM_LINE_DATE = "%a %b %d %H:%M:%S %Y"
_WANTED = {
    "from", "to", "cc", "bcc", "date", "message-id", "in-reply-to",
    "list-id", "list-unsubscribe", "precedence", "auto-submitted", "references",
}  # fmt: skip
_UNUSUAL = re.compile(r"[();:\\]")  # comments, groups, escapes: leave them to the stdlib
_COMMA = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a comma outside quotes
_NAMED = re.compile(r'^(?:"([^"]*)"|([^"<>]*?))\s*<([^<>]+)>$')
_BARE = re.compile(r"^[^\s<>\"]+$")

Address = tuple[str, str | None]  # (normalised address, display name)


@dataclass(slots=True)
class _Message:
    """What the headers of one message say, nothing more."""

    number: int
    line: int | None  # of the mbox "From " line that starts it
    where: str  # how an issue names the message
    sender: Address
    recipients: list[Address]
    when: dt.datetime
    message_id: str | None
    in_reply_to: str | None
    key: str
    references: tuple[str, ...] = ()


@dataclass
class _Reader:
    file: str
    now: dt.datetime
    issues: list[ParseIssue] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    invalid: Counter[str] = field(default_factory=Counter)

    def issue(
        self, where: str, message: str, skipped: bool = True, line: int | None = None
    ) -> None:
        self.issues.append(ParseIssue(self.file, line, f"{where}: {message}", skipped))


def parse_mbox(path: Path, options: ImportOptions) -> ParseResult:
    """Read the headers of every message of an mbox file (see the module docstring)."""
    _check_mbox(path, options)
    reader = _Reader(path.name, messaging.now_utc(options))
    try:
        messages = list(_read_mbox(path, reader))
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _result(messages, reader, options, source="mbox")


def parse_maildir(path: Path, options: ImportOptions) -> ParseResult:
    """Read the headers of every message of a Maildir, its subfolders included."""
    folders = _maildirs(path)
    reader = _Reader(path.name, messaging.now_utc(options))
    messages: list[_Message] = []
    for folder in folders:
        box = mailbox.Maildir(str(folder), factory=None, create=False)
        name = os.path.relpath(folder, path) if folder != path else ""
        messages.extend(_read_maildir(box, name, len(messages), reader))
    return _result(messages, reader, options, source="maildir")


def parse_fetched(
    blocks: Iterable[tuple[str, bytes, Callable[[], dt.datetime | None]]],
    options: ImportOptions,
    *,
    file: str = "imap",
    subjects: bool = False,
    sides: dict[str, str | None] | None = None,
    replied: set[str] | None = None,
    answered: list[str] | None = None,
) -> tuple[ParseResult, frozenset[str]]:
    """Header blocks fetched from a server (IMAP), each named by how an issue names it and
    with what gives the date to use when its Date header is missing or unreadable (the
    server's arrival date, as an mbox has its "From " line's).

    The same rules as an mbox (the module docstring); returns the result and the addresses
    taken as yours, so that a sync in batches keeps one guess for all of them. With
    `subjects`, an interaction's summary is its message's Subject (decoded), else none.
    `sides` (Message-ID -> who wrote it) carries what earlier batches read, so that a
    reply is judged as it would be with the whole mailbox in one file. `replied` (the
    `thread_mark`s of messages you answered, from earlier batches, runs and folders) is
    read and added to: see `asked_you` for when a message becomes a request. The
    Message-IDs your messages answer are added to `answered`, so that a question answered
    in a later batch or run stops being a request.
    """
    reader = _Reader(file, messaging.now_utc(options))
    messages: list[_Message] = []
    titles: dict[str, str] = {}
    for number, (where, block, arrived) in enumerate(blocks, start=1):
        msg = _read_one(block, number, None, where, arrived, reader)
        if msg is None:
            continue
        messages.append(msg)
        if subjects and (title := _subject(block)):
            titles.setdefault(msg.key, title)
    me = _me(messages, reader, options)
    result = _result(messages, reader, dataclasses.replace(options, me=sorted(me)), "imap", sides)
    replied = set() if replied is None else replied
    if me:
        for m in messages:
            if m.sender[0] in me:
                named = [i for i in (m.in_reply_to, *m.references) if i]
                replied.update(thread_mark(i) for i in named)
                if answered is not None:
                    answered += named
    ids = {m.key: m.message_id for m in messages}
    for record in result.interactions:
        record.summary = titles.get(record.source_key)
        msgid = ids.get(record.source_key)
        if asked_you(record.summary, record.initiated_by) and (
            msgid is None or thread_mark(msgid) not in replied
        ):
            record.they_asked = record.summary
    return result, me


def asked_you(subject: str | None, initiated_by: str | None) -> bool:
    """The one rule for a message becoming a request, headers only: they wrote to you
    first (not answering you: see `_initiated_by`) and its subject asks something (holds
    a question mark). Subjects are read only when the user turns them on: without them no
    message becomes a request. The caller also checks that you never answered it (no
    message of yours names it in In-Reply-To or References); mailing lists, bulk mail and
    no-reply senders never get this far (`_read_one`)."""
    return initiated_by == "them" and subject is not None and "?" in subject


def thread_mark(message_id: str) -> str:
    """A short, fixed-size stand-in for a Message-ID in the set of messages you answered
    (kept between runs: 12 hex digits of its SHA-1)."""
    return hashlib.sha1(message_id.encode("utf-8", "replace")).hexdigest()[:12]


def _subject(block: bytes) -> str | None:
    """The Subject of a header block, MIME words decoded, on one line (at most 500 chars)."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("cp1252", "replace")
    value: str | None = None
    for line in text.splitlines():
        if value is not None:
            if line[:1] in (" ", "\t"):
                value += " " + line.strip()
                continue
            break
        name, colon, rest = line.partition(":")
        if colon and name.strip().lower() == "subject":
            value = rest.strip()
    if not value:
        return None
    if "=?" in value:
        with contextlib.suppress(LookupError, UnicodeError, ValueError, AssertionError):
            value = str(make_header(decode_header(value)))
    value = " ".join(value.encode("utf-8", "ignore").decode("utf-8").split())
    return value[:500] or None


# --- finding and opening mailboxes ---------------------------------------------------------


def _check_mbox(path: Path, options: ImportOptions) -> None:
    """Refuse, before reading, what cannot be an mbox (io.files: size, emptiness, binary)."""
    if path.is_dir():
        raise ImportFailed(f"{path} is a folder, not an mbox file (for a Maildir use maildir)")
    files.check(path, options.limit(streamed=True))
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
    files.sniff_binary(path, head, "an mbox file")
    if not head.strip():
        raise ImportFailed(f"{path} holds only blank space: there is nothing to import")
    if not head.lstrip(b"\r\n").startswith(b"From "):
        raise ImportFailed(f"{path} is not an mbox file (it must begin with a 'From ' line)")


def _maildirs(root: Path) -> list[Path]:
    """Every Maildir at or under `root` (a Maildir has cur/ and new/ folders)."""
    if not root.exists():
        raise ImportFailed(f"{root} does not exist")
    if not root.is_dir():
        raise ImportFailed(f"{root} is a file, not a Maildir folder (for one file use mbox)")
    found = []
    for here, dirs, _files in os.walk(root):
        dirs.sort()
        if "cur" in dirs and "new" in dirs:
            found.append(Path(here))
        dirs[:] = [d for d in dirs if d not in ("cur", "new", "tmp")]
    if not found:
        raise ImportFailed(f"{root} is not a Maildir (no cur/ and new/ folders in it)")
    return found


def _read_mbox(path: Path, reader: _Reader) -> Iterator[_Message]:
    """One pass over the file: headers are kept until their blank line, bodies stepped over.

    Messages start at lines beginning with "From ", the rule of mailbox.mbox, so message
    numbers match what the stdlib (and mutt, Thunderbird) count. This is mailbox.mbox's
    reading without its table of contents and seeks, so no body line outlives the loop.
    """
    number = lineno = start = 0
    from_line = b""
    block: list[bytes] | None = None  # the header lines of the current message
    size = 0
    with path.open("rb") as f:
        # Bounded lines: a file of one endless line cannot fill the memory.
        for line in iter(functools.partial(f.readline, 65536), b""):
            lineno += 1
            if line.startswith(b"From "):
                # A message whose headers the next "From " line ends has no body.
                if block is not None and (msg := _message(block, number, start, from_line, reader)):
                    yield msg
                number += 1
                start = lineno
                from_line, block, size = line, [], 0
            elif block is None:
                continue  # a body line
            elif line in (b"\n", b"\r\n"):
                if msg := _message(block, number, start, from_line, reader):
                    yield msg
                block = None
            else:
                size += len(line)
                block.append(line)
                if size > MAX_HEADER_BYTES:
                    reader.issue(
                        f"message {number}",
                        f"headers longer than {MAX_HEADER_BYTES // 1024} KB; skipped",
                        line=start,
                    )
                    block = None
    if block is not None and (msg := _message(block, number, start, from_line, reader)):
        yield msg


def _message(
    block: list[bytes], number: int, line: int, from_line: bytes, reader: _Reader
) -> _Message | None:
    fallback = functools.partial(_from_line_date, from_line)
    return _read_one(b"".join(block), number, line, f"message {number}", fallback, reader)


def _read_maildir(
    box: mailbox.Maildir, folder: str, offset: int, reader: _Reader
) -> Iterator[_Message]:
    for i, key in enumerate(sorted(box.iterkeys()), start=1):
        where = f"message {offset + i} ({os.path.join(folder, key) if folder else key})"
        try:
            f = box.get_file(key)
        except (OSError, KeyError) as exc:
            reader.issue(where, f"cannot be read ({exc}); skipped")
            continue
        try:
            block = _header_block(f)
        except OSError as exc:
            reader.issue(where, f"cannot be read ({exc}); skipped")
            continue
        finally:
            f.close()
        if block is None:
            reader.issue(where, f"headers longer than {MAX_HEADER_BYTES // 1024} KB; skipped")
            continue
        fallback = functools.partial(_maildir_date, key)
        msg = _read_one(block, offset + i, None, where, fallback, reader)
        if msg is not None:
            yield msg


def _from_line_date(line: bytes) -> dt.datetime | None:
    """The date on an mbox 'From sender Sat Jan  3 01:05:34 1996' line, if it has one."""
    parts = line.decode("ascii", "replace").split()
    if len(parts) < 7:
        return None
    try:
        return dt.datetime.strptime(" ".join(parts[2:7]), _FROM_LINE_DATE)
    except ValueError:
        return None


def _maildir_date(key: str) -> dt.datetime | None:
    """Maildir file names start with the delivery time in seconds since 1970."""
    head = key.split(".", 1)[0]
    if not head.isdigit() or len(head) > 11:
        return None
    return dt.datetime.fromtimestamp(int(head), dt.UTC).replace(tzinfo=None)


# --- one message's headers -----------------------------------------------------------------


class _Readable(Protocol):
    def readline(self, size: int, /) -> bytes: ...


def _header_block(f: _Readable) -> bytes | None:
    """The bytes up to the blank line that ends the headers; None when they never end."""
    lines = []
    size = 0
    while True:
        line = f.readline(65536)
        if not line or line in (b"\n", b"\r\n"):
            break
        size += len(line)
        if size > MAX_HEADER_BYTES:
            return None
        lines.append(line)
    return b"".join(lines)


def _fields(block: bytes) -> dict[str, str]:
    """The header fields we read, by lower-case name (the first of each wins), unfolded.

    A plain split of the header block rather than email.parser: it never looks past the
    headers, and mailboxes hold hundreds of thousands of messages.
    """
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("cp1252", "replace")  # 8-bit headers are mostly Latin-1
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if current is not None:
                fields[current] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        current = name.strip().lower() if colon else None
        if current not in _WANTED or current in fields:
            current = None
            continue
        fields[current] = value.strip()
    return fields


def _read_one(
    block: bytes,
    number: int,
    line: int | None,
    where: str,
    fallback: Callable[[], dt.datetime | None],
    reader: _Reader,
) -> _Message | None:
    headers = _fields(block)
    if not headers:
        reader.issue(
            where, "has none of the headers of an email (From, Date...); skipped", line=line
        )
        return None
    get = headers.get
    if reason := _bulk(get):
        reader.skipped[reason] += 1
        return None
    raw_from = get("from")
    invalid = sum(reader.invalid.values())
    senders = _addresses(raw_from, reader)
    if not senders:
        if sum(reader.invalid.values()) > invalid:  # counted (with examples) in one issue
            reader.skipped["the sender's address is not a valid email address"] += 1
            return None
        reason = "no From header" if raw_from is None else f"unreadable From {raw_from[:80]!r}"
        reader.issue(where, f"{reason}; skipped", line=line)
        return None
    sender = senders[0]
    if messaging.is_automated(sender[0]):
        reader.skipped["from an automated sender (no-reply, mailer-daemon...)"] += 1
        return None
    when = _date(get("date"), where, line, fallback, reader)
    if when is None:
        return None
    if when > reader.now + dt.timedelta(days=1):
        reader.issue(where, f"dated in the future ({when:%Y-%m-%d}); skipped", line=line)
        return None
    recipients = [a for name in ("to", "cc", "bcc") for a in _addresses(get(name), reader)]
    message_id = _msgid(get("message-id"))
    if message_id:
        key = "email:" + message_id
    else:
        raw = "\x1f".join(get(n) or "" for n in ("from", "to", "cc", "date"))
        key = "email:sha256:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
    if len(key) > messaging.MAX_KEY:
        key = "email:sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    in_reply_to = _msgid(get("in-reply-to"))
    refs = tuple(_MSGID.findall(get("references") or ""))
    return _Message(
        number, line, where, sender, recipients, when, message_id, in_reply_to, key, refs
    )


def _bulk(get: Callable[[str], str | None]) -> str | None:
    """Why a message is list or bulk mail, or None for a personal message."""
    if get("list-id") is not None or get("list-unsubscribe") is not None:
        return "mailing-list mail (List-Id or List-Unsubscribe)"
    precedence = (get("precedence") or "").strip().lower()
    if precedence in _BULK:
        return f"bulk mail (Precedence: {precedence})"
    auto = (get("auto-submitted") or "").strip().lower()
    if auto and auto != "no":
        return "automatic message (Auto-Submitted)"
    return None


def _addresses(value: str | None, reader: _Reader) -> list[Address]:
    """The addresses in an address header, with their display names."""
    if not value:
        return []
    found, invalid = _address_header(value)
    for raw in invalid:
        reader.invalid[raw] += 1
    return list(found)


@functools.lru_cache(maxsize=16384)
def _address_header(value: str) -> tuple[tuple[Address, ...], tuple[str, ...]]:
    """(the valid addresses, the invalid ones cut to 80 chars) of a header value, cached:
    a mailbox repeats the same To and Cc lines thousands of times."""
    out: list[Address] = []
    invalid: list[str] = []
    for name, raw in _split_addresses(value):
        if not raw:
            continue
        found = _one_address(name, raw)
        if found is None:
            invalid.append(raw[:80])
            continue
        out.append(found)
    return tuple(out), tuple(invalid)


@functools.lru_cache(maxsize=65536)
def _one_address(name: str, raw: str) -> Address | None:
    """(address, name), cached: a mailbox names the same few hundred people again and again."""
    addr = messaging.address(raw)
    return None if addr is None else (addr, messaging.display_name(name, addr))


def _split_addresses(value: str) -> list[tuple[str, str]]:
    """(name, address) pairs: a fast path for the usual `"Name" <a@b>, c@d` forms, and
    email.utils.getaddresses for the rest (comments, groups, escapes)."""
    if not _UNUSUAL.search(value):
        pairs = []
        for part in _COMMA.split(value):
            part = part.strip()
            if not part:
                continue
            if m := _NAMED.match(part):
                pairs.append((m.group(1) or m.group(2) or "", m.group(3).strip()))
            elif _BARE.match(part):
                pairs.append(("", part))
            else:
                break
        else:
            return pairs
    return getaddresses([value])


def _date(
    value: str | None,
    where: str,
    line: int | None,
    fallback_of: Callable[[], dt.datetime | None],
    reader: _Reader,
) -> dt.datetime | None:
    problem = "no Date header"
    if value is not None:
        if (fast := _plain_date(value)) is not None:
            return fast
        try:
            return messaging.utc_naive(parsedate_to_datetime(value))
        except (TypeError, ValueError, OverflowError, IndexError):
            problem = f"unreadable Date {value.strip()[:60]!r}"
    fallback = fallback_of()
    if fallback is not None:
        reader.issue(where, f"{problem}: used {fallback:%Y-%m-%d %H:%M} instead", False, line)
        return fallback
    reader.issue(where, f"{problem}; skipped", line=line)
    return None


_PLAIN_DATE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"([+-])(\d{2})(\d{2})(?: \([A-Za-z0-9 +-]*\))?\s*"
)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip


def _plain_date(value: str) -> dt.datetime | None:
    """The usual `Mon, 14 May 2001 16:39:00 -0700 (PDT)` in naive UTC, without the
    stdlib's general parser; None for anything else (which parsedate_to_datetime reads).
    The same datetime as that parser gives (a hypothesis test compares them)."""
    m = _PLAIN_DATE.fullmatch(value)
    if m is None or (month := _MONTHS.get(m.group(2).lower())) is None:
        return None
    day, _mon, year, hh, mm, ss, sign, oh, om = m.groups()
    if (sign == "-" and oh == "00" and om == "00") or oh >= "24" or year < "0100":
        return None  # -0000 (no zone known), odd offsets, two-digit years: the stdlib's rules
    try:
        local = dt.datetime(int(year), month, int(day), int(hh), int(mm), int(ss))
    except ValueError:
        return None
    offset = dt.timedelta(hours=int(oh), minutes=int(om))
    try:
        return local - offset if sign == "+" else local + offset
    except OverflowError:
        return None


def _msgid(value: str | None) -> str | None:
    if not value:
        return None
    if m := _MSGID.search(value):
        return m.group(1)
    v = value.strip()
    return v if v and " " not in v else None


# --- from messages to records --------------------------------------------------------------


def _result(
    messages: list[_Message],
    reader: _Reader,
    options: ImportOptions,
    source: str,
    sides: dict[str, str | None] | None = None,
) -> ParseResult:
    me = _me(messages, reader, options)
    sides = {} if sides is None else sides
    sides.update((m.message_id, _side(m, me)) for m in messages if m.message_id)
    # Read: those kept so far and those already left out with a reason (newsletters...).
    result = ParseResult(items=len(messages) + reader.skipped.total(), item="message")
    people: dict[str, PersonRecord] = {}
    keys: set[str] = set()
    for m in messages:
        others = _others(m, me)
        if not others:
            mine = [a in me for a, _ in m.recipients]
            alone = m.sender[0] in me and bool(mine) and all(mine)
            reader.skipped["only to yourself" if alone else "nobody else in it"] += 1
            continue
        if m.key in keys:
            reader.skipped["a copy of a message already read (same Message-ID)"] += 1
            continue
        keys.add(m.key)
        for addr, name in others:
            rec = people.get(addr)
            if rec is None:
                people[addr] = PersonRecord(
                    source=source, source_key=addr, name=name, emails=[(addr, None)]
                )
            elif name and not rec.name:
                rec.name = name
        result.interactions.append(
            InteractionRecord(
                source=source,
                source_key=m.key,
                occurred_at=m.when,
                kind="email",
                line=m.line,
                initiated_by=_initiated_by(m, me, sides),
                participants=[a for a, _ in others],
            )
        )
    result.people = list(people.values())
    result.issues = reader.issues
    result.issues.extend(messaging.skip_summary(reader.file, "message", reader.skipped, options))
    if reader.invalid:
        total = sum(reader.invalid.values())
        examples = ", ".join(repr(a) for a, _ in reader.invalid.most_common(3))
        result.issues.append(
            ParseIssue(
                reader.file,
                None,
                f"left out {total} {'address that is' if total == 1 else 'addresses that are'}"
                f" not a valid email address (e.g. {examples})",
            )
        )
    return result


def _me(messages: list[_Message], reader: _Reader, options: ImportOptions) -> frozenset[str]:
    """Your addresses: --me, else the one address standing out (with a note saying so)."""
    me = messaging.my_addresses(options)
    if not me and messages:
        counts: Counter[str] = Counter()
        for m in messages:
            counts.update({a for a, _ in [m.sender, *m.recipients]})
        me, note = messaging.guess_me(counts, len(messages), reader.file)
        reader.issues.append(note)
    return me


def _side(m: _Message, me: frozenset[str]) -> str | None:
    if not me:
        return None
    return "me" if m.sender[0] in me else "them"


def _others(m: _Message, me: frozenset[str]) -> list[Address]:
    """The people in a message besides you (see the module docstring)."""
    if not me:
        everyone = [m.sender, *m.recipients]
    elif m.sender[0] in me:
        everyone = m.recipients
    else:
        everyone = [m.sender]
    seen: dict[str, str | None] = {}
    for addr, name in everyone:
        if addr in me or messaging.is_automated(addr):
            continue
        if addr not in seen or (name and not seen[addr]):
            seen[addr] = name
    return list(seen.items())


def _initiated_by(m: _Message, me: frozenset[str], sides: dict[str, str | None]) -> str | None:
    side = _side(m, me)
    if side is None or m.in_reply_to is None:
        return side
    answered = sides.get(m.in_reply_to)
    return side if answered == side else None
