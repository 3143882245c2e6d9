"""The quick log form: people chips, kind and exchange chips, errors beside their field."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from goodwill.store.db import Store
from goodwill.store.models import Exchange, Interaction, Request
from goodwill.views import person_page
from tests.web.helpers import NOW, Web


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_form_prefills_the_person_from_their_page(web: Web, team: dict[str, int]) -> None:
    html = web.get(f"/log?person={team['dana']}").text
    assert re.search(
        rf'Dana Kim<input type="hidden" name="person_id" value="{team["dana"]}">', html
    )
    assert 'value="coffee" checked' in html  # the most common kind is preselected
    assert f'value="{NOW.date().isoformat()}"' in html


def test_suggestions_as_you_type(web: Web, team: dict[str, int]) -> None:
    html = web.get("/log/suggest?who=glob").text
    assert f'data-pick-person="{team["lee"]}"' in html and "Globex" in html
    assert "Dana Kim" not in html
    assert "No one matches “zzz”." in web.get("/log/suggest?who=zzz").text
    assert web.get("/log/suggest?who=").text.strip() == ""


def test_log_an_interaction(web: Web, store: Store, team: dict[str, int]) -> None:
    r = web.form(
        "/log",
        {
            "person_id": [team["dana"]],
            "who": "Lee Park",
            "kind": "call",
            "date": "2025-03-10",
            "summary": "Caught up on the reorg",
            "initiated": "them",
            "gave": ["intro", "info"],
            "got": ["thanks"],
            "they_asked": "A referral to Acme",
        },
    )
    assert r.status_code == 303
    location = r.headers["location"]
    new_id = int(location.rsplit("=", 1)[1])
    page = web.get(location).text
    assert "Logged call with Dana Kim, Lee Park on 2025-03-10." in page
    with store.session() as s:
        brief = person_page.interaction_briefs(s, [new_id])[0]
        item = s.get(Interaction, new_id)
        assert item is not None and item.occurred_at == dt.datetime(2025, 3, 10, 12, 0)
        assert s.scalar(select(func.count(Request.id))) == 1
    assert (brief.kind, brief.summary, brief.initiated_by) == (
        "call",
        "Caught up on the reorg",
        "them",
    )
    assert brief.people == ["Dana Kim", "Lee Park"]
    assert sorted(brief.gave) == ["info", "intro"] and brief.got == ["thanks"]
    assert brief.they_asked == ["A referral to Acme"]


def test_today_means_now(web: Web, store: Store, team: dict[str, int]) -> None:
    """A date input of today logs at the current time (noon may still be ahead)."""
    r = web.form("/log", {"person_id": [team["bo"]], "kind": "message", "date": "2025-03-14"})
    assert r.status_code == 303
    with store.session() as s:
        when = s.scalar(select(func.max(Interaction.occurred_at)))
    assert when == NOW


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "coffee"}, "who", "An interaction needs at least one person."),
        ({"who": "Zed Nobody", "kind": "coffee"}, "who", "No person matches"),
        ({"who": "a", "kind": "coffee"}, "who", "matches several people"),
        ({"who": "Bo Chen", "kind": "lunch"}, "kind", "Choose one of coffee, call"),
        ({"who": "Bo Chen", "kind": "call", "date": "2025-04-01"}, "date", "Is in the future"),
        ({"who": "Bo Chen", "kind": "call", "date": "soon"}, "date", "Not a date"),
        ({"who": "Bo Chen", "kind": "call", "gave": ["money"]}, "gave", "Choose one of info"),
        ({"who": "Bo Chen", "kind": "call", "initiated": "boss"}, "initiated", "Choose one of me"),
        ({"who": "Bo Chen", "kind": "call", "follow_up": "someday"}, "follow_up", "Not a date"),
    ],
)
def test_errors_are_shown_beside_the_field_with_the_input_kept(
    web: Web, store: Store, team: dict[str, int], data: dict[str, object], field: str, message: str
) -> None:
    before = (count(store, Interaction), count(store, Exchange))
    r = web.form("/log", {**data, "summary": "Kept summary text"})
    assert r.status_code == 400
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', r.text), r.text[:200]
    assert "Kept summary text</textarea>" in r.text
    assert (count(store, Interaction), count(store, Exchange)) == before


def test_chosen_people_are_kept_after_an_error(web: Web, team: dict[str, int]) -> None:
    r = web.form("/log", {"person_id": [team["dana"]], "kind": "picnic"})
    assert r.status_code == 400
    assert f'name="person_id" value="{team["dana"]}"' in r.text


def test_recent_interactions_are_listed(web: Web, team: dict[str, int]) -> None:
    html = web.get("/log").text
    recent = html[html.index("Recently") :]
    assert recent.index("Dana Kim") < recent.index("Dana Kim, Lee Park")
