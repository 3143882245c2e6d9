"""What routes share: the store, the renderer, the clock, the memo."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import anyio.to_thread
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.requests import Request

from goodwill.store.db import Store
from goodwill.web.memo import Memo
from goodwill.web.per_person import PerPerson
from goodwill.web.render import Renderer

T = TypeVar("T")


def store(request: Request) -> Store:
    s: Store = request.app.state.store
    return s


def render(request: Request) -> Renderer:
    r: Renderer = request.app.state.render
    return r


def now(request: Request) -> dt.datetime:
    value: dt.datetime = request.app.state.clock()
    return value


def minute(request: Request) -> dt.datetime:
    """Now, to the minute: the time the list's badges and flags are computed as of, so that
    a minute of requests can share them (tie strength and cadence count whole days)."""
    return now(request).replace(second=0, microsecond=0)


def cached(request: Request, key: Hashable, compute: Callable[[Session], T]) -> T:
    """A figure computed once per version of the data (web/memo.py)."""
    if request.app.state.team:
        return _own(request, compute, key)
    m: Memo = request.app.state.memo
    return m.get(key, compute)


# A team's figures kept per member: (member, key) -> (version, value), the latest few.
TEAM_KEPT = 512


def _own(request: Request, compute: Callable[[Session], T], key: Hashable = None) -> T:
    # A team's figures are each member's (the policy reads as the member of the request):
    # computed in the request's own context, never in another thread or process, and kept
    # under the member's key for the version of the data they were computed at (the
    # change log's, which moves with any member's write), never shown to another member.
    viewer = getattr(request.state, "viewer", None)
    if key is None or viewer is None:
        with store(request).session() as s:
            return compute(s)
    app = request.app.state
    if getattr(app, "team_memo", None) is None:
        app.team_memo = ({}, threading.Lock())
    kept, lock = app.team_memo
    version = app.memo.versions.current()  # before computing: a write meanwhile recomputes
    entry = (viewer.member_id, key)
    with lock:
        hit = kept.get(entry)
    if hit is not None and hit[0] == version:
        value: T = hit[1]
        return value
    with store(request).session() as s:
        value = compute(s)
    with lock:
        kept.pop(entry, None)
        kept[entry] = (version, value)
        while len(kept) > TEAM_KEPT:
            kept.pop(next(iter(kept)))
    return value


async def cached_async(request: Request, key: Hashable, compute: Callable[[Session], T]) -> T:
    """`cached` for a page that runs on the event loop (`async def`): waiting for another
    request's run holds no worker thread; a run of its own goes to one."""
    if request.app.state.team:
        return await anyio.to_thread.run_sync(_own, request, compute, key)
    m: Memo = request.app.state.memo
    return await m.aget(key, compute)


def per_person(
    request: Request,
    key: Hashable,
    ids: Sequence[int],
    compute: Callable[[Session, list[int]], Mapping[int, T]],
    whole: Callable[[Session], Mapping[int, T]] | None = None,
    *,
    rows: bool = False,
) -> dict[int, T]:
    """Figures of these people under `key` (what, and the period they are for), each kept
    until a change concerns that person (web/per_person.py; `rows`: by the rule for list
    rows); `compute(session, ids)` computes those missing, for them only;
    `whole(session)`, when given, everyone's at once in a thread of the app's, the first
    time `key` is asked for."""
    if request.app.state.team:
        wanted = list(ids)
        return dict(_own(request, lambda s: compute(s, wanted), ("per-person", key, tuple(wanted))))
    book: PerPerson = request.app.state.per_person
    return book.get(key, ids, compute, whole, rows=rows)


class InThread(APIRoute):
    """A route whose plain (sync) endpoint runs in a worker thread and whose answer is
    validated and serialised on the event loop: one wait for a worker thread instead of
    two (FastAPI otherwise validates a sync endpoint's return value in another thread,
    queueing again behind the pages when the server is busy)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _threaded(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _threaded(endpoint: Callable[..., T]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(endpoint, *args, **kwargs))

    return run
