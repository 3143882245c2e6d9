"""Guess an import's format from the file's name and first lines (`goodwill import x.vcf`).

The content decides first (a .txt holding vCards is vCard); the extension next; a CSV's
layout (LinkedIn, Google, Outlook) is then told apart by the "csv" parser itself.
"""

from __future__ import annotations

from pathlib import Path

from goodwill.errors import ImportFailed

EXTENSIONS: dict[str, str] = {
    ".vcf": "vcard",
    ".vcard": "vcard",
    ".ics": "ics",
    ".ical": "ics",
    ".ifb": "ics",
    ".mbox": "mbox",
    ".mbx": "mbox",
    ".csv": "csv",
}
HEAD_BYTES = 8192


def _head(path: Path) -> str:
    with path.open("rb") as f:
        raw = f.read(HEAD_BYTES)
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _by_content(head: str) -> str | None:
    text = head.lstrip()
    upper = text[:2000].upper()
    if "BEGIN:VCARD" in upper:
        return "vcard"
    if "BEGIN:VCALENDAR" in upper:
        return "ics"
    if text.startswith("From "):
        return "mbox"
    if text.startswith(("{", "[")):
        if '"goodwill-backup"' in text:
            return "json"
        if any(f'"{key}"' in text for key in ("friends_v2", "friends", "received_requests_v2")):
            return "facebook"
    return None


def guess(path: Path) -> str:
    """The format name of this file or folder; a clear error when it cannot be told."""
    if path.is_dir():
        if any((path / name).is_file() for name in ("Connections.csv", "messages.csv")):
            return "linkedin"
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return "maildir"
        raise ImportFailed(
            f"{path} is a folder but neither a LinkedIn export (Connections.csv) nor a Maildir "
            "(cur/ and new/); name the format: goodwill import FORMAT PATH"
        )
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist")
    found = _by_content(_head(path)) or EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise ImportFailed(
            f"cannot tell the format of {path.name} from its name or first lines; "
            "name it: goodwill import vcard|linkedin|facebook|google|outlook|csv|ics|mbox|"
            "maildir|json PATH"
        )
    return found
