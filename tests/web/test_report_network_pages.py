"""Report (figures, charts, the HTML report to download) and Network (the map's data)."""

from __future__ import annotations

import datetime as dt
import json
import re

from goodwill.records import interactions, people
from goodwill.report import network, reports
from goodwill.scoring import strength
from goodwill.store.db import Store
from goodwill.store.models import Knows, Person
from tests.web.helpers import NOW, Web


def test_report_page(web: Web, store: Store, team: dict[str, int]) -> None:
    r = web.get("/report?weeks=13")
    assert r.status_code == 200 and 'href="/report" class="active"' in r.text
    with store.session() as s:
        figs = reports.figures(s, weeks=13, today=NOW.date())
    assert f"{figs.start.isoformat()} to {figs.end.isoformat()}" in r.text
    t = figs.totals
    assert re.search(
        rf'stat-value">{t.interactions}</span><span class="stat-label">interactions', r.text
    )
    for name in reports.CHARTS:
        assert f'src="/report/charts/{name}.svg?weeks=13"' in r.text
        assert f'srcset="/report/charts/{name}.svg?weeks=13&amp;narrow=1"' in r.text
    assert 'href="/report/full?weeks=13&amp;download=1"' in r.text


def test_report_charts_are_svg_drawn_narrow_for_a_phone(web: Web, team: dict[str, int]) -> None:
    wide = web.get("/report/charts/contacts.svg?weeks=26")
    narrow = web.get("/report/charts/contacts.svg?weeks=26&narrow=1")
    assert wide.headers["content-type"].startswith("image/svg+xml")

    def width_pt(svg: bytes) -> float:
        found = re.search(rb'<svg[^>]* width="([\d.]+)pt"', svg)
        assert found
        return float(found.group(1))

    # At 390 px the narrow chart is shown near its own size (its text stays 9-10 pt);
    # the wide one would be shrunk to a third.
    assert width_pt(narrow.content) <= 4.2 * 72 + 1 < width_pt(wide.content)
    assert web.get("/report/charts/nope.svg").status_code == 400


def test_report_chart_and_download(web: Web, team: dict[str, int]) -> None:
    png = web.get("/report/charts/exchanges.png?weeks=4")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert web.get("/report/charts/nope.png").status_code == 400
    full = web.get("/report/full?weeks=4&download=1")
    assert full.status_code == 200
    assert full.headers["content-disposition"] == (
        'attachment; filename="goodwill-report-2025-03-14.html"'
    )
    assert "data:image/png;base64," in full.text and "<script" not in full.text


def test_report_bad_period(web: Web) -> None:
    r = web.get("/report?weeks=0")
    assert r.status_code == 422 and "weeks" in r.text
    assert web.get("/api/report?weeks=600").status_code == 422


def test_report_api(web: Web, team: dict[str, int]) -> None:
    body = web.get("/api/report?weeks=8").json()
    assert body["weeks"] == 8 and body["totals"]["interactions"] == 2


def test_network_map(store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        m = network.network_map(s, NOW, limit=3)
        scores = strength.scores(s, NOW)
    strongest = sorted(scores, key=lambda pid: (-scores[pid], pid))[:3]
    assert [n.id for n in m.nodes] == strongest == [team["dana"], team["lee"], team["ana"]]
    assert m.people == 4
    by_id = {n.id: n for n in m.nodes}
    assert by_id[team["dana"]].organization == "Acme"
    assert by_id[team["lee"]].organization == "Globex"
    assert m.clusters == ["Acme"]  # Dana and Ana (no tie yet, but on the map by id order)
    assert by_id[team["dana"]].cluster == 0 and by_id[team["lee"]].cluster == -1
    assert [(e.a_id, e.b_id, e.how) for e in m.edges] == [(team["dana"], team["lee"], "employer")]


def test_network_clusters_by_organisation(store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        ana = people.resolve(s, "Ana Souza")
        interactions.log(s, [ana], "call", when=NOW - dt.timedelta(days=2), now=NOW)
        m = network.network_map(s, NOW, limit=10)
    assert m.clusters == ["Acme"]  # Dana and Ana; Globex has one person on the map
    acme = {n.id for n in m.nodes if n.cluster == 0}
    assert acme == {team["dana"], team["ana"]}
    assert all(n.cluster == -1 for n in m.nodes if n.id not in acme)


def test_network_page(web: Web, store: Store, team: dict[str, int]) -> None:
    with store.session() as s:
        s.add(Knows(a_id=team["ana"], b_id=team["bo"], how="manual"))
    r = web.get("/network?size=100")
    assert r.status_code == 200 and 'href="/network" class="active"' in r.text
    match = re.search(r'<script type="application/json" id="network-data">(.*?)</script>', r.text)
    assert match
    data = json.loads(match.group(1))
    people_nodes = [n for n in data["nodes"] if "href" in n]
    assert {n["href"] for n in people_nodes} == {f"/people/{i}" for i in team.values()}
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])
    assert len(data["edges"]) == 2
    assert "<script>" not in r.text and "/static/graph.js" in r.text


def test_network_limits(web: Web, store: Store) -> None:
    assert "No one on the map yet" in web.get("/network").text
    assert web.get("/network?size=0").status_code == 422
    assert web.get("/network?size=5000").status_code == 422
    assert web.get("/api/network?size=2").json()["nodes"] == []


def test_the_maps_edges_are_those_among_its_people_read_by_one_side(store: Store) -> None:
    """Every knows-edge between two people shown, none with someone not shown; on SQLite
    read by seeking each shown person's edges, not by probing every pair of the two
    lists (12 ms at 300 people)."""
    with store.session() as s:
        crowd = [people.add(s, f"Person {i}") for i in range(12)]
        s.flush()
        ids = [p.id for p in crowd]
        pairs = {(ids[i], ids[(i * 5 + 3) % 12]) for i in range(12)} - {(a, a) for a in ids}
        for a, b in sorted(pairs):
            s.add(Knows(a_id=a, b_id=b, how="colleague", confidence=0.5))
        for i in range(6):  # everyone on the map: all have a tie
            interactions.log(s, [crowd[i]], "call", when=NOW - dt.timedelta(days=i + 1), now=NOW)
        s.flush()
        m = network.network_map(s, NOW, limit=6)
        shown = {n.id for n in m.nodes}
        assert {(e.a_id, e.b_id) for e in m.edges} == {
            (a, b) for a, b in pairs if a in shown and b in shown
        }
        assert m.edges  # the example has edges among the six
        if s.get_bind().dialect.name == "sqlite":
            sql = str(
                network._EDGES_AMONG.params(ids=sorted(shown)).compile(
                    dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}
                )
            )
            plan = " ".join(
                str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
            assert "(a_id=?)" in plan and "b_id=?" not in plan, plan


def test_network_page_says_how_many_people_the_map_leaves_out(web: Web, store: Store) -> None:
    with store.session() as s:
        s.add_all(Person(display_name=f"Person {i}") for i in range(1_200))
    r = web.get("/network?size=100")
    assert r.status_code == 200
    assert "Your 100 strongest ties of 1,200 people" in r.text
