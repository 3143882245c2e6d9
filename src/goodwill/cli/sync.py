"""sync mail IMAP_URL: capture your mail as it happens (headers only, incrementally)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat

if TYPE_CHECKING:
    from goodwill.schemas.sync_mail import MailSyncReport

sync_app = typer.Typer(
    help="Keep goodwill in step with the outside: your mail by IMAP.",
    no_args_is_help=True,
)


def _render(report: MailSyncReport) -> None:
    from goodwill.cli.output import console

    out = console()
    again = " (UIDVALIDITY changed: read the folder again)" if report.rescanned else ""
    if not report.fetched:
        out.print(f"{report.location}: nothing new{again}")
    else:
        out.print(
            f"{report.location}: fetched the headers of {report.fetched} messages{again}; "
            f"people {report.created} created, {report.updated} updated, {report.merged} "
            f"merged, {report.unchanged} unchanged; interactions "
            f"{report.interactions_created} created, {report.interactions_unchanged} unchanged"
        )
    for issue in report.issues:
        out.print(f"  {issue.message}")


@sync_app.command("mail")
def mail(
    url: Annotated[
        str,
        typer.Argument(
            metavar="IMAP_URL",
            help="imaps://USER@HOST[:PORT]/FOLDER (one folder; run it again for Sent).",
        ),
    ],
    me: Annotated[
        list[str] | None,
        typer.Option("--me", help="Your own email address (repeatable): gives direction."),
    ] = None,
    subjects: Annotated[
        bool,
        typer.Option("--subjects", help="Also fetch and keep subjects (left out by default)."),
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help="Read the password from this file's first line "
            "(else GOODWILL_IMAP_PASSWORD, else the system keyring).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fetch the headers of the messages new in an IMAP folder since the last run and
    record them as interactions (bodies are never fetched; safe to run from cron)."""
    from goodwill.cli.output import emit, print_json, to_jsonable
    from goodwill.sync import mail as capture

    options = capture.MailSyncOptions(me=me or [], subjects=subjects, password_file=password_file)
    if sys.stderr.isatty() and fmt is OutputFormat.table:
        from goodwill.cli.transfer import _RichProgress

        with _RichProgress() as bar:
            report = capture.sync(state.store(), url, options, bar)
    else:
        report = capture.sync(state.store(), url, options)
    if fmt is OutputFormat.json:
        print_json(to_jsonable(report))
    elif fmt is OutputFormat.csv:
        emit(report.issues, fmt, ["file", "line", "message", "skipped"])
    else:
        _render(report)


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
