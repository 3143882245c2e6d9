"""doctor: the database and the sync sources, at a glance."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat

if TYPE_CHECKING:
    from goodwill.schemas.sync_mail import DoctorReport


def _when(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "never"


def _render(report: DoctorReport) -> None:
    from goodwill.cli.output import console

    out = console()
    state_of = "up to date" if report.up_to_date else f"needs migration to {report.head}"
    out.print(f"database: {report.database} ({report.backend})")
    out.print(f"schema: revision {report.revision or 'none'}, {state_of}")
    out.print(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report.counts.items()))
    if not report.sources:
        out.print("sync sources: none yet (see docs/capture.md)")
        return
    from rich.table import Table

    table = Table(header_style="bold")
    for col in ("kind", "location", "last sync", "last error"):
        table.add_column(col, overflow="fold")
    for s in report.sources:
        error = ""
        if s.last_error:
            error = f"{_when(s.last_error_at)}: {s.last_error}"
            if s.failing:
                error = f"FAILING since {_when(s.failing_since)}; {error}"
            elif s.recovered:
                error = f"{error} (synced fine since)"
        table.add_row(s.kind, s.location, _when(s.last_ok_at), error)
    out.print(table)


def doctor(fmt: FormatOption = OutputFormat.table) -> None:
    """The database (address with its password masked, schema revision, how much is in
    it) and every sync source: when it last synced and its last error."""
    from goodwill.cli.output import emit, print_json, to_jsonable
    from goodwill.views import doctor as checks

    with state.session() as s:
        report = checks.report(s)
    if fmt is OutputFormat.json:
        print_json(to_jsonable(report))
    elif fmt is OutputFormat.csv:
        from goodwill.schemas.sync_mail import SyncSourceOut

        emit(report.sources, fmt, list(SyncSourceOut.model_fields))
    else:
        _render(report)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
