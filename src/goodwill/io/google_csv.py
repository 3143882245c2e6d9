"""Google Contacts CSV, both layouts: the current one ("First Name", "E-mail 1 - Label",
"Labels") and the legacy "Google CSV" ("Given Name", "E-mail 1 - Type", "Group
Membership"). Several values in one cell are joined with " ::: "; labels and groups
starting with "* " are Google's own (primary marker, "My Contacts") and are not tags.
Also `parse_any`: a contacts CSV of any known layout, recognised by its header.
"""

from __future__ import annotations

from pathlib import Path

from goodwill.errors import ImportFailed
from goodwill.io import files, linkedin, outlook_csv, tables
from goodwill.io.contact_csv import Layout, parse_file, parse_rows
from goodwill.io.records import ImportOptions, ParseResult

SOURCE = "google"

LAYOUT = Layout(
    name="Google Contacts CSV",
    fields={
        "name": ("Name",),
        "given": ("First Name", "Given Name"),
        "middle": ("Middle Name", "Additional Name"),
        "family": ("Last Name", "Family Name"),
        "prefix": ("Name Prefix",),
        "suffix": ("Name Suffix",),
        "nickname": ("Nickname",),
        "org": ("Organization Name", "Organization 1 - Name"),
        "title": ("Organization Title", "Organization 1 - Title"),
        "birthday": ("Birthday",),
        "notes": ("Notes",),
        "tags": ("Labels", "Group Membership"),
        "city": ("Address 1 - City",),
        "region": ("Address 1 - Region",),
        "country": ("Address 1 - Country",),
    },
    email_columns=(r"e-mail \d+ - value",),
    phone_columns=(r"phone \d+ - value",),
    url_columns=(r"website \d+ - value",),
    list_separator=":::",
)


def is_header(header: list[str]) -> bool:
    low = {h.lower() for h in header}
    numbered = any(h.startswith(("e-mail 1 - ", "phone 1 - ")) for h in low)
    named = bool(low & {"given name", "first name", "name", "family name", "last name"})
    return numbered and named


def parse(path: Path, options: ImportOptions) -> ParseResult:
    return parse_file(
        path,
        options,
        what="a Google Contacts CSV file",
        is_header=is_header,
        missing="no header with 'E-mail 1 - Value' and a name column in its first lines",
        layout=LAYOUT,
        source=SOURCE,
    )


def parse_any(path: Path, options: ImportOptions) -> ParseResult:
    """A contacts CSV in any layout goodwill knows: LinkedIn, Google or Outlook/Thunderbird."""
    text, _ = files.read_text(path, options.limit(), "a CSV file")
    if tables.read(text, lambda h: linkedin._kind(h) is not None) is not None:
        return linkedin.parse_text(text, str(path), options)
    if (found := tables.read(text, is_header)) is not None:
        return parse_rows(str(path), found[0], found[1], LAYOUT, SOURCE)
    if (found := tables.read(text, outlook_csv.is_header)) is not None:
        return parse_rows(str(path), found[0], found[1], outlook_csv.LAYOUT, outlook_csv.SOURCE)
    raise ImportFailed(
        f"{path} is not a contacts CSV goodwill knows (LinkedIn, Google, Outlook or Thunderbird)"
    )
