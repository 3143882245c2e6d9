"""Output for read commands: --format table|json|csv, declared once, used everywhere."""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.safe_text import cell
from goodwill.safe_text import console as console

if TYPE_CHECKING:
    from pydantic import BaseModel


# A table's cell (safe_text.cell): the name every command's renderer imports from here.
_cell = cell


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output as a table, JSON or CSV.", case_sensitive=False),
]


# `goodwill --raw`: CSV cells as stored, formulas and all (see goodwill.safe_text).
_raw_csv = False


def set_raw_csv(raw: bool) -> None:
    global _raw_csv
    _raw_csv = raw


def csv_value(text: str) -> str:
    """A CSV cell: neutralised against formula injection unless --raw was given."""
    from goodwill.safe_text import csv_cell

    return text if _raw_csv else csv_cell(text)


def to_jsonable(data: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(data, Sequence):
        return [item.model_dump(mode="json") for item in data]
    return data.model_dump(mode="json")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def styled(markup: str) -> Any:
    """Rich markup written by goodwill itself (user text inside it escaped with
    rich.markup.escape), as a Text the markup-free console prints styled."""
    from rich.text import Text

    return Text.from_markup(markup)


def emit(
    rows: Sequence[BaseModel],
    fmt: OutputFormat,
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Print a list of records as a table (the named columns), JSON or CSV (all fields)."""
    if fmt is OutputFormat.json:
        kinds = {type(r) for r in rows}
        if len(kinds) == 1:  # pydantic-core writes the same JSON ~20x faster than json.dumps
            from pydantic import TypeAdapter

            adapter: TypeAdapter[list[Any]] = TypeAdapter(list[kinds.pop()])  # type: ignore[misc,arg-type]
            payload = adapter.dump_json(list(rows), indent=2)
            sys.stdout.write(payload.decode() + "\n")
        else:
            print_json(to_jsonable(rows))
        return
    if fmt is OutputFormat.csv:
        _csv([r.model_dump(mode="json") for r in rows], columns)
        return
    _table([r.model_dump() for r in rows], columns, title=title, empty=empty)


def emit_plain(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[str],
    *,
    empty: str = "nothing to show",
) -> None:
    """Like `emit`, for plain dicts already in a schema's JSON shape (the lean reads of
    people_reads): the same output, without importing pydantic."""
    if fmt is OutputFormat.json:
        print_json(list(rows))
    elif fmt is OutputFormat.csv:
        _csv(rows, columns)
    else:
        _table(rows, columns, title=None, empty=empty)


def _csv(dumped: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    fields = list(dumped[0]) if dumped else list(columns)
    writer = csv.DictWriter(
        sys.stdout, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for d in dumped:
        writer.writerow({k: csv_value(_cell(v)) for k, v in d.items()})


def _table(
    dumped: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str | None, empty: str
) -> None:
    from goodwill.views.people_reads import table

    table(dumped, columns, title=title, empty=empty)


def emit_records(
    records: Sequence[Mapping[str, Any]],
    model: type[BaseModel],
    fmt: OutputFormat,
    columns: Sequence[str],
    *,
    empty: str = "nothing to show",
) -> None:
    """Like `emit`, for plain dicts in the shape of `model` (a domain function's bulk
    output): JSON is written straight from them by pydantic-core, the same bytes `emit`
    writes for the models, without building 50,000 of them; tables and CSV validate."""
    if fmt is OutputFormat.json:
        from pydantic_core import to_json

        sys.stdout.write(to_json(list(records), indent=2).decode() + "\n")
        return
    from pydantic import TypeAdapter

    rows = TypeAdapter(list[model]).validate_python(list(records))  # type: ignore[valid-type]
    emit(rows, fmt, columns, empty=empty)


def emit_one(item: BaseModel, fmt: OutputFormat, render: Callable[[BaseModel], None]) -> None:
    """Print one record: JSON, a one-row CSV, or the command's own human rendering."""
    if fmt is OutputFormat.table:
        render(item)
    elif fmt is OutputFormat.json:
        print_json(to_jsonable(item))
    else:
        emit([item], fmt, list(type(item).model_fields))


def done(message: str) -> None:
    """A confirmation for a write command, on stderr so stdout stays clean for scripts."""
    typer.echo(message, err=True)
