"""What the calendar and mailbox parsers share: who you are, who the others are, and when.

Both formats name people by email address. An address that is not a valid email address
(validate.email), an automated sender (no-reply, mailer-daemon...) or one of your own
addresses (`--me`) never becomes a person. Times are stored naive in UTC.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from email.header import decode_header, make_header

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.io.records import ImportOptions, ParseIssue

# Local parts of addresses that send automatically: nobody to keep in touch with.
_AUTOMATED = re.compile(
    r"(?:^|[-+_.])(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply)(?:[-+_.]|$)"
    r"|^(?:mailer[-_.]?daemon|postmaster|bounces?|notifications?|notify)(?:[-+_.].*)?$",
    re.IGNORECASE,
)
_LAST_FIRST = re.compile(r"^\s*([^,]+?)\s*,\s*([^,]+?)\s*$")
# A key longer than this is hashed so it fits interaction.source_key (500 characters).
MAX_KEY = 400


def address(value: str | None) -> str | None:
    """The normalised address in `value` (a bare address or mailto: URI), or None."""
    if not value:
        return None
    v = value.strip()
    if v.lower().startswith("mailto:"):
        v = v[7:].strip()
    try:
        return validate.email(v)
    except InvalidInput:
        return None


def my_addresses(options: ImportOptions) -> frozenset[str]:
    """Your addresses from --me, normalised; an invalid one is an error naming it."""
    return frozenset(validate.email(a, "me") for a in options.me)


def is_automated(addr: str) -> bool:
    """True for senders nobody writes back to: no-reply, mailer-daemon, notifications..."""
    return bool(_AUTOMATED.search(addr.partition("@")[0]))


def display_name(raw: str | None, addr: str) -> str | None:
    """A person's name as a header or CN gives it: MIME words decoded, quotes removed,
    'Last, First' turned around; None when it is empty or only repeats an address."""
    if not raw:
        return None
    name = raw
    if "=?" in name:
        with contextlib.suppress(LookupError, UnicodeError, ValueError, AssertionError):
            name = str(make_header(decode_header(name)))
    # Surrogate escapes stand for undecodable 8-bit bytes: drop them.
    name = name.encode("utf-8", "ignore").decode("utf-8")
    name = " ".join(name.replace("\\", "").strip(" \t\"'<>").split())
    if not name or "@" in name or name.lower() == addr:
        return None
    if m := _LAST_FIRST.match(name):
        name = f"{m.group(2)} {m.group(1)}"
    return name[:200]


def now_utc(options: ImportOptions) -> dt.datetime:
    """The present as a naive UTC datetime (a naive --now is taken as UTC)."""
    if options.now is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return utc_naive(options.now)


def utc_naive(value: dt.datetime) -> dt.datetime:
    """A datetime in naive UTC; a naive one is kept as it is (floating time)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=None)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def guess_me(counts: Counter[str], total: int, file: str) -> tuple[frozenset[str], ParseIssue]:
    """Without --me: the one address in most items (at least half of them) is yours.

    A mailbox or calendar export belongs to one person, whose address is in nearly
    every message or meeting. When no single address stands out, nobody is taken as
    you and every address becomes a person; the issue says which way it went.
    """
    top = counts.most_common(2)
    if total >= 2 and top and top[0][1] * 2 >= total and (len(top) == 1 or top[1][1] < top[0][1]):
        who = top[0][0]
        return frozenset({who}), ParseIssue(
            file,
            None,
            f"no --me given: took {who} as your address (it is in {top[0][1]} of {total}); "
            "pass --me to say otherwise",
            skipped=False,
        )
    return frozenset(), ParseIssue(
        file,
        None,
        "no --me given and no address stands out as yours: everyone, you included, is "
        "imported as a participant and no direction is set; pass --me EMAIL",
        skipped=False,
    )


def skip_summary(
    file: str, what: str, reasons: Counter[str], options: ImportOptions
) -> list[ParseIssue]:
    """One issue per reason for leaving items out ('skipped 12 messages: mailing list').

    These are choices, not problems: with --strict (which stops at the first problem)
    they are not reported, so that a mailbox with newsletters in it can still be imported.
    """
    if options.strict:
        return []
    return [
        ParseIssue(file, None, f"skipped {n} {what}{'' if n == 1 else 's'}: {reason}")
        for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def unique_first(values: Iterable[str]) -> list[str]:
    """The values in their first order, each once."""
    return list(dict.fromkeys(values))
