"""People list (search, filters, paging, bulk tag) and a person's page (timeline, edit)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from goodwill.records import interactions, people
from goodwill.scoring import cadence
from goodwill.store.db import Store
from goodwill.store.models import Person
from goodwill.views import people_list, person_page
from goodwill.web import figures
from goodwill.web.routes import people_pages
from tests.web.helpers import NOW, Web


def names(html: str) -> list[str]:
    return re.findall(r'<span class="name">([^<]+)</span>', html)


def test_list_is_alphabetical_with_details(web: Web, team: dict[str, int]) -> None:
    r = web.get("/people")
    assert r.status_code == 200
    assert names(r.text) == ["Ana Souza", "Bo Chen", "Dana Kim", "Lee Park"]
    assert "4 people" in r.text
    assert "Staff Engineer" in r.text and "3 days ago" in r.text


def test_search_as_you_type_returns_the_results_fragment(web: Web, team: dict[str, int]) -> None:
    r = web.get("/people?q=glob", headers={"HX-Request": "true", "HX-Target": "results"})
    assert r.status_code == 200
    assert names(r.text) == ["Lee Park"]
    assert "<html" not in r.text and "1 person" in r.text
    full = web.get("/people?q=acme")
    assert "<html" in full.text and sorted(names(full.text)) == ["Ana Souza", "Dana Kim"]
    assert 'value="acme"' in full.text  # the search box keeps what was typed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("circle=close", ["Dana Kim"]),
        ("tag=mentor", ["Dana Kim", "Lee Park"]),
        ("org=Acme", ["Ana Souza", "Dana Kim"]),
        ("org=Acme&circle=wider", ["Ana Souza"]),
        ("q=acme&tag=mentor", ["Dana Kim"]),
    ],
)
def test_filters(web: Web, team: dict[str, int], query: str, expected: list[str]) -> None:
    assert names(web.get("/people?" + query).text) == expected


def test_unknown_filter_values_are_shown_beside_the_field(web: Web, team: dict[str, int]) -> None:
    r = web.get("/people?org=Initech")
    assert r.status_code == 400
    assert re.search(r'id="org-error">no organisation matches &#39;Initech&#39;', r.text)
    assert 'value="Initech"' in r.text
    r = web.get("/people?circle=bestie")
    assert r.status_code == 400
    assert 'id="circle-error">Choose one of close, active, network, wider.' in r.text


_NAMES = {"dana": "Dana Kim", "lee": "Lee Park", "ana": "Ana Souza", "bo": "Bo Chen"}


def test_paging(web: Web, team: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(people_pages, "PAGE_SIZE", 3)
    first = web.get("/people")
    assert names(first.text) == ["Ana Souza", "Bo Chen", "Dana Kim"]
    assert "page 1 of 2" in first.text and 'href="/people?page=2"' in first.text
    second = web.get("/people?page=2")
    assert names(second.text) == ["Lee Park"]
    assert 'href="/people?page=1"' in second.text
    assert names(web.get("/people?tag=mentor&page=2").text) == []


def test_the_due_list_pages_and_counts_in_name_order(
    web: Web, store: Store, team: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The due filter pages its people itself (in the list's order); with another filter
    the database does."""
    from tests.web.helpers import NOW

    with store.session() as s:
        for key in ("dana", "lee", "bo"):  # a cadence of a day or two: all overdue
            person = s.get(Person, team[key])
            assert person is not None
            cadence.set_person(s, person, ideal_days=1, max_days=2)
    with store.session() as s:
        due = {
            st.person_id
            for st in cadence.statuses(s, NOW.date(), states=(cadence.DUE, cadence.OVERDUE))
        }
    expected = sorted((n for k, n in _NAMES.items() if team[k] in due), key=str.lower)
    assert len(expected) >= 2, "the fixture's network should have people due"
    monkeypatch.setattr(people_pages, "PAGE_SIZE", 1)
    pages = [web.get(f"/people?due=1&page={i}") for i in range(1, len(expected) + 1)]
    assert [names(p.text) for p in pages] == [[n] for n in expected]
    assert f"page 1 of {len(expected)}" in pages[0].text
    mentors = [n for n in expected if n in ("Dana Kim", "Lee Park")]
    assert mentors == ["Dana Kim", "Lee Park"]  # both overdue: the filter has work to do
    monkeypatch.setattr(people_pages, "PAGE_SIZE", 50)
    assert names(web.get("/people?due=1&tag=mentor").text) == mentors


