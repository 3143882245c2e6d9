"""demo: fill the database with a realistic synthetic network."""

from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import done


def demo(
    people: Annotated[
        int,
        typer.Option(
            min=1,
            max=200_000,
            help="How many people in all (a few of them met through referrals in a job search).",
        ),
    ] = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    today: Annotated[
        str | None, typer.Option(help="The date the history ends (default today).")
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", help="Add the demo even if the database has people.")
    ] = False,
) -> None:
    """Fill the database with a realistic network to try goodwill on (same seed, same data)."""
    from goodwill import validate
    from goodwill.demo import fill as demo_mod

    end = validate.date(today, "today") if today else None
    with state.session() as s:
        stats = demo_mod.fill(s, people=people, seed=seed, today=end, append=append)
    if stats is None:
        done("the demo network is already here; nothing added (--append adds another)")
        return
    done(
        f"demo network: {stats.people} people, {stats.organizations} organisations, "
        f"{stats.interactions} interactions, {stats.knows} knows-edges"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
