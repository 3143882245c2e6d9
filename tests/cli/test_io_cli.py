"""The import/export commands and `person merge --suggest | --dismiss`, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from goodwill.io import facebook
from tests.helpers import DATA, Result

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


TIM_AT_OTHER_CORP = "BEGIN:VCARD\nVERSION:3.0\nFN:Tim Howes\nORG:Other Corp\nEND:VCARD\n"


def test_a_dismissed_suggestion_is_never_suggested_again(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert cli("person", "add", "Tim Howes", "--org", "Other Corp").code == 0
    assert cli("import", "vcard", DATA / "realworld" / "ezvcard_rfc2426-example.vcf").code == 0
    table = cli("person", "merge", "--suggest")
    assert "merge --dismiss ID" in table.err
    [row] = json.loads(cli("person", "merge", "--suggest", "--format", "json").out)
    assert f"│ {row['id']} " in table.out  # the id to dismiss is shown
    r = cli("person", "merge", "--dismiss", str(row["id"]))
    assert r.code == 0, r.err
    assert r.err == (
        f"dismissed suggestion #{row['id']}: Tim Howes (#{row['a_id']}) and "
        f"Tim Howes (#{row['b_id']}) are two people\n"
    )
    assert cli("person", "merge", "--suggest").out == "no possible duplicates\n"
    # Another card for the Other Corp Tim merges into him and would suggest the pair again.
    (tmp_path / "tim.vcf").write_text(TIM_AT_OTHER_CORP)
    report = json.loads(cli("import", "vcard", tmp_path / "tim.vcf", "--format", "json").out)
    assert (report["merged"], report["suggested"]) == (1, 0)
    assert json.loads(cli("person", "merge", "--suggest", "--format", "json").out) == []
    r = cli("person", "merge", "--dismiss", str(row["id"]))
    assert (r.code, r.err) == (
        1,
        f"error: invalid merge suggestion '#{row['id']}': is already dismissed\n",
    )


def test_dismissing_an_unknown_or_merged_suggestion_is_a_clear_error(
    cli: Callable[..., Result],
) -> None:
    assert cli("person", "add", "Tim Howes", "--org", "Other Corp").code == 0
    assert cli("import", "vcard", DATA / "realworld" / "ezvcard_rfc2426-example.vcf").code == 0
    [row] = json.loads(cli("person", "merge", "--suggest", "--format", "json").out)
    assert cli("person", "merge", str(row["a_id"]), str(row["b_id"])).code == 0
    for ref in (str(row["id"]), "999", "99999999999"):
        r = cli("person", "merge", "--dismiss", ref)
        assert r.code == 1 and r.err.startswith(f"error: no merge suggestion #{ref}; see ")
    r = cli("person", "merge", "--suggest", "--dismiss", "1")
    assert r.code == 2 and "--suggest or --dismiss N: one of them" in r.err
    assert cli("person", "merge", "--dismiss", "first").code == 2


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
