"""me | meet PERSON --informational | meet list | meet prep | meet done | meet cancel | lead ..."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_one

if TYPE_CHECKING:
    from pydantic import BaseModel

KINDS_HELP = "info, idea, help, intro, referral, advice, thanks"

# The prep sheet's options, shared by `meet` and `meet prep`.
SheetOutput = Annotated[
    Path | None, typer.Option("--output", "-o", help="Save the prep sheet (Markdown) here.")
]
SheetFormat = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="The sheet as Markdown (table) or JSON.")
]


class _DefaultPlan(TyperGroup):
    """`meet PERSON ...` means `meet plan PERSON ...`; `meet list` etc. stay subcommands."""

    default_command = "plan"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


meet_app = typer.Typer(
    cls=_DefaultPlan,
    help="Informational interviews: plan one with a prep sheet, list them, record the outcome.",
    no_args_is_help=True,
)
lead_app = typer.Typer(
    help="Opportunities: leads, their stages and the people they came from.",
    no_args_is_help=True,
)


# -- me ---------------------------------------------------------------------------------


def me(
    name: Annotated[
        str | None, typer.Option(help="Your name: drafts are signed with your first name.")
    ] = None,
    email: Annotated[
        list[str] | None,
        typer.Option(
            "--email", help="Your own address (repeatable): imports tell your messages by it."
        ),
    ] = None,
    pitch: Annotated[
        str | None, typer.Option(help="Who you are, in two sentences ('' clears it).")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role you target (repeatable).")
    ] = None,
    org: Annotated[
        list[str] | None,
        typer.Option("--org", help="An organisation you target (repeatable; marks it a target)."),
    ] = None,
    place: Annotated[
        list[str] | None, typer.Option("--place", help="A place you target (repeatable).")
    ] = None,
    offer: Annotated[
        list[str] | None,
        typer.Option("--offer", help="Something you can offer others (repeatable)."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option(
            "--remove", help="Drop this role, organisation, place, offer or address of yours."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show your profile, or change it: who you are, your pitch, your targets, what you can
    offer."""
    from goodwill.career import profile

    changing = (
        name is not None or pitch is not None or any((email, role, org, place, offer, remove))
    )
    with state.session() as s:
        if changing:
            item = profile.update(
                s,
                name=name,
                emails=email or [],
                pitch=pitch,
                roles=role or [],
                orgs_=org or [],
                places=place or [],
                offers=offer or [],
                remove=remove or [],
            )
        else:
            item = profile.get(s)
    if changing:
        done("profile saved")
    emit_one(item, fmt, _render_profile)


def _render_profile(item: BaseModel) -> None:
    from goodwill.schemas.interviews import Profile

    assert isinstance(item, Profile)
    rows = [
        ("name", item.name or "(not set: goodwill me --name '...'; drafts are signed with it)"),
        ("your addresses", ", ".join(item.emails) or "(none: --email)"),
        ("pitch", item.pitch or "(not set: goodwill me --pitch '...')"),
        ("target roles", ", ".join(item.target_roles) or "(none: --role)"),
        ("target organisations", ", ".join(item.target_orgs) or "(none: --org)"),
        ("target places", ", ".join(item.target_places) or "(none: --place)"),
        ("you can offer", ", ".join(item.offers) or "(none: --offer)"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        typer.echo(f"{key:<{width}}  {value}")


# -- meet -------------------------------------------------------------------------------


def _write(text: str, path: Path) -> None:
    from goodwill.errors import InvalidInput

    try:
        path.expanduser().write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput("output", str(path), f"cannot be written ({exc.strerror})") from exc


def _show_sheet(sheet: BaseModel, fmt: OutputFormat, output: Path | None) -> None:
    from goodwill.career import interviews
    from goodwill.cli.output import print_json, to_jsonable
    from goodwill.schemas.interviews import PrepSheet

    assert isinstance(sheet, PrepSheet)
    if fmt is OutputFormat.json:
        print_json(to_jsonable(sheet))
        return
    text = interviews.render(sheet)
    if output is not None:
        _write(text, output)
        done(f"prep sheet saved to {output}")
    else:
        typer.echo(text, nl=False)


@meet_app.command("plan")
def plan(
    person: Annotated[str, typer.Argument(help="Whom you will meet: id, email or name.")],
    informational: Annotated[
        bool,
        typer.Option(
            "--informational", help="An informational interview (the default, and only, kind)."
        ),
    ] = True,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", help="When: YYYY-MM-DD [HH:MM], 'tomorrow', 'in 3 days' (not past)."
        ),
    ] = None,
    output: SheetOutput = None,
    fmt: SheetFormat = OutputFormat.table,
) -> None:
    """Plan an informational interview and print its prep sheet (Markdown)."""
    from goodwill import validate
    from goodwill.career import interviews
    from goodwill.records import people

    with state.session() as s:
        who = people.resolve(s, person)
        when = validate.datetime(date) if date else None
        meeting = interviews.plan(s, who, when=when)
        sheet = interviews.prep_sheet(s, meeting)
        if output is not None and fmt is not OutputFormat.json:
            _write(interviews.render(sheet), output)  # a bad path writes nothing at all
    done(f"planned meeting #{meeting.id} with {who.display_name}")
    if output is not None and fmt is not OutputFormat.json:
        done(f"prep sheet saved to {output}")
    else:
        _show_sheet(sheet, fmt, None)


