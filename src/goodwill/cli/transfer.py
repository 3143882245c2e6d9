"""import FORMAT PATH | export vcard|csv|json|ics: bring your network in, give it back out."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, print_json, to_jsonable

if TYPE_CHECKING:
    from goodwill.schemas.io import ImportReport

IMPORT_FORMATS = "vcard, linkedin, facebook, google, outlook, csv, ics, mbox, maildir or json"


class _RichProgress:
    """A Rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> "_RichProgress":
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(phase, total=total)

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, n)


def _render(report: "ImportReport") -> None:
    from goodwill.cli.output import console

    out = console()
    # A file with events or messages but nobody in them to import says just that.
    out.print(report.note or _counts(report))
    if report.issues:
        from rich.table import Table

        table = Table(header_style="bold")
        for col in ("where", "what"):
            table.add_column(col, overflow="fold")
        for issue in report.issues:
            where = f"{issue.file}:{issue.line}" if issue.line else issue.file
            table.add_row(where, issue.message)
        out.print(table)
    if report.suggested:
        out.print("see possible duplicates with: goodwill person merge --suggest")
    if report.dry_run:
        out.print("dry run: nothing was written")


def _counts(report: "ImportReport") -> str:
    verb = "would import" if report.dry_run else "imported"
    return (
        f"{verb} {report.path} ({report.format}): {report.created} created, "
        f"{report.updated} updated, {report.merged} merged, {report.suggested} suggested, "
        f"{report.unchanged} unchanged, {report.skipped} skipped"
        + (
            f"; interactions: {report.interactions_created} created, "
            f"{report.interactions_unchanged} unchanged"
            if report.interactions_created or report.interactions_unchanged
            else ""
        )
    )


def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="[FORMAT] PATH",
            help=f"One of {IMPORT_FORMATS}; leave it out to guess it from the file.",
        ),
    ],
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="", help="The file (or folder: LinkedIn export, Maildir).", show_default=False
        ),
    ] = None,
    me: Annotated[
        list[str] | None,
        typer.Option(
            "--me", help="Your own email address or profile (repeatable): gives direction."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first malformed record; write nothing.")
    ] = False,
    region: Annotated[
        str | None,
        typer.Option(help="Country code for phone numbers without one, e.g. US, GB, DE."),
    ] = None,
    max_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Refuse files larger than this many megabytes "
            "(default 64; 512 for mbox and maildir, which are read message by message).",
        ),
    ] = None,
    fmt_out: FormatOption = OutputFormat.table,
) -> None:
    """Import people (and interactions) from a file; duplicates are merged or suggested."""
    from goodwill.io import importer
    from goodwill.io.records import ImportOptions

    options = ImportOptions(
        me=me or [],
        region=region,
        strict=strict,
        dry_run=dry_run,
        max_bytes=max_size * 1024 * 1024 if max_size is not None else None,
    )
    if path is None:  # `goodwill import contacts.vcf`: the format follows the file
        from goodwill.io import detect

        path = Path(fmt)
        kind = detect.guess(path)
    else:
        kind = fmt.strip().lower()
    if sys.stderr.isatty() and fmt_out is OutputFormat.table:
        with _RichProgress() as bar:
            report = importer.import_file(state.store(), kind, path, options, bar)
    else:
        report = importer.import_file(state.store(), kind, path, options)
    if fmt_out is OutputFormat.table:
        _render(report)
    elif fmt_out is OutputFormat.json:
        print_json(to_jsonable(report))
    else:
        emit(report.issues, fmt_out, ["file", "line", "message", "skipped"])


def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="vcard, csv, json or ics.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    vdir: Annotated[
        Path | None,
        typer.Option(
            "--vdir", help="vcard only: one .vcf per person in this folder (stable UIDs)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the output file if it already exists.")
    ] = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="csv only: cells exactly as stored. By default a cell a spreadsheet would "
            "run as a formula (= + - @) starts with an apostrophe.",
        ),
    ] = False,
) -> None:
    """Export everyone: vCard (one file or a vdir), CSV (Google Contacts layout), a full JSON
    backup (restore it with 'import json'), or your calendar (ics)."""
    from goodwill.io import export as exporter
    from goodwill.store import private_file

    kind = fmt.strip().lower()
    if output is not None:
        private_file.check(output, force)  # before the work, and again when writing
    with state.session() as s:
        if kind == "vcard" and vdir is not None:
            count = exporter.write_vdir(s, vdir)
            done(f"wrote {count} cards to {vdir}")
            return
        if vdir is not None:
            from goodwill.errors import InvalidInput

            raise InvalidInput("--vdir", str(vdir), "only applies to 'export vcard'")
        data = exporter.export_bytes(s, kind, raw=raw)
    if output is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(
            data.decode("utf-8")
        )
        sys.stdout.flush()
    else:
        private_file.write(output, data, force)
        done(f"wrote {output} ({len(data)} bytes)")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
