"""log: record an interaction and the exchanges inside it."""

from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import done

KINDS_HELP = "info, idea, help, intro, referral, advice, thanks"


def log(
    people_: Annotated[
        list[str], typer.Argument(metavar="PERSON...", help="Who was there: ids, emails or names.")
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
    """Record an interaction: who, what kind, when, and what was given, received or asked."""
    from goodwill import validate
    from goodwill.records import interactions, people

    with state.session() as s:
        who = [people.resolve(s, ref) for ref in people_]
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
        names = ", ".join(p.display_name for p in who)
        done(f"logged {item.kind} with {names} on {item.occurred_at:%Y-%m-%d} (#{item.id})")


def register(app: typer.Typer) -> None:
    app.command("log")(log)
