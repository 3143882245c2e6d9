"""The import/export commands and `person merge --suggest`, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from goodwill.io import facebook
from tests.conftest import DATA, Result

FRIENDS = (
    '{"friends_v2": [\n'
    '  {"name": "Jos\\u00c3\\u00a9 Mar\\u00c3\\u00ada", "timestamp": 1514764800},\n'
    '  {"name": "Zo\\u00c3\\u00ab Ng", "timestamp": 1609459200},\n'
    '  {"timestamp": 1}\n'
    "]}\n"
)


def test_facebook_mojibake_is_repaired_and_timestamps_are_dates(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "your_friends.json").write_text(FRIENDS)
    r = cli("import", "facebook", tmp_path / "your_friends.json", "--format", "json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["created"] == 2
    assert [(i["line"], i["skipped"]) for i in report["issues"]] == [(4, True)]
    shown = json.loads(cli("person", "show", "José María", "--format", "json").out)
    assert shown["met_on"] == "2018-01-01" and shown["how_met"] == "Friends on Facebook"


def test_repair_leaves_correct_text_alone() -> None:
    assert facebook.repair("José") == "José" and facebook.repair("JosÃ©") == "José"


def test_import_report_table_and_suggestions(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("person", "add", "Tim Howes", "--org", "Other Corp").code == 0
    r = cli("import", "vcard", DATA / "realworld" / "ezvcard_rfc2426-example.vcf")
    assert r.code == 0, r.err
    assert "2 created" in r.out and "1 suggested" in r.out and "person merge --suggest" in r.out
    rows = json.loads(cli("person", "merge", "--suggest", "--format", "json").out)
    assert [(x["a_name"], x["b_name"]) for x in rows] == [("Tim Howes", "Tim Howes")]
    assert "another organisation" in rows[0]["reason"]
    r = cli("person", "merge", str(rows[0]["a_id"]), str(rows[0]["b_id"]))
    assert r.code == 0, r.err
    assert json.loads(cli("person", "merge", "--suggest", "--format", "json").out) == []


def test_dry_run_says_so_and_writes_nothing(cli: Callable[..., Result]) -> None:
    r = cli(
        "import", "linkedin", DATA / "realworld" / "tekjobs_linkedin_Connections.csv", "--dry-run"
    )
    assert r.code == 0 and "would import" in r.out and "dry run: nothing was written" in r.out
    assert json.loads(cli("person", "list", "--format", "json").out) == []


def test_export_csv_to_stdout_and_vcard_to_a_file(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert (
        cli("person", "add", "Dana Kim", "--email", "dana@example.com", "--org", "Acme").code == 0
    )
    r = cli("export", "csv")
    assert r.code == 0 and r.out.splitlines()[1].startswith("Dana Kim,Dana,,Kim,")
    r = cli("export", "vcard", "-o", tmp_path / "all.vcf")
    assert r.code == 0 and "wrote" in r.err
    assert "EMAIL;TYPE=internet:dana@example.com" in (tmp_path / "all.vcf").read_text()


def test_export_refuses_unknown_format_and_misplaced_vdir(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    r = cli("export", "palm")
    assert r.code == 1 and "choose one of vcard, csv, json, ics" in r.err
    r = cli("export", "csv", "--vdir", tmp_path)
    assert r.code == 1 and "only applies to 'export vcard'" in r.err


def test_merge_without_two_people_is_a_clear_error(cli: Callable[..., Result]) -> None:
    r = cli("person", "merge", "someone")
    assert r.code == 1 and "name the person to keep and the duplicate" in r.err
