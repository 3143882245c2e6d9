"""org add | list | show."""

from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_one

if TYPE_CHECKING:
    from pydantic import BaseModel

org_app = typer.Typer(
    help="Organisations: companies, schools, groups; your targets.", no_args_is_help=True
)


@org_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Organisation name.")],
    kind: Annotated[str, typer.Option(help="company, school or group.")] = "company",
    industry: Annotated[str | None, typer.Option(help="Industry.")] = None,
    location: Annotated[str | None, typer.Option(help="Where it is.")] = None,
    website: Annotated[str | None, typer.Option(help="Web site.")] = None,
    target: Annotated[
        bool, typer.Option("--target", help="A company you want to work at.")
    ] = False,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
) -> None:
    """Add an organisation (or update the one with that name)."""
    from goodwill.records import orgs

    with state.session() as s:
        org = orgs.add(
            s,
            name,
            kind=kind,
            industry=industry,
            location=location,
            website=website,
            target=target,
            notes=note,
        )
        done(f"saved {org.name} (#{org.id})")


@org_app.command("list")
def list_(
    target: Annotated[bool, typer.Option("--target", help="Only your target companies.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List organisations with how many of your people are there."""
    from goodwill.views import org_page

    with state.session() as s:
        rows = [o for o in org_page.summaries(s) if o.target or not target]
    emit(
        rows,
        fmt,
        ["id", "name", "kind", "industry", "location", "target", "people"],
        empty="no organisations yet",
    )


def _render(item: "BaseModel") -> None:
    from goodwill.cli.output import _cell, console
    from goodwill.schemas.people import OrgDetail

    assert isinstance(item, OrgDetail)
    out = console()
    out.print(_cell(item.name), style="bold", end="")
    out.print(f" (#{item.id}, {item.kind}{', target' if item.target else ''})")
    for label, value in (
        ("industry", item.industry),
        ("location", item.location),
        ("website", item.website),
        ("notes", item.notes),
    ):
        if value:
            out.print(f"  {label}: {_cell(value)}")
    for label, group in (("now", item.current), ("before", item.past)):
        if group:
            out.print(f"  {label}: " + _cell([f"{p.name} (#{p.id})" for p in group]))


@org_app.command("show")
def show(
    org: Annotated[str, typer.Argument(help="Id or name.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show an organisation and the people you know there, now and before."""
    from goodwill.records import orgs
    from goodwill.views import org_page

    with state.session() as s:
        detail = org_page.detail(s, orgs.resolve(s, org))
    emit_one(detail, fmt, _render)


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
