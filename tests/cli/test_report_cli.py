"""`goodwill report`: one self-contained HTML file, PNG charts, figures as JSON."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.helpers import Result

PNG = b"\x89PNG\r\n\x1a\n"


def _history(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Ann Lee", "--email", "ann@example.com").code == 0
    assert cli("log", "Ann", "--kind", "coffee", "--date", "2024-03-04", "--gave", "info").code == 0
    assert cli("log", "Ann", "--kind", "call", "--date", "2024-03-05", "--got", "advice").code == 0
    assert cli("lead", "add", "PM at <Acme> & Co", "--from", "Ann").code == 0


def test_report_json_html_and_charts(cli: Callable[..., Result], tmp_path: Path) -> None:
    _history(cli)
    r = cli("report", "--weeks", "2", "--as-of", "2024-03-13", "--format", "json")
    assert r.code == 0, r.err
    figs = json.loads(r.out)
    assert (figs["start"], figs["end"]) == ("2024-03-04", "2024-03-13")
    assert figs["totals"]["days_networked"] == 2
    assert (figs["totals"]["gave"], figs["totals"]["got"]) == (1, 1)
    assert [w["interactions"] for w in figs["weekly"]] == [2, 0]

    out = tmp_path / "progress.html"
    charts = tmp_path / "charts"
    r = cli("report", "--weeks", "2", "--as-of", "2024-03-13", "-o", out, "--charts", charts)
    assert r.code == 0, r.err
    assert r.out.startswith("2024-03-04 to 2024-03-13: networked 2 of 10 days")
    assert f"report written to {out}" in r.err
    html = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 5
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    # Self-contained: nothing fetched from elsewhere, no script; user text is escaped.
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "<script" not in html
    assert "PM at &lt;Acme&gt; &amp; Co" in html
    names = sorted(p.name for p in charts.iterdir())
    assert names == [
        "report-contacts.png",
        "report-exchanges.png",
        "report-leads.png",
        "report-networked.png",
        "report-pipeline.png",
    ]
    assert all((charts / n).read_bytes().startswith(PNG) for n in names)


def test_report_bad_input(cli: Callable[..., Result], tmp_path: Path) -> None:
    r = cli("report", "--weeks", "0", "--format", "json")
    assert (r.code, r.err) == (1, "error: invalid weeks 0: choose between 1 and 520\n")
    r = cli("report", "-o", tmp_path / "missing" / "r.html", "--format", "json")
    assert r.code == 1 and "cannot be written" in r.err
