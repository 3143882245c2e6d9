"""Today: the daily session from the agenda; done, snooze and skip in place."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from goodwill.records import interactions, people
from goodwill.store.db import Store
from goodwill.store.models import ActionState, Interaction
from tests.web.helpers import NOW, Web


def owed(store: Store) -> dict[str, int]:
    """Two people who gave you help and got no thank-you: two thank-you actions."""
    with store.session() as s:
        a = people.add(s, "Mia Torres", emails=["mia@example.com"], circle="active")
        b = people.add(s, "Sam Ortiz", emails=["sam@example.com"], circle="active")
        for who in (a, b):
            interactions.log(
                s, [who], "call", when=NOW - dt.timedelta(days=2), got=["help"], now=NOW
            )
        return {"mia": a.id, "sam": b.id}


def action_ids(html: str) -> list[str]:
    return re.findall(r'name="action" value="([^"]+)"', html)


def test_today_lists_actions_with_reason_and_draft(web: Web, store: Store) -> None:
    ids = owed(store)
    r = web.get("/")
    assert r.status_code == 200
    found = action_ids(r.text)
    assert {f"thank_you:p{ids['mia']}", f"thank_you:p{ids['sam']}"} <= {
        a.rsplit(":", 1)[0] for a in found
    }
    assert "Friday 14 March 2025" in r.text
    assert "no thank-you logged" in r.text and "Hi Mia," in r.text
    assert re.search(r"\d+ of 20 minutes planned", r.text)
    assert 'data-copy="draft-1"' in r.text


def test_minutes_choose_the_budget(web: Web, store: Store) -> None:
    owed(store)
    assert re.search(r"\d+ of 45 minutes planned", web.get("/?minutes=45").text)
    assert web.get("/?minutes=0").status_code == 422


def test_done_in_place_logs_the_thanks(web: Web, store: Store) -> None:
    ids = owed(store)
    html = web.get("/").text
    first = next(a for a in action_ids(html) if a.startswith(f"thank_you:p{ids['mia']}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    r = web.post(
        "/today/act",
        data={"csrf_token": token, "action": first, "op": "done", "note": "Sent thanks"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "Done: logged" in r.text and "Mia Torres" in r.text
    assert 'id="today-stats" class="stats" hx-swap-oob="true"' in r.text
    assert re.search(r'stat-value">1</span><span class="stat-label">done today', r.text)
    with store.session() as s:
        state = s.get(ActionState, first)
        assert state is not None and state.status == "done"
        last = s.scalar(select(Interaction).order_by(Interaction.id.desc()).limit(1))
        assert last is not None and last.summary == "Sent thanks"
    assert first not in action_ids(web.get("/").text)


def test_snooze_and_skip(web: Web, store: Store) -> None:
    owed(store)
    found = action_ids(web.get("/").text)
    r = web.form("/today/act", {"action": found[0], "op": "snooze", "until": "2025-03-20"})
    assert r.status_code == 303
    r = web.form("/today/act", {"action": found[1], "op": "skip"}, headers={"HX-Request": "true"})
    assert "Skipped" in r.text
    with store.session() as s:
        states = {a.key: (a.status, a.until) for a in s.scalars(select(ActionState))}
    assert states[found[0]] == ("snoozed", dt.date(2025, 3, 20))
    assert states[found[1]][0] == "skipped"
    assert not set(found[:2]) & set(action_ids(web.get("/").text))


def test_bad_actions_are_reported_in_place_and_write_nothing(web: Web, store: Store) -> None:
    owed(store)
    r = web.form("/today/act", {"action": "nonsense", "op": "done"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "not an action id" in r.text
    r = web.form("/today/act", {"action": "thank_you:p1:i999", "op": "done"})
    assert r.status_code == 400 and "no action" in r.text
    found = action_ids(web.get("/").text)
    r = web.form(
        "/today/act",
        {"action": found[0], "op": "snooze", "until": "whenever"},
        headers={"HX-Request": "true"},
    )
    assert "not a date" in r.text
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ActionState)) == 0


def test_today_follows_changes_made_elsewhere(web: Web, store: Store) -> None:
    """The page is computed once per day and data: a change from the command line (or an
    import) shows on the next visit all the same."""
    ids = owed(store)
    before = {a.rsplit(":", 1)[0] for a in action_ids(web.get("/").text)}
    assert f"thank_you:p{ids['sam']}" in before
    assert before == {a.rsplit(":", 1)[0] for a in action_ids(web.get("/").text)}
    with store.session() as s:  # thanked outside the web app
        sam = people.resolve(s, "sam@example.com")
        interactions.log(
            s, [sam], "email", when=NOW - dt.timedelta(hours=1), gave=["thanks"], now=NOW
        )
    after = {a.rsplit(":", 1)[0] for a in action_ids(web.get("/").text)}
    assert f"thank_you:p{ids['sam']}" not in after
    assert f"thank_you:p{ids['mia']}" in after
