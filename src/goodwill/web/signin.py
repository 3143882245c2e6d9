"""Sign-in sessions and the brake on wrong tokens, for a server started with a token.

- Each sign-in gets a session of its own: a random id (256 bits) in an HttpOnly,
  SameSite=Strict cookie, Secure under TLS. The server keeps only a hash of each id with
  when it was made, so signing out (or the server stopping) revokes it; a session lasts
  at most SESSION_SECONDS, and at most MAX_SESSIONS are kept (the oldest go first).
- Wrong tokens are slowed down per client address: after FREE_FAILURES wrong tries,
  each further one locks that address out for twice as long as the one before (up to
  MAX_LOCK_SECONDS). A locked-out client is answered 429 at once: no worker thread sleeps.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

SESSION_SECONDS = 14 * 24 * 3600
MAX_SESSIONS = 1000
FREE_FAILURES = 5
MAX_LOCK_SECONDS = 15 * 60
MAX_CLIENTS = 10_000  # addresses remembered for the brake; the oldest are forgotten


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The live sign-ins of one running app (kept in memory, by hash)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._made: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._made[_digest(session_id)] = self._clock()
            while len(self._made) > MAX_SESSIONS:
                self._made.popitem(last=False)
        return session_id

    def valid(self, session_id: str | None) -> bool:
        if not session_id or len(session_id) > 100:
            return False
        key = _digest(session_id)
        with self._lock:
            made = self._made.get(key)
            if made is None:
                return False
            if self._clock() - made > SESSION_SECONDS:
                del self._made[key]
                return False
        return True

    def revoke(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._made.pop(_digest(session_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._made)


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0


class Throttle:
    """Wrong tokens per client address, and how long each must wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._clients: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds `client` must still wait before trying a token again (0: go on)."""
        with self._lock:
            record = self._clients.get(client)
            return max(0.0, record.locked_until - self._clock()) if record else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            record = self._clients.pop(client, None) or _Record()
            record.failures += 1
            extra = record.failures - FREE_FAILURES
            if extra > 0:
                record.locked_until = self._clock() + min(2.0 ** (extra - 1), MAX_LOCK_SECONDS)
            self._clients[client] = record  # most recent last
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)
