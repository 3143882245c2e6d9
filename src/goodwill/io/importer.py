"""The import pipeline: parse -> match -> write, in one transaction, and the report.

`import_file` owns the transaction: everything is written, or (on any error, on --strict
at the first problem, or on --dry-run after everything ran) nothing is.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from goodwill.errors import GoodwillError, ImportFailed
from goodwill.io import backup, formats, matcher, writer
from goodwill.io.records import (
    ImportOptions,
    InteractionRecord,
    ParseIssue,
    ParseResult,
    PersonRecord,
)
from goodwill.records import people
from goodwill.safe_text import has_controls, strip_controls
from goodwill.schemas.io import ImportIssue, ImportReport
from goodwill.store.db import Store, copy_sqlite, open_store


class Progress(Protocol):
    """What the importer tells a progress display (the CLI draws a Rich bar)."""

    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...


def _strict(issues: list[ParseIssue]) -> None:
    if issues:
        raise ImportFailed(f"{issues[0]} (--strict: stopped, nothing was imported)")


def parse(fmt: str, path: Path, options: ImportOptions) -> ParseResult:
    """Run a format's parser; any failure becomes one clear ImportFailed sentence."""
    parser = formats.PARSERS.get(fmt)
    if parser is None:
        raise ImportFailed(
            f"unknown import format {fmt!r}: choose one of {', '.join(formats.names())}"
        )
    try:
        return parser(path, options)
    except GoodwillError:
        raise
    except RecursionError as exc:
        raise ImportFailed(f"cannot read {path} as {fmt}: it is nested too deeply") from exc
    except Exception as exc:  # a parser bug must not show a traceback or write anything
        raise ImportFailed(f"cannot read {path} as {fmt}: {type(exc).__name__}: {exc}") from exc


def _clean(value: object) -> object:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


def _strip_controls(result: ParseResult) -> None:
    """Control characters (but tab and newline) out of every text an import read: an
    escape sequence in a name must never reach a terminal, nor a NUL byte the database.
    The original text (`raw`, a whole vCard kept for export) stays as it was."""
    if result.clean:
        return
    records: list[PersonRecord | InteractionRecord] = [*result.people, *result.interactions]
    for record in records:
        # One search over the record's texts, joined: almost every record has nothing to
        # strip, and is then left as it is (cleaning it would give it back unchanged). Its
        # `raw` is searched too: a raw text with one goes the whole way below.
        if not has_controls("\n".join(_texts(vars(record)))):
            continue
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if f.name != "raw":
                setattr(record, f.name, _clean(value))
            elif isinstance(value, str):
                setattr(record, f.name, value.replace("\x00", ""))


def _texts(values: dict[str, object]) -> list[str]:
    """Every text in a record's fields, and in the lists and tuples of its lists (a
    deeper nesting gives a NUL, which sends the record the whole way)."""
    out = [v for v in values.values() if isinstance(v, str)]
    for value in values.values():
        if isinstance(value, list | tuple) and value:
            for item in value:
                if isinstance(item, str):
                    out.append(item)
                elif isinstance(item, list | tuple):
                    for x in item:
                        if isinstance(x, str):
                            out.append(x)
                        elif isinstance(x, list | tuple):
                            out.append("\x00")
    return out


def _nothing_found(fmt: str, path: Path, result: ParseResult) -> str | None:
    """The rule for a file that yields nothing to import (docs/io.md, "Nothing to import").

    No readable record, event or message at all is an error naming the file (the first
    problem, when there was one). Events or messages that were read but all left out for
    a reason (nobody but you in them, cancelled, declined, newsletters...) are an import
    that did its job: the note says what was found, and nothing is written.
    """
    if result.people or result.interactions:
        return None
    if not result.items:
        if result.issues:
            raise ImportFailed(f"nothing to import from {path}: {result.issues[0]}")
        raise ImportFailed(f"nothing to import from {path}: it holds no {fmt} records")
    what = f"{result.items} {result.item}{'' if result.items == 1 else 's'}"
    return f"read {what} from {path}, none to import: nothing was imported"


def run(
    session: Session,
    fmt: str,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file into the session's transaction and describe what happened."""
    if not options.me:
        # Your addresses from your profile tell your messages from theirs.
        options = dataclasses.replace(options, me=people.me_emails(session))
    if fmt == formats.RESTORE:
        return backup.restore(session, path, options)
    if progress:
        progress.start(f"reading {path.name}", None)
    result = parse(fmt, path, options)
    _strip_controls(result)
    if options.strict:
        _strict(result.issues)
    note = _nothing_found(fmt, path, result)
    if progress:
        progress.start("matching", len(result.people))
    plan = matcher.match(
        session,
        result.people,
        options.region,
        progress.advance if progress else None,
        by_raw=True,  # the writer writes nothing for an unchanged record
    )
    if options.strict:
        _strict(plan.issues)
    if progress:
        progress.start("writing", None)
    stats = writer.write(session, plan, result.interactions, now=options.now)
    if options.strict:
        _strict(stats.issues)
    for issue in plan.issues + stats.issues:
        issue.file = str(path)  # the matcher and writer know records, not files
    issues = result.issues + plan.issues + stats.issues
    return ImportReport(
        format=fmt,
        path=str(path),
        dry_run=options.dry_run,
        records=len(result.people),
        created=stats.created,
        updated=stats.updated,
        merged=stats.merged,
        suggested=stats.suggested,
        unchanged=stats.unchanged,
        skipped=plan.count("skip") + sum(1 for i in result.issues if i.skipped and i.line),
        interactions_created=stats.interactions_created,
        interactions_unchanged=stats.interactions_unchanged,
        note=note,
        issues=[
            ImportIssue(file=i.file, line=i.line, message=i.message, skipped=i.skipped)
            for i in sorted(issues, key=lambda i: (i.file, i.line or 0))
        ],
    )


# Mail is read message by message (up to 512 MB): the cyclic collector keeps running.
_STREAMED = frozenset({"mbox", "maildir"})


@contextmanager
def _cycles_paused(pause: bool) -> Iterator[None]:
    """No cyclic garbage collection while a file read whole is imported.

    An import keeps tens of thousands of records, facts and rows alive at once, and each
    full collection walks all of them again: about a tenth of a 30,000-row import. Its
    objects are freed by reference counting as usual; cycles wait until it ends.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_file(
    store: Store,
    fmt: str,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Run an import in its own transaction: committed, or rolled back on error or dry run."""
    with _cycles_paused(fmt not in _STREAMED), store.sessions() as session:
        transaction = session.begin()
        try:
            report = run(session, fmt, path, options, progress)
        except BaseException:
            transaction.rollback()
            raise
        if options.dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return report


def preview(
    store: Store, fmt: str, path: Path, options: ImportOptions, scratch: Path
) -> ImportReport:
    """A dry run that holds no write lock on the database (the web page's preview).

    A dry run writes and rolls back, so on SQLite it would hold the one write lock for
    as long as it matches and writes, and every other command would wait on it. The dry
    run goes to a private copy in `scratch` instead (SQLite's backup API only reads);
    on PostgreSQL a rolled-back transaction locks only the rows it touched.
    """
    options = dataclasses.replace(options, dry_run=True)
    url = store.engine.url
    if not store.is_sqlite or not url.database or url.database == ":memory:":
        return import_file(store, fmt, path, options)
    copy = copy_sqlite(Path(url.database), scratch / "preview.db")
    try:
        twin = open_store(str(copy), migrate_schema=False)
        try:
            return import_file(twin, fmt, path, options)
        finally:
            twin.dispose()
    finally:
        for leftover in (copy, *(copy.with_name(copy.name + x) for x in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
