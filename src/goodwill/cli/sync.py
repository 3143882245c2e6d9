"""sync contacts DIR | sync calendar DIR | sync config | sync events | sync mail IMAP_URL:
goodwill in step with your phone and your mailbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, print_json, to_jsonable

if TYPE_CHECKING:
    from goodwill.schemas.sync import CalendarSyncReport, ContactsSyncReport
    from goodwill.schemas.sync_mail import MailSyncReport

sync_app = typer.Typer(
    help="Keep goodwill in step with the outside: contacts and calendar folders (vdirs), both\n"
    "ways, and your mail by IMAP.",
    no_args_is_help=True,
)


def _print_issues(issues: list[str]) -> None:
    for issue in issues:
        typer.echo(f"  {issue}")


def _contacts_text(r: ContactsSyncReport) -> None:
    would = "would " if r.dry_run else ""
    typer.echo(
        f"{r.folder}: from the folder {r.read} cards read: {r.created} created, "
        f"{r.merged} merged, {r.updated} updated, {r.unchanged} unchanged, "
        f"{r.deleted_on_phone} deleted there, {r.conflicts} conflicts; "
        f"to the folder {would}write {r.written}, {would}delete {r.removed}, "
        f"{r.untouched} untouched"
    )
    _print_issues(r.issues)
    if r.open_events:
        typer.echo(f"{r.open_events} sync events need you: goodwill sync events")
    if r.dry_run:
        typer.echo("dry run: nothing was written")


@sync_app.command("contacts")
def contacts(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The contacts vdir folder.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")
    ] = False,
    circle: Annotated[
        str | None, typer.Option(help="Only people of this circle go to the folder.")
    ] = None,
    tag: Annotated[
        str | None, typer.Option(help="Only people with this tag go to the folder.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Two-way contact sync with a vdir (one vCard per person): cards edited, added or
    deleted in DIR come in through the importer's matcher; people changed in goodwill get a
    new card; everyone else's file is left untouched. Notes and tags never leave."""
    if not (dry_run or circle or tag or state.user()):
        # Nothing changed on either side: answered without loading the store (sync/quick).
        from goodwill.sync import quick

        found = quick.unchanged_contacts(state.address(), folder)
        if found is not None:
            from goodwill.schemas.sync import ContactsSyncReport

            _contacts_out(ContactsSyncReport(**found), fmt)
            return
    from goodwill import validate, vocab
    from goodwill.sync import contacts as sync

    if circle:
        circle = validate.choice(circle, vocab.CIRCLES, "circle")
    report = sync.sync_contacts(
        state.store(), folder, sync.Options(dry_run=dry_run, circle=circle, tag=tag)
    )
    _contacts_out(report, fmt)


