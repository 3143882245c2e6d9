"""A vdir folder: one item per file, named after its UID; what changed since the last look.

Files are compared by size and modification time first (a stat per file, no read), and
read only when those moved; a file whose bytes are the ones we knew is unchanged. Writes go
through a temporary file renamed into place, so vdirsyncer never reads half a card.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from goodwill.errors import GoodwillError


class Refused(GoodwillError):
    """A run refused before it did anything (a mistake in what was asked, not the folder
    failing): not recorded as a failure of the source."""


@dataclass(frozen=True)
class Seen:
    """What a file looked like: its size, its modification time and a digest of its bytes."""

    size: int
    mtime_ns: int
    sha: str


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def filename(uid: str, suffix: str) -> str:
    """A file name for a UID, stable from one run to the next (vdirsyncer's own rule)."""
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", uid.removeprefix("urn:uuid:"))[:120].strip(".")
    if not safe:
        safe = digest(uid.encode())
    return safe + suffix


def open_folder(folder: Path, *, create: bool) -> Path:
    if folder.exists() and not folder.is_dir():
        raise GoodwillError(f"{folder} is a file, not a folder")
    if not folder.exists():
        if not create:
            return folder.absolute()  # a dry run: an empty folder to be
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise GoodwillError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    return folder.resolve()


def scan(folder: Path, suffix: str) -> dict[str, tuple[int, int]]:
    """Every item file in the folder: name -> (size, mtime_ns). Hidden and temporary
    files (vdirsyncer's and ours) are not items."""
    out: dict[str, tuple[int, int]] = {}
    if not folder.exists():
        return out
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not name.lower().endswith(suffix):
                    continue
                if not entry.is_file():
                    continue
                st = entry.stat()
                out[name] = (st.st_size, st.st_mtime_ns)
    except OSError as exc:
        raise GoodwillError(f"cannot read {folder}: {exc.strerror or exc}") from exc
    return out


def read(folder: Path, name: str) -> bytes:
    try:
        return (folder / name).read_bytes()
    except OSError as exc:
        raise GoodwillError(f"cannot read {folder / name}: {exc.strerror or exc}") from exc


def write(folder: Path, name: str, data: bytes) -> Seen:
    """Write a file atomically (a temporary file renamed over it); what it looks like now."""
    path = os.path.join(folder, name)
    tmp = os.path.join(folder, f".{name}.goodwill-tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
            st = os.fstat(fd)  # a rename keeps the time and size
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise GoodwillError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return Seen(st.st_size, st.st_mtime_ns, digest(data))


def remove(folder: Path, name: str) -> None:
    try:
        (folder / name).unlink(missing_ok=True)
    except OSError as exc:
        raise GoodwillError(f"cannot delete {folder / name}: {exc.strerror or exc}") from exc