def test_search_pages_filter_first_and_summarise_the_page_only(
    web: Web, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search ranks, the filters apply to the ranked hits, the count covers every match, and
    only the page shown is summarised (not every hit)."""
    with store.session() as s:
        for i in range(7):
            p = people.add(s, f"Robin Vale{i}", org="Vale Works", circle="active")
            if i % 2 == 0:
                people.add_tags(s, p, ["ops"])
        people.add(s, "Robin Other", org="Elsewhere")
    monkeypatch.setattr(people_pages, "PAGE_SIZE", 2)
    built: list[int] = []
    summaries = people_list.summaries

    def counting(*args: object, **kwargs: object) -> list[object]:
        rows = summaries(*args, **kwargs)  # type: ignore[arg-type]
        built.append(len(rows))
        return rows  # type: ignore[return-value]

    monkeypatch.setattr(people_list, "summaries", counting)
    everyone = names(web.get("/people?q=robin").text)
    assert len(everyone) == 2 and built == [2]
    tagged = [names(web.get(f"/people?q=robin&tag=ops&page={n}").text) for n in (1, 2, 3)]
    assert sorted(n for page in tagged for n in page) == [f"Robin Vale{i}" for i in (0, 2, 4, 6)]
    assert [len(page) for page in tagged] == [2, 2, 0]
    assert "4 people · page 1 of 2" in web.get("/people?q=robin&tag=ops").text
    api = web.get("/api/people?q=robin&org=Vale%20Works&limit=3&offset=6").json()
    assert len(api) == 1 and api[0]["name"].startswith("Robin Vale")
    with store.session() as s:
        by_name = {name: pid for name, pid in s.execute(select(Person.display_name, Person.id))}
        robins = [pid for name, pid in by_name.items() if name.startswith("Robin")]
        ops = {by_name[f"Robin Vale{i}"] for i in (0, 2, 4, 6)}
        assert people_list.matching_ids(s, robins, tag="ops") == ops
        assert people_list.matching_ids(s, robins, org="Elsewhere") == {by_name["Robin Other"]}
        assert people_list.matching_ids(s, [], tag="ops") == set()


def test_bulk_tag(web: Web, store: Store, team: dict[str, int]) -> None:
    r = web.form(
        "/people/tag",
        {"ids": [team["ana"], team["bo"]], "tag": "Climbing", "q": "", "circle": ""},
        page="/people",
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/people?tagged=2&as=climbing"
    assert "Tagged 2 people “climbing”." in web.get(r.headers["location"]).text
    assert names(web.get("/people?tag=climbing").text) == ["Ana Souza", "Bo Chen"]


def test_bulk_tag_without_people_or_tag_writes_nothing(
    web: Web, store: Store, team: dict[str, int]
) -> None:
    r = web.form("/people/tag", {"tag": "x"}, page="/people")
    assert r.status_code == 400 and "tick at least one person" in r.text
    r = web.form("/people/tag", {"ids": [team["ana"]], "tag": "  "}, page="/people")
    assert r.status_code == 400 and "must not be empty" in r.text
    with store.session() as s:
        assert people_list.summaries(s, ids=[team["ana"]])[0].tags == []


def test_person_page(web: Web, team: dict[str, int]) -> None:
    r = web.get(f"/people/{team['dana']}")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Dana Kim" in html and "Staff Engineer at Acme" in html
    assert "Talked about platform teams" in html and "Demo day" in html
    assert html.index("Talked about platform teams") < html.index("Demo day")  # newest first
    assert "↗ info" in html and "↙ advice" in html
    assert f'href="/people/{team["lee"]}"' in html and "employer" in html  # knows
    assert "dana@example.com" in html and "Lisbon" in html


def test_person_by_name_or_email_redirects_to_the_bookmarkable_page(
    web: Web, team: dict[str, int]
) -> None:
    for ref in ("Dana Kim", "dana@example.com"):
        r = web.get(f"/people/{ref}")
        assert r.status_code == 307 and r.headers["location"] == f"/people/{team['dana']}"


def test_unknown_person_is_a_friendly_404(web: Web, team: dict[str, int]) -> None:
    r = web.get("/people/9999")
    assert r.status_code == 404
    assert "no person matches &#39;9999&#39;" in r.text and "Go to your people" in r.text
    r = web.get("/people/Zed Nobody")
    assert r.status_code == 404


def test_removed_person_page_says_so(web: Web, store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        people.remove(s, s.get(Person, team["bo"]))  # type: ignore[arg-type]
    r = web.get(f"/people/{team['bo']}")
    assert r.status_code == 404 and "was removed on" in r.text


def edit_values(web: Web, pid: int) -> dict[str, str]:
    html = web.get(f"/people/{pid}/edit").text
    values = dict(re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', html))
    values["circle"] = re.search(r'<option value="(\w+)" selected', html).group(1)  # type: ignore[union-attr]
    return values


def test_edit_in_place(web: Web, store: Store, team: dict[str, int]) -> None:
    values = edit_values(web, team["dana"])
    assert values["name"] == "Dana Kim" and values["org"] == "Acme"
    values.update(location="Porto", tags="mentor, climbing", working_on="A book", cadence="21")
    r = web.form(f"/people/{team['dana']}/edit", values, page="/people")
    assert r.status_code == 303 and r.headers["location"] == f"/people/{team['dana']}"
    with store.session() as s:
        d = person_page.detail(s, s.get(Person, team["dana"]))  # type: ignore[arg-type]
    assert (d.location, d.tags, d.working_on, d.cadence_ideal_days) == (
        "Porto",
        ["climbing", "mentor"],
        "A book",
        21,
    )
    assert d.roles[0].organization == "Acme" and len(d.roles) == 1  # untouched fields stay


def test_edit_with_htmx_swaps_the_person_back_in(web: Web, team: dict[str, int]) -> None:
    fragment = web.get(f"/people/{team['lee']}/edit", headers={"HX-Request": "true"}).text
    assert fragment.startswith('<div id="person"') and "<form" in fragment
    values = edit_values(web, team["lee"])
    values.update(org="Initech", title="CTO")
    r = web.form(
        f"/people/{team['lee']}/edit",
        values,
        page="/people",
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert r.text.startswith('<div id="person"') and "Saved." in r.text
    assert "CTO at Initech" in r.text and "edit-form" not in r.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"add_email": "not-an-email"}, "add_email", "Not an email address."),
        ({"add_email": "lee@example.com"}, "add_email", "Already belongs to Lee Park"),
        ({"add_phone": "12"}, "add_phone", "Not a"),
        ({"linkedin": "https://example.com/x"}, "linkedin", "Not a LinkedIn profile address"),
        ({"cadence": "often"}, "cadence", "Must be a whole number of days."),
        ({"cadence": "0"}, "cadence", "Must be a positive number of days."),
        ({"circle": "bestie"}, "circle", "Choose one of close, active, network, wider."),
    ],
)
def test_edit_errors_are_shown_beside_the_field_and_nothing_is_written(
    web: Web, store: Store, team: dict[str, int], change: dict[str, str], field: str, message: str
) -> None:
    values = edit_values(web, team["dana"])
    values.update(location="Somewhere new", **change)
    r = web.form(f"/people/{team['dana']}/edit", values, page="/people")
    assert r.status_code == 400
    assert re.search(rf'id="{field}-error">{re.escape(message)}', r.text), r.text[-3000:]
    assert 'value="Somewhere new"' in r.text  # the input is kept
    with store.session() as s:
        assert s.scalar(select(Person.location).where(Person.id == team["dana"])) == "Lisbon"


def test_edit_unknown_person_is_404(web: Web, team: dict[str, int]) -> None:
    r = web.form("/people/9999/edit", {"name": "X"}, page="/people")
    assert r.status_code == 404


def test_badges_and_ledger_filters_come_from_the_domain(
    web: Web, store: Store, team: dict[str, int]
) -> None:
    from goodwill.scoring import cadence, flags, ledger, strength
    from tests.web.helpers import NOW

    with store.session() as s:
        b = ledger.balances(s, NOW, [team["dana"]])[team["dana"]]
        score = strength.scores(s, NOW, [team["dana"]])[team["dana"]]
        states = (cadence.DUE, cadence.OVERDUE)
        due = {st.person_id for st in cadence.statuses(s, NOW.date(), states=states)}
        flagged = {f.person_id for f in flags.compute(s, NOW) if f.person_id}
    html = web.get("/people?q=dana").text
    assert f"{b.balance:+.1f}</span>" in html and b.gives == 1 and b.gets == 1
    assert f'title="tie strength {score:.2f}"' in html
    ids = {team[k] for k in team}
    assert {n for n in names(web.get("/people?due=1").text)} == {
        n
        for k, n in zip(
            ("dana", "lee", "ana", "bo"),
            ("Dana Kim", "Lee Park", "Ana Souza", "Bo Chen"),
            strict=True,
        )
        if team[k] in due
    }
    assert len(names(web.get("/people?flagged=1").text)) == len(flagged & ids)
    page = web.get(f"/people/{team['dana']}").text
    assert "Relationship" in page and f"{score:.2f}</strong>" in page
    # The strength in words, and the features that moved it most.
    assert "chance of contact" in page and "Why" in page


def test_the_lists_order_is_kept_until_someone_is_added_renamed_or_removed(
    store: Store, team: dict[str, int]
) -> None:
    """`figures.listed_order`, what the due list pages from: the same as reading it afresh
    after every change, and not read again after a change that cannot move it."""

    def kept_and_fresh() -> tuple[list[int], list[int]]:
        with store.session() as s:
            return figures.listed_order(s), people_list.listed_ids(s)

    first, fresh = kept_and_fresh()
    assert first == fresh and len(first) == len(team)
    with store.session() as s:
        interactions.log(s, [people.resolve(s, "Ana Souza")], "call", when=NOW, now=NOW)
    kept, fresh = kept_and_fresh()
    assert kept is first and kept == fresh  # a call moves nobody in the list
    with store.session() as s:
        aaron = people.add(s, "Aaron Early")
        s.flush()
        aaron_id = aaron.id
    kept, fresh = kept_and_fresh()
    assert kept == fresh and len(kept) == len(first) + 1
    with store.session() as s:
        people.edit(s, people.resolve(s, "Aaron Early"), name="Zed Late")
    kept, fresh = kept_and_fresh()
    assert kept == fresh and kept[-1] == aaron_id  # moved to the end by name
    with store.session() as s:
        people.remove(s, people.resolve(s, "Zed Late"))
    kept, fresh = kept_and_fresh()
    assert kept == fresh == first
