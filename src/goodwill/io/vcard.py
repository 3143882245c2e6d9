"""vCard 2.1, 3.0 and 4.0: read cards into PersonRecords, write people back as cards.

The reader is tolerant on purpose, because real address books are not RFC-clean: folded
lines, quoted-printable values with soft line breaks, 2.1 base64 blocks without folding
whitespace, '#' comment lines, lowercase BEGIN:vCard, CHARSET parameters (Shift_JIS,
windows-1252...), UTF-16 files without a byte-order mark, and truncated cards. Each card is
cut out of the file with its line number first, so a broken card is reported and skipped
while the others import. vobject (the reference reader) drops quoted-printable
continuation lines and refuses some of these files, so it serves as the independent
check of what we write (see tests), not as the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from goodwill.errors import ImportFailed
from goodwill.io import files
from goodwill.io.records import ImportOptions, ParseIssue, ParseResult, PersonRecord
from goodwill.safe_text import has_controls

SOURCE = "vcard"
_PROP = re.compile(r"^(?:([A-Za-z0-9_-]+)\.)?([A-Za-z][A-Za-z0-9_-]*)\s*([;:])")
_TEXT_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}
# Properties goodwill understands; everything else is kept in the original card.
MANAGED = frozenset(
    {"FN", "N", "NICKNAME", "EMAIL", "TEL", "URL", "ORG", "TITLE", "NOTE", "CATEGORIES", "BDAY"}
)


@dataclass
class Prop:
    group: str | None
    name: str
    params: dict[str, list[str]]
    value: str  # quoted-printable and charset decoded; text escapes still in place
    line: int
    legacy: bool = False  # decoded from an 8-bit legacy charset


@dataclass
class Card:
    line: int
    raw: str
    props: list[Prop] = field(default_factory=list)
    version: str = "3.0"

    @property
    def legacy(self) -> bool:
        return any(p.legacy for p in self.props)

    def all(self, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name]

    def first(self, name: str) -> Prop | None:
        found = self.all(name)
        return found[0] if found else None


# ---------------------------------------------------------------- low-level reading


def split_cards(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Cards as (first line number, lines), and problems as (line, message).

    A card cut short (no END:VCARD) still yields what it holds, with a problem noted.
    """
    cards: list[tuple[int, list[str]]] = []
    problems: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        key = line.strip().upper()
        if key == "BEGIN:VCARD":
            if current is not None:
                problems.append((start, "card has no END:VCARD before the next card"))
                cards.append((start, current))
            current, start = [line], number
        elif key == "END:VCARD" and current is not None:
            current.append(line)
            cards.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        problems.append((start, "card has no END:VCARD (the file is truncated)"))
        cards.append((start, current))
    return cards, problems


def _params_split(text: str) -> list[str]:
    """Split a parameter list on ';' outside double quotes."""
    if '"' not in text:  # nothing quoted (nearly always): every ';' splits
        return text.split(";")
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _split_name_value(rest: str) -> tuple[str, str]:
    """The parameter part and the value of a content line (after the property name)."""
    before, colon, after = rest.partition(":")
    if colon and '"' not in before:  # no quote before the first colon: that colon splits
        return before, after
    quoted = False
    for i, ch in enumerate(rest):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return rest[:i], rest[i + 1 :]
    return rest, ""


