"""strength | balance | flags | asked: tie strength, the reciprocity ledger, red flags."""

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, TypeVar

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_records

T = TypeVar("T")

# A terminal table of 50,000 rows helps nobody and takes seconds to draw: JSON and CSV
# always carry every row; a table stops here unless --limit asks for more.
TABLE_ROWS = 200

AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute from what happened before this date (YYYY-MM-DD; default now).",
    ),
]
Limit = Annotated[
    int | None,
    typer.Option(
        min=1, help=f"Show at most this many rows (a table shows {TABLE_ROWS} unless told)."
    ),
]


def _as_of(value: str | None) -> dt.datetime:
    from goodwill import validate

    if value is None:
        return dt.datetime.now()
    return dt.datetime.combine(validate.date(value, "as-of"), dt.time.min)


def _cap(rows: Sequence[T], fmt: OutputFormat, limit: int | None) -> Sequence[T]:
    if limit is None and fmt is OutputFormat.table and len(rows) > TABLE_ROWS:
        done(
            f"showing the first {TABLE_ROWS} of {len(rows)}; "
            "use --limit N, or --format json or csv for all"
        )
        return rows[:TABLE_ROWS]
    return rows[:limit] if limit else rows


def strength(
    as_of: AsOf = None,
    limit: Limit = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Tie strength (0..1) of every person, strongest first."""
    from goodwill.schemas.ledger import StrengthRow
    from goodwill.scoring import strength as strength_mod

    when = _as_of(as_of)
    with state.session() as s:
        rows = strength_mod.rows(s, when)
    emit_records(
        _cap(rows, fmt, limit),
        StrengthRow,
        fmt,
        ["id", "name", "strength", "last_contact", "emails"],
        empty="no people yet: try 'goodwill person add' or 'goodwill demo'",
    )


def balance(
    person: Annotated[
        list[str] | None,
        typer.Argument(metavar="[PERSON]", help="Only this person (id, email or name)."),
    ] = None,
    as_of: AsOf = None,
    limit: Limit = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """What you gave and received per person (weighted by kind, decayed by age)."""
    from goodwill.records import people
    from goodwill.scoring import ledger

    when = _as_of(as_of)
    with state.session() as s:
        ids = [people.resolve(s, " ".join(person)).id] if person else None
        rows = ledger.balance_rows(s, when, ids)
    emit(
        _cap(rows, fmt, limit),
        fmt,
        ["person_id", "name", "given", "received", "balance", "last_give", "last_get"],
        empty="no exchanges yet: log them with 'goodwill log PERSON --gave KIND --got KIND'",
    )


def flags(
    as_of: AsOf = None,
    limit: Limit = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Red flags: one-way ties, thank-yous owed, unanswered requests, your taker pattern."""
    from goodwill.scoring import flags as flags_mod

    when = _as_of(as_of)
    with state.session() as s:
        rows = flags_mod.compute(s, when)
    emit(
        _cap(rows, fmt, limit),
        fmt,
        ["kind", "person", "since", "reason"],
        empty="no red flags: well done",
    )


def asked(
    person: Annotated[str, typer.Argument(help="Whom you asked (id, email or name).")],
    outcome: Annotated[str, typer.Argument(help="How it ended: granted, refused or ignored.")],
    ask: Annotated[
        str | None,
        typer.Option("--ask", help="Words from the ask (default: your latest open ask)."),
    ] = None,
) -> None:
    """Record how an ask you made ended (a refused or ignored ask is a one-way flag)."""
    from goodwill.records import people
    from goodwill.scoring import ledger

    with state.session() as s:
        result = ledger.record_ask_outcome(s, people.resolve(s, person), outcome, text=ask)
    what = f" ({result.text})" if result.text else ""
    done(f"your ask of {result.person}{what} on {result.asked_on}: {result.outcome}")


def register(app: typer.Typer) -> None:
    app.command("strength")(strength)
    app.command("balance")(balance)
    app.command("flags")(flags)
    app.command("asked")(asked)
