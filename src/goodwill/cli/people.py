"""person add | list | show | edit | remove | merge."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_one, emit_plain

if TYPE_CHECKING:
    from pydantic import BaseModel

person_app = typer.Typer(
    help="Add, find, show, edit, remove and merge people.", no_args_is_help=True
)

Emails = Annotated[
    list[str] | None, typer.Option("--email", "-e", help="Email address (repeatable).")
]
Phones = Annotated[
    list[str] | None, typer.Option("--phone", "-p", help="Phone number (repeatable).")
]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")]


@person_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Full name, e.g. 'Dana Kim'.")],
    email: Emails = None,
    phone: Phones = None,
    org: Annotated[str | None, typer.Option(help="Current organisation.")] = None,
    title: Annotated[str | None, typer.Option(help="Title at that organisation.")] = None,
    tag: Tags = None,
    circle: Annotated[
        str | None, typer.Option(help="close, active, network (default) or wider.")
    ] = None,
    met: Annotated[str | None, typer.Option(help="How and where you met.")] = None,
    linkedin: Annotated[str | None, typer.Option(help="LinkedIn profile URL.")] = None,
    note: Annotated[str | None, typer.Option(help="A note about them.")] = None,
    location: Annotated[str | None, typer.Option(help="Where they live or work.")] = None,
    industry: Annotated[str | None, typer.Option(help="Their industry.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Add a person to your network (an exact namesake is pointed out, and suggested for a
    merge in 'goodwill person merge --suggest')."""
    from goodwill.records import namesakes, people
    from goodwill.views import person_page

    with state.session() as s:
        person = people.add(
            s,
            name,
            emails=email or [],
            phones=phone or [],
            org=org,
            title=title,
            tags=tag or [],
            circle=circle,
            met=met,
            linkedin=linkedin,
            note=note,
            location=location,
            industry=industry,
        )
        same = namesakes.suggest_merges(s, person)
        detail = person_page.detail(s, person)
    if fmt is OutputFormat.table:
        done(f"added {detail.name} (#{detail.id})")
    if same:
        listed = ", ".join(f"#{p.id}" for p in same)
        sys.stderr.write(
            f"warning: you already have a {detail.name} ({listed}); if it is the same person: "
            f"goodwill person merge {same[0].id} {detail.id}\n"
        )
    else:
        emit_one(detail, fmt, _render_detail)


