"""What routes share: the store, the renderer, the clock."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request

from goodwill.db import Store
from goodwill.web.render import Renderer


def store(request: Request) -> Store:
    s: Store = request.app.state.store
    return s


def render(request: Request) -> Renderer:
    r: Renderer = request.app.state.render
    return r


def now(request: Request) -> dt.datetime:
    value: dt.datetime = request.app.state.clock()
    return value
