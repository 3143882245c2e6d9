"""The one format of what is kept in the cache folder (`db.cache_folder()`): derived
files, safe to delete, each for one database address.

A file is numpy's `.npz` (a zip of arrays, read with `allow_pickle=False`: reading it runs
no code) holding `meta`, a JSON header (dates as {"$d": ...}, datetimes as {"$t": ...}),
and any number of plain arrays. It is written to a temporary name and moved into place, so
a reader sees a whole file or none; a file that cannot be written is only slower, one that
cannot be read (truncated, another shape, another format) is None: computed afresh.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.store.db import cache_file

FORMAT = 4  # of the header; a file of another format is not read


def path(kind: str, address: str) -> Path:
    """The file of figures of `kind` kept for the database at `address`."""
    return cache_file(kind, address)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot keep {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$t" in obj:
            return dt.datetime.fromisoformat(obj["$t"])
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
    return obj


def write(where: Path, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> bool:
    """Write `meta` and `arrays` to `where`; False when it could not be written."""
    try:
        header = json.dumps({"format": FORMAT, **meta}, default=_encode).encode()
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = where.with_suffix(".tmp.npz")
        named: dict[str, Any] = {"meta": np.frombuffer(header, dtype=np.uint8), **arrays}
        np.savez(tmp, **named)
        os.replace(tmp, where)
    except (OSError, TypeError, ValueError):
        return False
    return True


def read(where: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """(meta, arrays) of the file at `where`, or None."""
    try:
        with np.load(where, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes(), object_hook=_decode)
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                return None
            return meta, {k: data[k] for k in data.files if k != "meta"}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
