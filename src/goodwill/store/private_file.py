"""Writing a file that holds the user's network: private, whole or not at all.

An export or a report holds the whole private network. It is written to a temporary file
made with mode 0600 in the same folder, flushed to disk (fsync), then renamed over the
target, so a crash leaves the old file or the new one, never half of either, and no other
local user can read it. An existing file or symbolic link is refused unless `force`: a
link is then replaced itself, never followed (a link planted in a shared folder must not
make goodwill write somewhere else).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from goodwill.errors import InvalidInput

PRIVATE_MODE = 0o600


def check(path: Path, force: bool, field: str = "output") -> Path:
    """The target, once it is known to be writable without --force (or forced)."""
    full = path.expanduser()
    if not full.parent.is_dir():
        raise InvalidInput(field, str(path), f"cannot be written (no folder {full.parent})")
    if full.is_dir() and not full.is_symlink():
        raise InvalidInput(field, str(path), "is a folder; name a file")
    if full.is_symlink() and not force:
        why = "is a symbolic link; goodwill does not follow it (--force replaces the link)"
        raise InvalidInput(field, str(path), why)
    if full.exists() and not force:
        raise InvalidInput(field, str(path), "already exists; add --force to replace it")
    return full


def write(path: Path, data: bytes, force: bool = False, field: str = "output") -> None:
    """Write `data` to `path` atomically with mode 0600 (see the module docstring)."""
    full = check(path, force, field)
    fd, tmp = tempfile.mkstemp(dir=full.parent, prefix=f".{full.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, PRIVATE_MODE)  # mkstemp's own mode, said again for clarity
        os.replace(tmp, full)  # replaces a symbolic link itself, never its target
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InvalidInput(field, str(path), f"cannot be written ({exc.strerror or exc})") from exc
    _sync_folder(full.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
