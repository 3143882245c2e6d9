"""log: record an interaction and the exchanges inside it."""

import sys
from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import done

KINDS_HELP = "info, idea, help, intro, referral, advice, thanks"


def log(
    people_: Annotated[
        list[str],
        typer.Argument(
            metavar="PERSON...",
            help="Who was there: ids, emails or names (words without quotes are one name).",
        ),
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", "-k", help="coffee, call, meeting, email, message, event, letter or note."
        ),
    ],
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            help="When (YYYY-MM-DD, 'yesterday', '3 days ago', 'last friday'); default now.",
        ),
    ] = None,
    summary: Annotated[str | None, typer.Option("--summary", "-s", help="What happened.")] = None,
    initiated: Annotated[str | None, typer.Option(help="Who started it: me or them.")] = None,
    gave: Annotated[
        list[str] | None, typer.Option(help=f"Something you gave ({KINDS_HELP}); repeatable.")
    ] = None,
    got: Annotated[
        list[str] | None, typer.Option(help=f"Something you received ({KINDS_HELP}); repeatable.")
    ] = None,
    asked: Annotated[list[str] | None, typer.Option(help="Something you asked of them.")] = None,
    they_asked: Annotated[
        list[str] | None, typer.Option(help="Something they asked of you (opens a request).")
    ] = None,
    need: Annotated[int | None, typer.Option(help="The need (id) this served.")] = None,
    follow_up: Annotated[
        str | None, typer.Option(help="A follow-up you promised, due on this date.")
    ] = None,
    planned: Annotated[
        bool, typer.Option("--planned", help="It is planned (allows a future date).")
    ] = False,
) -> None:
    """Record an interaction: who, what kind, when, and what was given, received or asked.

    A mistake is undone with 'goodwill log edit ID ...' or 'goodwill log remove ID'.
    """
    from goodwill import validate
    from goodwill.records import interactions, names

    with state.session() as s:
        who = names.resolve_words(s, people_)
        when = validate.datetime(date) if date else None
        due = validate.date(follow_up, "follow-up") if follow_up else None
        item = interactions.log(
            s,
            who,
            kind,
            when=when,
            summary=summary,
            initiated_by=initiated,
            gave=gave or [],
            got=got or [],
            asked=asked or [],
            they_asked=they_asked or [],
            need_id=need,
            planned=planned,
            follow_up_on=due,
        )
        listed = ", ".join(p.display_name for p in who)
        done(f"logged {item.kind} with {listed} on {item.occurred_at:%Y-%m-%d} (#{item.id})")


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.command("log-edit", hidden=True)(log_edit)
    app.command("log-remove", hidden=True)(log_remove)


IdArg = Annotated[str, typer.Argument(metavar="ID", help="The interaction's number (#ID).")]


def log_edit(
    interaction: IdArg,
    kind: Annotated[
        str | None, typer.Option("--kind", "-k", metavar="KIND", help="The new kind.")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", "-d", metavar="DATE", help="The new date.")
    ] = None,
    summary: Annotated[
        str | None,
        typer.Option("--summary", "-s", metavar="TEXT", help="The new summary ('' clears it)."),
    ] = None,
    initiated: Annotated[
        str | None, typer.Option(metavar="me|them", help="Who started it: me or them.")
    ] = None,
    person: Annotated[
        list[str] | None,
        typer.Option(
            "--person", "-p", metavar="PERSON", help="Who was there (replaces); repeatable."
        ),
    ] = None,
    gave: Annotated[
        list[str] | None,
        typer.Option(metavar="KIND", help=f"What you gave (replaces: {KINDS_HELP})."),
    ] = None,
    got: Annotated[
        list[str] | None,
        typer.Option(metavar="KIND", help=f"What you received (replaces: {KINDS_HELP})."),
    ] = None,
    no_gave: Annotated[bool, typer.Option("--no-gave", help="Clear what you gave.")] = False,
    no_got: Annotated[bool, typer.Option("--no-got", help="Clear what you received.")] = False,
) -> None:
    """Correct a logged interaction (goodwill log edit ID ...): only what you give changes."""
    from goodwill import validate
    from goodwill.records import interactions, people

    with state.session() as s:
        item = interactions.get(s, interaction)
        who = [people.resolve(s, ref) for ref in person] if person else None
        interactions.edit(
            s,
            item,
            kind=kind,
            when=validate.datetime(date) if date else None,
            summary=summary,
            initiated_by=initiated,
            people=who,
            gave=[] if no_gave else gave,
            got=[] if no_got else got,
        )
        done(f"edited {item.kind} #{item.id} on {item.occurred_at:%Y-%m-%d}")


def log_remove(
    interaction: IdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Delete a logged interaction (goodwill log remove ID) with its gives, asks and requests."""
    from goodwill.records import interactions

    with state.session() as s:
        item = interactions.get(s, interaction)
        label = f"{item.kind} #{item.id} on {item.occurred_at:%Y-%m-%d}"
        if not yes and sys.stdin.isatty() and not typer.confirm(f"Delete the {label}?"):
            raise typer.Exit(1)
        interactions.remove(s, item)
        done(f"removed the {label}")