@meet_app.command("prep")
def prep(
    meeting: Annotated[str, typer.Argument(help="The meeting number (see 'meet list').")],
    output: SheetOutput = None,
    fmt: SheetFormat = OutputFormat.table,
) -> None:
    """Print a planned meeting's prep sheet again (with what you know today)."""
    from goodwill.career import interviews

    with state.session() as s:
        sheet = interviews.prep_sheet(s, interviews.get(s, meeting))
    _show_sheet(sheet, fmt, output)


@meet_app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option(help="Only meetings that are planned, done or cancelled.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List meetings: planned ones first (soonest first), then the ones held."""
    from goodwill.career import interviews

    with state.session() as s:
        rows = interviews.list_meetings(s, status)
    emit(
        rows,
        fmt,
        ["id", "person", "organization", "status", "planned_for", "held_on", "referrals"],
        empty="no meetings yet: plan one with 'goodwill meet PERSON --informational'",
    )


@meet_app.command("done")
def done_(
    meeting: Annotated[str, typer.Argument(help="The meeting number (see 'meet list').")],
    referred: Annotated[
        list[str] | None,
        typer.Option(help='A name they gave you: "Name <email>" (repeatable).'),
    ] = None,
    learned: Annotated[
        str | None, typer.Option(help="What you learned (about the field, the company).")
    ] = None,
    resume_feedback: Annotated[
        str | None, typer.Option(help="What they said about your resume.")
    ] = None,
    gave: Annotated[
        list[str] | None, typer.Option(help=f"Something you gave ({KINDS_HELP}); repeatable.")
    ] = None,
    got: Annotated[
        list[str] | None,
        typer.Option(help=f"Something you received ({KINDS_HELP}); repeatable; default advice."),
    ] = None,
    kind: Annotated[str, typer.Option(help="How you met: meeting, coffee, call...")] = "meeting",
    date: Annotated[
        str | None,
        typer.Option("--date", "-d", help="When it happened (default: as planned, or now)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Record an informational interview: exchanges, what you learned, the names you got."""
    from goodwill import validate
    from goodwill.career import interviews

    with state.session() as s:
        item = interviews.get(s, meeting)
        when = validate.datetime(date) if date else None
        outcome = interviews.done(
            s,
            item,
            referred=referred or [],
            learned=learned,
            resume_feedback=resume_feedback,
            gave=gave or [],
            got=got or [],
            kind=kind,
            when=when,
        )
    m = outcome.meeting
    done(f"recorded meeting #{m.id} with {m.person} (interaction #{outcome.interaction_id})")
    if fmt is not OutputFormat.table:
        emit_one(outcome, fmt, lambda _: None)
        return
    for r in outcome.referred:
        state_ = "new" if r.new else "already known"
        typer.echo(f"referred: {r.name} (#{r.id}, {state_}): follow up with them soon")
    typer.echo(f"say thank you to {m.person} by {outcome.thank_by}")


@meet_app.command("cancel")
def cancel(
    meeting: Annotated[str, typer.Argument(help="The meeting number (see 'meet list').")],
) -> None:
    """Cancel a planned meeting."""
    from goodwill.career import interviews

    with state.session() as s:
        item = interviews.cancel(s, interviews.get(s, meeting))
        done(f"cancelled meeting #{item.id}")


# -- lead -------------------------------------------------------------------------------

LEAD_COLUMNS = ["id", "title", "organization", "stage", "origin", "created"]
STAGES_HELP = "heard_of, applied, interviewing, offer or closed"


@lead_app.command("add")
def lead_add(
    title: Annotated[str, typer.Argument(help="What it is: 'Data engineer at Acme'.")],
    org: Annotated[str | None, typer.Option(help="The organisation.")] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="The person it came from: id, email or name."),
    ] = None,
    url: Annotated[str | None, typer.Option(help="The posting's web address.")] = None,
    stage: Annotated[str, typer.Option(help=f"Where it stands: {STAGES_HELP}.")] = "heard_of",
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
) -> None:
    """Record a lead (job posting, project, client) and whom it came from."""
    from goodwill.career import opportunities
    from goodwill.records import people

    with state.session() as s:
        source = people.resolve(s, from_) if from_ else None
        lead = opportunities.add(
            s, title, org=org, source=source, url=url, stage_=stage, notes=note
        )
        origin = f" from {source.display_name}" if source else ""
        done(f"added lead #{lead.id}: {lead.title}{origin}")


@lead_app.command("list")
def lead_list(
    stage: Annotated[
        str | None, typer.Option(help=f"Only leads at this stage ({STAGES_HELP}).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List leads, the most advanced first, with where each came from."""
    from goodwill.career import opportunities

    with state.session() as s:
        rows = opportunities.list_leads(s, stage)
    emit(rows, fmt, LEAD_COLUMNS, empty="no leads yet: 'goodwill lead add TITLE --from PERSON'")


@lead_app.command("show")
def lead_show(
    lead: Annotated[str, typer.Argument(help="The lead number (see 'lead list').")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a lead with its origin chain: whom you met, who referred whom, who sent it."""
    from goodwill.career import opportunities

    with state.session() as s:
        item = opportunities.detail(s, opportunities.get(s, lead))
    emit_one(item, fmt, _render_lead)


def _render_lead(item: BaseModel) -> None:
    from goodwill.schemas.interviews import LeadDetail

    assert isinstance(item, LeadDetail)
    typer.echo(f"#{item.id} {item.title}")
    facts: list[tuple[str, Any]] = [
        ("organisation", item.organization),
        ("stage", item.stage.replace("_", " ")),
        ("url", item.url),
        ("added", item.created),
        ("notes", item.notes),
    ]
    for key, value in facts:
        if value:
            typer.echo(f"  {key:<13} {value}")
    if not item.chain:
        typer.echo("  origin        no one recorded (add --from PERSON to see whom to thank)")
        return
    typer.echo("  origin:")
    for n, step in enumerate(item.chain, 1):
        when = f" ({step.date})" if step.date else ""
        typer.echo(f"    {n}. {step.text}{when}")
    owed = list(dict.fromkeys(s.name for s in item.chain if s.thank_owed))
    if owed:
        typer.echo(f"  thank: {', '.join(owed)} (no thanks recorded since this lead)")


@lead_app.command("stage")
def lead_stage(
    lead: Annotated[str, typer.Argument(help="The lead number (see 'lead list').")],
    stage: Annotated[str, typer.Argument(help=f"The new stage: {STAGES_HELP}.")],
    note: Annotated[str | None, typer.Option(help="A note about the change.")] = None,
) -> None:
    """Move a lead to another stage."""
    from goodwill.career import opportunities

    with state.session() as s:
        item = opportunities.set_stage(s, opportunities.get(s, lead), stage, note=note)
        done(f"lead #{item.id} is now {item.stage.replace('_', ' ')}")


def register(app: typer.Typer) -> None:
    app.command("me")(me)
    app.add_typer(meet_app, name="meet")
    app.add_typer(lead_app, name="lead")