def _contacts_out(report: ContactsSyncReport, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.table:
        _contacts_text(report)
    elif fmt is OutputFormat.json:
        print_json(to_jsonable(report))
    else:
        emit([report], fmt, list(type(report).model_fields))


def _calendar_text(r: CalendarSyncReport) -> None:
    would = "would " if r.dry_run else ""
    typer.echo(
        f"{r.folder}: from the folder {r.read} events read: {r.interactions_created} "
        f"meetings logged, {r.interactions_updated} moved, {r.interactions_cancelled} "
        f"cancelled; to the folder {would}write {r.written}, {would}delete {r.removed}, "
        f"{r.untouched} untouched"
    )
    if r.moved_on_phone or r.cancelled_on_phone or r.conflicts or r.open_events:
        typer.echo(
            f"goodwill's events edited on the phone: {r.moved_on_phone} moved, "
            f"{r.cancelled_on_phone} cancelled, {r.conflicts} moved on both sides, "
            f"{r.open_events} to decide in 'goodwill today'"
        )
    _print_issues(r.issues)
    if r.dry_run:
        typer.echo("dry run: nothing was written")


@sync_app.command("calendar")
def calendar(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The calendar vdir folder.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Two-way calendar sync with a vdir (one .ics per event): goodwill writes your
    informational interviews, planned meetings, follow-ups and the daily networking block;
    meetings with attendees in DIR become interactions, moved or cancelled with them."""
    from goodwill.sync import calendar as sync

    report = sync.sync_calendar(state.store(), folder, dry_run=dry_run)
    if fmt is OutputFormat.table:
        _calendar_text(report)
    elif fmt is OutputFormat.json:
        print_json(to_jsonable(report))
    else:
        emit([report], fmt, list(type(report).model_fields))


@sync_app.command("config")
def config(
    carddav: Annotated[
        str, typer.Option("--carddav", metavar="URL", help="Your address book's URL.")
    ],
    username: Annotated[str, typer.Option("--username", help="Your user name on the server.")],
    caldav: Annotated[
        str | None,
        typer.Option(
            "--caldav",
            metavar="URL",
            help="Your calendar's own URL; without it the config has no calendar pair.",
        ),
    ] = None,
    contacts_dir: Annotated[
        Path, typer.Option("--contacts", help="The contacts folder goodwill syncs.")
    ] = Path("~/.local/share/goodwill/contacts"),
    calendar_dir: Annotated[
        Path, typer.Option("--calendar", help="The calendar folder goodwill syncs.")
    ] = Path("~/.local/share/goodwill/calendar"),
    password_command: Annotated[
        str | None,
        typer.Option("--password-command", help="A shell command that prints the password."),
    ] = None,
) -> None:
    """Print a vdirsyncer config (a contacts pair and a calendar pair) to start from."""
    from goodwill.sync.config import vdirsyncer_config

    contacts_path = contacts_dir.expanduser()
    typer.echo(
        vdirsyncer_config(
            carddav,
            username,
            caldav=caldav,
            contacts=contacts_path,
            calendar=calendar_dir.expanduser(),
            status=contacts_path.parent / "vdirsyncer-status",
            password_command=password_command,
        ),
        nl=False,
    )


@sync_app.command("events")
def sync_events(
    everything: Annotated[
        bool, typer.Option("--all", help="Every event (each person's sync history).")
    ] = False,
    close: Annotated[
        int | None,
        typer.Option("--close", metavar="ID", help="Mark an open event as seen."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """What syncs did and what they ask of you: cards deleted on the phone (the person is
    kept) and fields changed on both sides (goodwill's value kept, the phone's shown)."""
    from goodwill.sync import events

    with state.session() as s:
        if close is not None:
            closed = events.close(s, close)
            done(f"closed sync event #{closed.id} ({closed.kind})")
            return
        rows = events.listed(s, everything=everything)
    emit(
        rows,
        fmt,
        ["id", "person", "kind", "field", "ours", "theirs", "status", "at"],
        empty="no open sync events" if not everything else "no sync events",
    )


def _mail_text(report: MailSyncReport) -> None:
    from goodwill.cli.output import console

    out = console()
    # One line each, never wrapped (a cron mail or a log is read and searched line by
    # line; a terminal wraps by itself): the quiet tick (sync/quick_mail) prints the same.
    again = " (UIDVALIDITY changed: read the folder again)" if report.rescanned else ""
    if not report.fetched:
        out.print(f"{report.location}: nothing new{again}", soft_wrap=True)
    else:
        out.print(
            f"{report.location}: fetched the headers of {report.fetched} messages{again}; "
            f"people {report.created} created, {report.updated} updated, {report.merged} "
            f"merged, {report.unchanged} unchanged; interactions "
            f"{report.interactions_created} created, {report.interactions_unchanged} unchanged",
            soft_wrap=True,
        )
    if report.requests_opened or report.requests_withdrawn:
        out.print(
            f"  requests: {report.requests_opened} opened (unanswered messages that asked you "
            f"something), {report.requests_withdrawn} withdrawn (you have answered them)",
            soft_wrap=True,
        )
    for issue in report.issues:
        out.print(f"  {issue.message}", soft_wrap=True)


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
        typer.Option(
            "--subjects",
            help="Also fetch and keep subjects (left out by default); only with them does an "
            "unanswered message whose subject asks something become a request.",
        ),
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
    record them as interactions (bodies are never fetched; safe to run from cron). A run
    with nothing new answers in a fraction of a second (a SQLite database, the password
    from GOODWILL_IMAP_PASSWORD or --password-file)."""
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
        _mail_text(report)


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
