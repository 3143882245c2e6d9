"""Reading an input file safely: size, emptiness, binary content and text encoding.

Every parser reads through `read_bytes`/`read_text` so that a 1 GB file, a ZIP archive or
a picture is refused with one clear sentence before anything is parsed or written.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from goodwill.errors import ImportFailed

# Magic numbers of files people pick by mistake, with what to say about them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive: unzip it first and import the file inside"),
    (b"\x1f\x8b", "a gzip archive: decompress it first"),
    (b"%PDF", "a PDF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0", "a Microsoft Office document: save it as CSV first"),
)
_SNIFF = 8192


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def check(path: Path, max_bytes: int) -> int:
    """The file's size, after refusing a missing, empty or too large file (read nothing)."""
    if not path.exists():
        raise ImportFailed(f"{path} does not exist")
    if path.is_dir():
        raise ImportFailed(f"{path} is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise ImportFailed(f"{path} is empty: there is nothing to import")
    if size > max_bytes:
        raise ImportFailed(
            f"{path} is {_size_text(size)}, more than the {_size_text(max_bytes)} an import "
            "reads; split it or raise the limit with --max-size"
        )
    return size


def sniff_binary(path: Path, head: bytes, what: str) -> None:
    """Refuse a file whose first bytes say it is not text."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise ImportFailed(f"{path} is {name}, not {what}")
    if _utf16_order(head) or head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF32_LE)):
        return
    sample = head[:_SNIFF]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if b"\x00" in sample or controls > max(8, len(sample) // 50):
        raise ImportFailed(f"{path} is a binary file, not {what}")


def _utf16_order(head: bytes) -> str | None:
    """utf-16-le/-be when the bytes look like UTF-16 (with or without a byte-order mark)."""
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[: min(len(head), 512) // 2 * 2]
    if len(sample) < 8:
        return None
    even_zero = sum(1 for b in sample[0::2] if b == 0)
    odd_zero = sum(1 for b in sample[1::2] if b == 0)
    half = len(sample) // 2
    if even_zero > half * 0.6 and odd_zero < half * 0.1:
        return "utf-16-be"
    if odd_zero > half * 0.6 and even_zero < half * 0.1:
        return "utf-16-le"
    return None


def read_bytes(path: Path, max_bytes: int, what: str) -> bytes:
    """The whole file, once it passed the size and binary checks."""
    check(path, max_bytes)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
            sniff_binary(path, head, what)
            return head + fh.read()
    except PermissionError as exc:
        raise ImportFailed(f"cannot read {path}: permission denied") from exc
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc


def decode(data: bytes, path: Path, *, legacy: str | None = "cp1252") -> tuple[str, str]:
    """Text and the encoding used: a BOM, UTF-16 without one, UTF-8, then `legacy`.

    `legacy=None` refuses text that is not Unicode; "latin-1" keeps every byte so a caller
    can re-decode parts whose charset it learns later (vCard 2.1 CHARSET parameters).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    order = _utf16_order(data[:1024])
    if order:
        try:
            return data.decode(order).lstrip("\ufeff"), order
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"{path} looks like UTF-16 text but is damaged") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if legacy is None:
            raise ImportFailed(
                f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}); save it as UTF-8 and import it again"
            ) from exc
        try:
            return data.decode(legacy), legacy
        except UnicodeDecodeError as exc2:
            raise ImportFailed(
                f"{path} is neither UTF-8 nor {legacy} text (byte 0x{data[exc2.start]:02x} "
                f"at offset {exc2.start}); save it as UTF-8 and import it again"
            ) from exc2


def read_text(
    path: Path, max_bytes: int, what: str, *, legacy: str | None = "cp1252"
) -> tuple[str, str]:
    data = read_bytes(path, max_bytes, what)
    text, encoding = decode(data, path, legacy=legacy)
    if not text.strip():
        raise ImportFailed(f"{path} holds only blank space: there is nothing to import")
    return text, encoding
