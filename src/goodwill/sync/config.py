"""A vdirsyncer configuration to start from: goodwill's two folders paired with a server.

The choices, explained in the file itself and in docs/sync.md:
- `conflict_resolution = "b wins"` on contacts: when a card changed on the phone and in the
  folder between two vdirsyncer runs, the server's (the phone's) card is kept in the folder;
  goodwill then reads it as the phone's edit and does its own three-way merge, keeping
  both values of a field changed on both sides. Nothing is lost: goodwill's value is in
  its database and comes back in the next card it writes.
- `partial_sync = "revert"` is left at its default: it only applies to a read-only side,
  and both sides here are read-write.
- The password is read from a command (`password.fetch`), never written in the file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from goodwill.errors import InvalidInput


def _check_url(url: str, field: str) -> str:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(field, url, "must be an http:// or https:// address of a server")
    if parsed.password:
        raise InvalidInput(field, "(hidden)", "must not hold a password; vdirsyncer asks for it")
    return url.strip()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def vdirsyncer_config(
    carddav: str,
    username: str,
    *,
    caldav: str | None = None,
    contacts: Path,
    calendar: Path,
    status: Path,
    password_command: str | None = None,
) -> str:
    """The text of a vdirsyncer config file with a contacts pair, and a calendar pair when
    `caldav` is given (an address book's URL is not a calendar's: guessing one would make
    `vdirsyncer discover` fail on the calendar, or sync events into the address book)."""
    carddav = _check_url(carddav, "--carddav")
    caldav = _check_url(caldav, "--caldav") if caldav else None
    if not username.strip():
        raise InvalidInput("--username", username, "must not be empty")
    fetch = password_command or f"pass show goodwill/{username.strip()}"
    password = f'password.fetch = ["shell", {_quote(fetch)}]'
    user = _quote(username.strip())
    calendar_pair = (
        _CALENDAR.format(
            calendar=_quote(str(calendar)), caldav=_quote(caldav), user=user, password=password
        )
        if caldav
        else "# ---- calendar: not set up. Run `goodwill sync config` again with --caldav URL\n"
        "# (your calendar's own URL) to add a pair for goodwill's calendar folder.\n"
    )
    return f"""# vdirsyncer configuration written by `goodwill sync config`.
# Run once:   vdirsyncer -c THIS_FILE discover
# Then:       goodwill sync contacts {contacts} && vdirsyncer -c THIS_FILE sync \\
#             && goodwill sync contacts {contacts}
# (and with --caldav, the same with `goodwill sync calendar {calendar}`), e.g. every 15
# minutes from cron.

[general]
status_path = {_quote(str(status))}

# ---- contacts: goodwill's folder <-> your CardDAV address book
[pair goodwill_contacts]
a = "goodwill_contacts_local"
b = "goodwill_contacts_remote"
# One folder, one address book: "from b" discovers the address books on the server and
# makes a sub-folder per book; goodwill wants the cards directly, so set `url` below to
# the address book itself and keep `collections = null`.
collections = null
# A card changed on both sides between two runs: keep the server's (the phone's). goodwill
# reads it back as the phone's edit and merges it field by field with its own (a field
# changed on both sides keeps goodwill's value and shows you the phone's), so nothing is lost.
conflict_resolution = "b wins"

[storage goodwill_contacts_local]
type = "filesystem"
path = {_quote(str(contacts))}
fileext = ".vcf"

[storage goodwill_contacts_remote]
type = "carddav"
url = {_quote(carddav)}
username = {user}
{password}
# partial_sync applies only when a side is read-only (read_only = true): "revert" (the
# default) undoes local changes, "ignore" keeps them locally, "error" stops. Both sides
# are read-write here, so it is left at its default.

{calendar_pair}"""


_CALENDAR = """# ---- calendar: goodwill's folder <-> your CalDAV calendar
[pair goodwill_calendar]
a = "goodwill_calendar_local"
b = "goodwill_calendar_remote"
collections = null
conflict_resolution = "b wins"

[storage goodwill_calendar_local]
type = "filesystem"
path = {calendar}
fileext = ".ics"

[storage goodwill_calendar_remote]
type = "caldav"
url = {caldav}
username = {user}
{password}
"""