def _parse_params(text: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for item in _params_split(text):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            key, _, val = item.partition("=")
            split = re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', val) if '"' in val else val.split(",")
            values = [v.strip().strip('"') for v in split]
        else:  # vCard 2.1 bare parameter: TEL;WORK;VOICE, PHOTO;JPEG, ...;QUOTED-PRINTABLE
            upper = item.upper()
            if upper in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"):
                key, values = "ENCODING", [item]
            else:
                key, values = "TYPE", [item]
        key = key.strip().upper()
        if key == "TYPE":
            values = [v.lower() for x in values for v in x.split(",") if v]
        params.setdefault(key, []).extend(values)
    return params


def _unfold(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """Logical content lines with their line numbers: folding, QP soft breaks, 2.1 blocks.

    Each logical line is kept as a list of pieces joined once at its end, and its head
    (name and parameters) is looked at once, so a line folded a million times (a PHOTO)
    costs linear time.
    """
    out: list[tuple[int, str]] = []
    pieces: list[str] = []  # of the logical line being built (out[-1] once joined)
    number0 = 0
    head: list[str] = []  # the text before its first colon, while no colon was seen
    colon = False
    qp = False  # its head says QUOTED-PRINTABLE

    def close() -> None:
        if pieces:
            out.append((number0, "".join(pieces)))

    def add(piece: str) -> None:
        nonlocal colon, qp
        if not piece:
            return
        pieces.append(piece)
        if not colon:
            before, sep, _ = piece.partition(":")
            head.append(before)
            if sep:
                colon = True
                qp = "QUOTED-PRINTABLE" in "".join(head).upper()

    for offset, line in enumerate(lines):
        number = first_line + offset
        qp_soft = bool(pieces) and qp and pieces[-1].endswith("=")
        if pieces and qp_soft:
            pieces[-1] = pieces[-1][:-1]
            if not pieces[-1]:
                pieces.pop()
            add(line.lstrip(" \t"))
        elif pieces and line[:1] in (" ", "\t"):
            add(line[1:])
        elif not line.strip():
            continue
        elif _PROP.match(line):
            close()
            pieces, number0, head, colon, qp = [], number, [], False, False
            add(line)
        elif line.startswith("#"):
            continue  # comment lines some phones write
        elif pieces:
            add(line.strip())  # 2.1 base64 / broken wrap
    close()
    return out


def _decode_text(raw: bytes, charset: str | None) -> tuple[str, bool]:
    """Bytes of a value in its declared charset; else UTF-8; else windows-1252."""
    if charset:
        try:
            name = charset.strip().lower()
            legacy = name.replace("-", "").replace("_", "") not in ("utf8", "usascii", "ascii")
            return raw.decode(name), legacy and not raw.isascii()
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), True


def _parse_prop(number: int, line: str, eight_bit: bool) -> Prop | None:
    m = _PROP.match(line)
    if not m:
        return None
    group, name = m.group(1), m.group(2).upper()
    rest = line[m.end(2) :]
    param_text, value = _split_name_value(rest[1:] if rest.startswith(";") else rest)
    if rest.startswith(":"):
        param_text, value = "", rest[1:]
    params = _parse_params(param_text)
    encoding = (params.get("ENCODING") or [""])[0].upper()
    charset = params["CHARSET"][0] if params.get("CHARSET") else None
    legacy = False
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(value.encode("latin-1" if eight_bit else "utf-8", "replace"))
        value, legacy = _decode_text(raw, charset)
    elif eight_bit and not value.isascii():
        value, legacy = _decode_text(value.encode("latin-1"), charset)
    return Prop(group.lower() if group else None, name, params, value, number, legacy)


def read_card(raw_lines: list[str], first_line: int, eight_bit: bool = False) -> Card:
    logical = _unfold(raw_lines, first_line)
    card = Card(line=first_line, raw="\r\n".join(raw_lines) + "\r\n")
    for number, line in logical:
        prop = _parse_prop(number, line, eight_bit)
        if prop is None or prop.name in ("BEGIN", "END"):
            continue
        if prop.name == "VERSION":
            card.version = prop.value.strip()
            continue
        card.props.append(prop)
    return card


# ---------------------------------------------------------------- values


def unescape(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _TEXT_ESCAPES.get(m.group(1), m.group(1)), text)


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped with a backslash, then unescape each part."""
    if "\\" not in text:  # nothing escaped: every `sep` splits
        return [unescape(p).strip() for p in text.split(sep)]
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [unescape(p).strip() for p in parts]


def _text(prop: Prop | None) -> str | None:
    if prop is None:
        return None
    value = unescape(prop.value).strip()
    return value or None


def _label(prop: Prop) -> str | None:
    types = [
        t for t in prop.params.get("TYPE", []) if t not in ("internet", "pref", "voice", "x400")
    ]
    return types[0][:40] if types else None


_BDAY_FORMATS = ("%Y-%m-%d", "%Y%m%d")


def parse_bday(value: str) -> dt.date | None:
    v = value.strip()
    v = v.split("T", 1)[0] if len(v) > 10 and "T" in v else v
    for fmt in _BDAY_FORMATS:
        try:
            return dt.datetime.strptime(v[:10] if fmt == "%Y-%m-%d" else v[:8], fmt).date()
        except ValueError:
            continue
    return None


def _tel(prop: Prop) -> str | None:
    value = unescape(prop.value).strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    value = value.split(";ext=", 1)[0].strip(" ;,")
    return value or None


def _location(card: Card) -> str | None:
    for prop in card.all("ADR"):
        parts = split_escaped(prop.value, ";") + [""] * 7
        city, region, country = parts[3], parts[4], parts[6]
        place = ", ".join(x.replace("\n", " ") for x in (city, region, country) if x)
        if place:
            return place[:200]
    return None


def _source_key(card: Card, name: str, emails: Iterable[str], phones: Iterable[str]) -> str:
    uid = _text(card.first("UID"))
    if uid:
        return uid[:500]
    basis = "|".join([name, *sorted(emails), *sorted(phones)])
    return "sha1:" + hashlib.sha1(basis.encode()).hexdigest()


def to_record(card: Card) -> PersonRecord | None:
    """The person a card describes, or None when it names nobody."""
    props: dict[str, list[Prop]] = {}  # by name, read once (a card is asked a dozen times)
    for prop in card.props:
        props.setdefault(prop.name, []).append(prop)
    no: list[Prop] = []

    def first(name: str) -> Prop | None:
        found = props.get(name)
        return found[0] if found else None

    n_prop = first("N")
    parts = (split_escaped(n_prop.value, ";") if n_prop else []) + [""] * 5
    family, given, middle, prefix, suffix = (p.replace("\n", " ") or None for p in parts[:5])
    name = _text(first("FN"))
    org_prop = first("ORG")
    org = split_escaped(org_prop.value, ";")[0] or None if org_prop else None
    emails = []
    for prop in props.get("EMAIL", no):
        address = unescape(prop.value).strip()
        if address:
            emails.append((address, _label(prop)))
    phones = [(t, _label(p)) for p in props.get("TEL", no) if (t := _tel(p))]
    links: list[tuple[str, str]] = []
    for prop in props.get("URL", no) + props.get("X-SOCIALPROFILE", no):
        url = unescape(prop.value).strip()
        if url:
            kind = "linkedin" if "linkedin.com/" in url.lower() else "web"
            links.append((kind, url))
    nick_prop = first("NICKNAME")
    nickname = split_escaped(nick_prop.value, ",")[0] or None if nick_prop else None
    tags = [t for p in props.get("CATEGORIES", no) for t in split_escaped(p.value, ",") if t]
    notes = [t for p in props.get("NOTE", no) if (t := _text(p))]
    bday = first("BDAY")
    if not name:
        name = " ".join(x for x in (prefix, given, middle, family, suffix) if x) or None
    if not (name or emails or phones or org or nickname):
        return None
    return PersonRecord(
        source=SOURCE,
        source_key=_source_key(
            card, name or org or "", [e for e, _ in emails], [p for p, _ in phones]
        ),
        line=card.line,
        name=name,
        given_name=given,
        middle_name=middle,
        family_name=family,
        prefix=prefix,
        suffix=suffix,
        nickname=nickname,
        emails=emails,
        phones=phones,
        links=links,
        org=org,
        title=_text(first("TITLE")),
        location=_location(card),
        birthday=parse_bday(bday.value) if bday else None,
        tags=tags,
        notes="\n".join(notes) or None,
        raw=card.raw,
    )


def parse_text(text: str, name: str, *, eight_bit: bool = False) -> ParseResult:
    """Every card of a file's text; problems become issues with their line numbers."""
    result = ParseResult()
    cards, problems = split_cards(text)
    for line, message in problems:
        result.issues.append(ParseIssue(name, line, message + "; read what it holds", False))
    for first_line, lines in cards:
        try:
            card = read_card(lines, first_line, eight_bit)
            record = to_record(card)
        except Exception as exc:  # a card we cannot read must not stop the others
            result.issues.append(ParseIssue(name, first_line, f"unreadable card: {exc}"))
            continue
        if record is None:
            result.issues.append(
                ParseIssue(name, first_line, "card names nobody (no FN, N, EMAIL, TEL or ORG)")
            )
            continue
        result.people.append(record)
    return result


def parse(path: Path, options: ImportOptions) -> ParseResult:
    text, encoding = files.read_text(path, options.limit(), "a vCard file", legacy="latin-1")
    if not re.search(r"^\s*BEGIN:VCARD\s*$", text, re.IGNORECASE | re.MULTILINE):
        raise ImportFailed(f"{path} is not a vCard file (it has no BEGIN:VCARD line)")
    eight_bit = encoding == "latin-1"
    result = parse_text(text, str(path), eight_bit=eight_bit)
    # Escapes decode to newlines and punctuation only; quoted-printable and legacy
    # charsets could decode to anything: without those, a file without a control
    # character gives none (a carriage return only ends lines: no value keeps one).
    result.clean = (
        not eight_bit
        and not has_controls(text.replace("\r", ""))
        and re.search("QUOTED-PRINTABLE", text, re.IGNORECASE) is None
    )
    return result


def parse_raw(raw: str) -> Card | None:
    """A stored original card, read again (for export)."""
    cards, _ = split_cards(raw)
    if not cards:
        return None
    eight_bit = (
        not raw.isascii() and any(0x80 <= ord(c) <= 0xFF for c in raw) and _looks_latin1(raw)
    )
    return read_card(cards[0][1], cards[0][0], eight_bit)


def _looks_latin1(text: str) -> bool:
    """Stored cards from legacy-charset files keep their bytes as latin-1 characters."""
    return all(ord(c) <= 0xFF for c in text)


# ---------------------------------------------------------------- writing


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 6350 3.2), never inside a UTF-8 sequence."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def prop_line(prop: Prop) -> str:
    """A kept property of an original card, written as vCard 3.0."""
    params = []
    for key, values in prop.params.items():
        if key == "CHARSET":
            continue
        if key == "ENCODING":
            enc = values[0].upper()
            if enc in ("BASE64", "B"):
                params.append("ENCODING=b")
            continue
        quoted = [f'"{v}"' if re.search(r"[;:,]", v) else v for v in values]
        params.append(f"{key}={','.join(quoted)}")
    encoding = (prop.params.get("ENCODING") or [""])[0].upper()
    value = prop.value
    if encoding in ("BASE64", "B"):
        value = re.sub(r"\s+", "", value)  # 2.1 blocks span lines; 3.0 folds them
    elif encoding == "QUOTED-PRINTABLE" or prop.legacy:
        value = value.replace("\r\n", "\n").replace("\n", "\\n")
    name = f"{prop.group}.{prop.name}" if prop.group else prop.name
    head = ";".join([name, *params])
    return fold(f"{head}:{value}")
