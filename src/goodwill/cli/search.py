"""search: full-text over names, organisations, notes and interaction summaries."""

from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, emit, emit_plain


def search(
    text: Annotated[str, typer.Argument(help="Words to look for (the last may be a prefix).")],
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Only this kind of result: person, org or interaction (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 20,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Search people, organisations and interaction summaries."""
    from goodwill import validate
    from goodwill.views import people_reads

    kinds = [validate.choice(k, ("person", "org", "interaction"), "kind") for k in kind or []]
    found = None
    if state.user() is None:  # a member's search goes through the team policy
        found = people_reads.search(state.address(), text, kinds=kinds or None, limit=limit)
    if found is not None:
        emit_plain(found, fmt, people_reads.SEARCH_COLUMNS, empty=people_reads.search_empty(text))
        return
    from goodwill.store import search as search_mod

    with state.session() as s:
        hits = search_mod.search(s, text, kinds=kinds or None, limit=limit)
    emit(hits, fmt, people_reads.SEARCH_COLUMNS, empty=people_reads.search_empty(text))


def register(app: typer.Typer) -> None:
    app.command("search")(search)
