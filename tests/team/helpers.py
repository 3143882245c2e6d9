"""A team database on PostgreSQL for tests: a schema of its own, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.helpers import PG_URL, Result, pg_schema, run_cli


@contextmanager
def pg_schema_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("set GOODWILL_TEST_POSTGRES_URL: team mode runs on PostgreSQL")
    with pg_schema(PG_URL) as url:
        yield url


MARK_NOTE = "MARKER-NOTE-7f3a"
MARK_LEDGER = "MARKER-LEDGER-7f3a"
MARK_NEED = "MARKER-NEED-7f3a"
# A person's card note: written before the team (becomes Ann's) and as Ann after it.
MARK_CARD = "MARKER-CARD-7f3a"
MARK_CARD_LATER = "MARKER-CARDLATER-7f3a"
MARKS_ALL = (MARK_NOTE, MARK_LEDGER, MARK_NEED, MARK_CARD, MARK_CARD_LATER)


def cli(*args: str, stdin: str | None = None) -> Result:
    if stdin is not None:
        import io
        import sys

        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            return run_cli(*args)
        finally:
            sys.stdin = old
    return run_cli(*args)


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def seeded_team() -> None:
    """Ann's private rows from before the team, then the team: Ann (admin) and Sam."""
    ok(cli("person", "add", "Mia Chen", "--email", "mia@zenith.io", "--org", "Zenith",
           "--note", MARK_CARD))  # fmt: skip
    ok(cli("log", "Mia Chen", "--kind", "note", "--summary", MARK_NOTE))
    ok(cli("log", "Mia Chen", "--kind", "coffee", "--gave", "info", "--asked", MARK_LEDGER))
    ok(cli("need", "add", f"a job at Zenith {MARK_NEED}"))
    ok(
        cli(
            "team",
            "init",
            "--name",
            "Ann",
            "--email",
            "ann@x.org",
            "--password-stdin",
            stdin="correct horse\n",
        )
    )
    ok(
        cli(
            "user",
            "add",
            "Sam",
            "--email",
            "sam@x.org",
            "--password-stdin",
            stdin="battery staple\n",
        )
    )
    ok(cli("--user", "Ann", "person", "edit", "Mia Chen", "--note", MARK_CARD_LATER))
