"""Uploaded files waiting between an import's preview and its confirmation.

The preview saves the upload to a private temp folder and hands the browser an opaque key
(in a form field, never a URL). Only the browser that uploaded it (the same CSRF seed) can
confirm or cancel it; either deletes the file, and so do the next upload after an hour and
the app stopping.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from goodwill.errors import InvalidInput

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # bigger exports go through `goodwill import`
KEEP_SECONDS = 3600
CHUNK = 1024 * 1024


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n // (1024 * 1024)} MB"
    return f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def safe_name(name: str) -> str:
    """A file name fit for a temp folder and for messages ('../x y.vcf' -> 'x_y.vcf')."""
    base = re.sub(r"[^\w.\-]+", "_", Path(name.replace("\\", "/")).name).strip("._")
    return base[:100] or "upload"


@dataclass
class Staged:
    key: str
    owner: str
    name: str  # as the browser named it (sanitised)
    fmt: str
    path: Path
    size: int
    created: float


class Uploads:
    def __init__(self, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.max_bytes = max_bytes
        self._root: Path | None = None  # made on the first upload
        self._items: dict[str, Staged] = {}
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        if self._root is None or not self._root.is_dir():
            self._root = Path(tempfile.mkdtemp(prefix="goodwill-upload-"))
        return self._root

    def stage(self, owner: str, name: str, fmt: str, stream: BinaryIO) -> Staged:
        """Copy an upload to a temp file, refusing it past the size limit or when empty."""
        self.sweep()
        key = secrets.token_urlsafe(24)
        folder = self.root / key
        folder.mkdir(mode=0o700)
        path = folder / safe_name(name)
        size = 0
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    break
                out.write(chunk)
        if size > self.max_bytes or size == 0:
            shutil.rmtree(folder, ignore_errors=True)
            why = (
                f"the file is larger than the {size_text(self.max_bytes)} the web page takes; "
                "import it with 'goodwill import' instead"
                if size
                else "the file is empty: there is nothing to import"
            )
            raise InvalidInput("file", safe_name(name), why)
        item = Staged(key, owner, safe_name(name), fmt, path, size, time.monotonic())
        with self._lock:
            self._items[key] = item
        return item

    def get(self, key: str, owner: str) -> Staged:
        with self._lock:
            item = self._items.get(key)
        if item is None or not secrets.compare_digest(item.owner, owner):
            raise InvalidInput(
                "file", "", "this upload has expired or was already imported; upload it again"
            )
        return item

    def discard(self, key: str) -> None:
        with self._lock:
            item = self._items.pop(key, None)
        if item is not None:
            shutil.rmtree(item.path.parent, ignore_errors=True)

    def sweep(self, now: float | None = None) -> None:
        """Forget uploads never confirmed within the hour."""
        limit = (now if now is not None else time.monotonic()) - KEEP_SECONDS
        with self._lock:
            old = [k for k, v in self._items.items() if v.created < limit]
        for key in old:
            self.discard(key)

    def close(self) -> None:
        with self._lock:
            self._items.clear()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