@person_app.command("list")
def list_(
    tag: Annotated[str | None, typer.Option(help="Only people with this tag.")] = None,
    circle: Annotated[str | None, typer.Option(help="Only people in this circle.")] = None,
    org: Annotated[str | None, typer.Option(help="Only people who work or worked here.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List people, alphabetically."""
    from goodwill.views import people_reads

    # The lean read knows no --user: a member's reads (and the error on a single-user
    # database) go through the store and its team policy.
    if fmt is not OutputFormat.csv and not (tag or circle or org) and state.user() is None:
        found = people_reads.summaries(state.address(), limit=limit)
        if found is not None:
            emit_plain(found, fmt, people_reads.LIST_COLUMNS, empty=people_reads.LIST_EMPTY)
            return
    from goodwill.views import people_list

    with state.session() as s:
        rows = people_list.summaries(s, tag=tag, circle=circle, org=org, limit=limit)
    emit(rows, fmt, people_reads.LIST_COLUMNS, empty=people_reads.LIST_EMPTY)


def _render_detail(item: "BaseModel") -> None:
    # One rendering for both paths: the lean `person show` (launch.py) prints the same.
    from goodwill.views import person_reads

    person_reads.render(item.model_dump(mode="json"))


@person_app.command("show")
def show(
    person: Annotated[
        list[str],
        typer.Argument(
            metavar="PERSON", help="Id, email or name (words without quotes are one name)."
        ),
    ],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show everything about a person."""
    from goodwill.records import people
    from goodwill.views import person_page

    with state.session() as s:
        detail = person_page.detail(s, people.resolve(s, " ".join(person)))
    emit_one(detail, fmt, _render_detail)


@person_app.command("edit")
def edit(
    person: Annotated[
        list[str],
        typer.Argument(
            metavar="PERSON", help="Id, email or name (words without quotes are one name)."
        ),
    ],
    name: Annotated[str | None, typer.Option(help="New full name.")] = None,
    email: Emails = None,
    remove_email: Annotated[list[str] | None, typer.Option(help="Remove this address.")] = None,
    phone: Phones = None,
    org: Annotated[str | None, typer.Option(help="New current organisation.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    tag: Tags = None,
    untag: Annotated[list[str] | None, typer.Option(help="Remove this tag.")] = None,
    circle: Annotated[str | None, typer.Option(help="close, active, network or wider.")] = None,
    linkedin: Annotated[str | None, typer.Option(help="LinkedIn profile URL.")] = None,
    note: Annotated[str | None, typer.Option(help="Append a note.")] = None,
    location: Annotated[str | None, typer.Option(help="Where they live or work.")] = None,
    industry: Annotated[str | None, typer.Option(help="Their industry.")] = None,
    met: Annotated[str | None, typer.Option(help="How and where you met.")] = None,
    working_on: Annotated[str | None, typer.Option(help="What they are working on.")] = None,
    looking_for: Annotated[str | None, typer.Option(help="What they are looking for.")] = None,
    interests: Annotated[str | None, typer.Option(help="Their interests.")] = None,
    cadence: Annotated[
        int | None, typer.Option(help="Keep in touch every N days (overrides their circle).")
    ] = None,
) -> None:
    """Change a person's details."""
    from goodwill.records import people

    texts = {
        "location": location,
        "industry": industry,
        "how_met": met,
        "working_on": working_on,
        "looking_for": looking_for,
        "interests": interests,
    }
    with state.session() as s:
        target = people.resolve(s, " ".join(person))
        people.edit(
            s,
            target,
            name=name,
            add_emails=email or [],
            remove_emails=remove_email or [],
            add_phones=phone or [],
            org=org,
            title=title,
            add_tags_=tag or [],
            remove_tags=untag or [],
            circle=circle,
            linkedin=linkedin,
            note=note,
            cadence_days=cadence,
            **{k: v for k, v in texts.items() if v is not None},
        )
        done(f"updated {target.display_name} (#{target.id})")


@person_app.command("remove")
def remove(
    person: Annotated[
        list[str],
        typer.Argument(
            metavar="PERSON", help="Id, email or name (words without quotes are one name)."
        ),
    ],
) -> None:
    """Remove a person from your lists (their history stays in the ledger)."""
    from goodwill.records import people

    with state.session() as s:
        target = people.resolve(s, " ".join(person))
        people.remove(s, target)
        done(f"removed {target.display_name} (#{target.id})")


@person_app.command("merge")
def merge(
    keep: Annotated[
        str | None, typer.Argument(help="The person to keep (id, email or name).")
    ] = None,
    other: Annotated[str | None, typer.Argument(help="The duplicate to fold into them.")] = None,
    suggest: Annotated[
        bool,
        typer.Option("--suggest", help="List the possible duplicates imports found, to merge."),
    ] = False,
    dismiss: Annotated[
        int | None,
        typer.Option(
            "--dismiss",
            metavar="N",
            help="Suggestion N (from --suggest) is two different people: stop suggesting it.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Merge a duplicate into a person: every fact, interaction and edge moves over."""
    from goodwill.errors import InvalidInput
    from goodwill.records import people

    if sum((suggest, dismiss is not None, bool(keep or other))) > 1:
        raise typer.BadParameter("give two people to merge, --suggest or --dismiss N: one of them")
    if suggest:
        _list_suggestions(fmt)
        return
    if dismiss is not None:
        from goodwill.io import suggestions

        with state.session() as s:
            pair = suggestions.dismiss(s, dismiss)
        done(
            f"dismissed suggestion #{pair.id}: {pair.a_name} (#{pair.a_id}) and "
            f"{pair.b_name} (#{pair.b_id}) are two people"
        )
        return
    if not keep or not other:
        raise InvalidInput("person", keep or "", "name the person to keep and the duplicate")
    with state.session() as s:
        a, b = people.resolve(s, keep), people.resolve(s, other)
        merged = people.merge(s, a, b)
        done(f"merged #{b.id} into {merged.display_name} (#{merged.id})")


def _list_suggestions(fmt: OutputFormat) -> None:
    from goodwill.io import suggestions

    with state.session() as s:
        rows = suggestions.open_suggestions(s)
    emit(
        rows,
        fmt,
        ["id", "a_id", "a_name", "b_id", "b_name", "score", "reason"],
        empty="no possible duplicates",
    )
    if rows and fmt is OutputFormat.table:
        done(
            "merge a pair with: goodwill person merge A_ID B_ID; "
            "if they are two people: goodwill person merge --dismiss ID"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(person_app, name="person")
