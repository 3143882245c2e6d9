"""today | done | snooze | skip | schedule | week | circle list|set: the daily session."""

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_one

if TYPE_CHECKING:
    from pydantic import BaseModel

circle_app = typer.Typer(
    help="Circles and their cadences: how often to be in touch.", no_args_is_help=True
)

DateOption = Annotated[
    str | None,
    typer.Option("--date", "-d", help="The day (YYYY-MM-DD, 'yesterday'...); default today."),
]
ActionArg = Annotated[
    str,
    typer.Argument(
        metavar="ACTION",
        help="Today's number (1, 2...) or the action id shown by 'goodwill today'.",
    ),
]
CIRCLE_COLUMNS = [
    "circle",
    "ideal_days",
    "max_days",
    "customised",
    "people",
    "due",
    "overdue",
    "dormant",
]


def _day(value: str | None) -> dt.date:
    from goodwill import validate

    return validate.date(value, "date") if value else dt.date.today()


def _render_agenda(item: "BaseModel") -> None:
    from rich.markup import escape as escape_markup

    from goodwill.cli.output import console, styled
    from goodwill.safe_text import strip_controls
    from goodwill.schemas.agenda import AgendaOut
    from goodwill.wording import plural

    assert isinstance(item, AgendaOut)

    def escape(text: str) -> str:  # other people's text inside goodwill's own markup
        return escape_markup(strip_controls(text))

    from goodwill.daily.actions import LABELS as label

    out = console()
    out.print(
        styled(
            f"[bold]Today, {item.date.isoformat()}[/bold]: "
            f"{plural(len(item.actions), 'action')}, "
            f"{item.planned_minutes} of {item.budget_minutes} minutes"
        )
    )
    if not item.actions and item.next:
        # Something is owed, it just does not fit: never "nothing owed".
        first = item.next[0]
        out.print(
            f"Nothing fits in {item.budget_minutes} minutes, but "
            f"{escape(label.get(first.kind, first.kind).lower())} {escape(first.person)} is "
            f"waiting ({first.minutes} min): try 'goodwill today --minutes {first.minutes}'."
        )
    elif not item.actions:
        out.print("Nothing owed today. Reach out to someone you like, with no need.")
    for i, a in enumerate(item.actions, 1):
        out.print()
        out.print(
            styled(
                f"[bold]{i}. {label.get(a.kind, a.kind)} {escape(a.person)}[/bold]  "
                f"({a.minutes} min, {a.channel})  [dim]{escape(a.id)}[/dim]"
            )
        )
        out.print("   " + strip_controls(a.reason), style="italic")
        if a.choices:
            picks = " | ".join(f"--pick {c}" for c in a.choices)
            out.print(f"   goodwill done {i} {picks}  (default {a.choices[0]})", style="dim")
        for line in a.draft.splitlines():
            out.print(("   " + strip_controls(line)) if line else "")
    if item.next:
        out.print()
        out.print(styled("[bold]Next[/bold] (if you have more time):"))
        for a in item.next:
            out.print(
                styled(
                    f"   {label.get(a.kind, a.kind)} {escape(a.person)} ({a.minutes} min): "
                    f"{escape(a.reason)}  [dim]{escape(a.id)}[/dim]"
                )
            )
    if item.more:
        out.print(f"   ... and {item.more} more")
    if item.actions:
        out.print()
        out.print(
            "Mark one by its number or id: goodwill done 1 [--note TEXT] | snooze 1 |"
            " skip 1; undo ID brings it back",
            style="dim",
        )


def today(
    minutes: Annotated[
        int | None,
        typer.Option(
            "--minutes", "-m", help="Time for the session, in minutes (default 20, or saved)."
        ),
    ] = None,
    date: DateOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Today's networking session: thank, answer, follow up, keep in touch, give, ask."""
    from goodwill.daily import agenda, schedule
    from goodwill.sync import events as sync_events
    from goodwill.views import doctor

    day = _day(date)
    with state.session() as s:
        budget = minutes if minutes is not None else schedule.preferences(s)[1]
        plan = agenda.build(s, day, budget)
        warnings = doctor.failing_warnings(s)
        shown = sum(1 for a in plan.actions + plan.next if a.choices)
        waiting = sync_events.open_count(s) - shown
    for warning in warnings:  # on stderr: stdout stays the session's table, JSON or CSV
        typer.echo(f"warning: {warning}", err=True)
    if fmt is OutputFormat.csv:
        emit(
            plan.actions + plan.next,
            fmt,
            ["id", "kind", "person", "minutes", "reason"],
        )
        return
    emit_one(plan, fmt, _render_agenda)
    if waiting > 0 and fmt is OutputFormat.table:
        # The decisions beyond those shown (or snoozed): all of them are listed there.
        typer.echo(f"{waiting} more from your phone's sync to look at: goodwill sync events")
    if fmt is OutputFormat.table:
        _team_requests()


def _team_requests() -> None:
    """On a team database: teammates' open requests for an introduction by you."""
    from goodwill.store import policy

    if policy.current() is None:
        return
    from goodwill.asking import team as team_ask

    with state.session() as s:
        asked = team_ask.incoming(s)
    for i in asked:
        why = f" ({i.why})" if i.why else ""
        if i.status == "open":
            typer.echo(
                f"\n{i.from_member} asks you to introduce them to {i.person}{why}: "
                f"goodwill team intro accept {i.id} | decline {i.id}"
            )
        elif i.status == "accepted":
            typer.echo(
                f"\nAsk {i.person} whether they would like to meet {i.from_member}{why}: "
                f"goodwill team intro agreed {i.id} | refused {i.id}"
            )
        else:
            typer.echo(
                f"\n{i.person} agreed: introduce them to {i.from_member}{why}: "
                f"goodwill team intro made {i.id}"
            )


def done_(
    action: ActionArg,
    note: Annotated[str | None, typer.Option("--note", "-n", help="What you did or said.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", "-k", help="How: email, message, call, coffee... (default: its channel)."
        ),
    ] = None,
    offered: Annotated[
        str | None, typer.Option(help="For a request: the other way you offered to help.")
    ] = None,
    referred: Annotated[
        str | None, typer.Option(help="For a request: the person you referred them to.")
    ] = None,
    pick: Annotated[
        str | None,
        typer.Option(
            "--pick",
            "-p",
            help="For a decision of your phone's sync: keep or remove (a deleted card), "
            "ours or theirs (a value changed on both sides), keep or cancel (a meeting).",
        ),
    ] = None,
    date: DateOption = None,
) -> None:
    """Mark an action done: logs the interaction (and the thanks, answer or give), or
    decides what your phone's sync asked (--pick)."""
    from goodwill.daily import agenda, decisions, positions
    from goodwill.records import people

    day = _day(date)
    with state.session() as s:
        action = positions.action_id(s, action, day)
        if decisions.is_decision(action):
            from goodwill.sync import decisions as sync_decisions

            done(f"done: {action}; {sync_decisions.resolve(s, action, pick)}")
            return
        if pick is not None:
            from goodwill.errors import InvalidInput

            raise InvalidInput("pick", pick, "only a decision of your phone's sync takes one")
        to = people.resolve(s, referred) if referred else None
        item, logged = agenda.done(
            s, action, day, note=note, kind=kind, offered=offered, referred=to
        )
        who = people.resolve(s, str(item.person_id), include_removed=True).display_name
        done(f"done: {item.id} ({who}); logged {logged.kind} #{logged.id}")


def snooze(
    action: ActionArg,
    until: Annotated[
        str | None,
        typer.Option("--until", "-u", help="Bring it back on this day (default: a week)."),
    ] = None,
    date: DateOption = None,
) -> None:
    """Put an action off until a later day."""
    from goodwill import validate
    from goodwill.daily import agenda, positions

    day = _day(date)
    with state.session() as s:
        action = positions.action_id(s, action, day)
        when = validate.date(until, "until", today=day) if until else None
        item = agenda.snooze(s, action, day, when)
        back = when or day + dt.timedelta(days=7)
        done(f"snoozed: {item.id} until {back.isoformat()}")


def skip(
    action: ActionArg,
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="Why (for your records).")
    ] = None,
    date: DateOption = None,
) -> None:
    """Drop an action for good (remembered, so it does not come back; 'undo' brings it back)."""
    from goodwill.daily import agenda, positions

    day = _day(date)
    with state.session() as s:
        action = positions.action_id(s, action, day)
        item = agenda.skip(s, action, day, note)
        done(f"skipped: {item.id}")


def schedule_(
    daily: Annotated[
        str | None, typer.Option(help="Time of the daily block, HH:MM (default 08:30, or saved).")
    ] = None,
    minutes: Annotated[
        int | None, typer.Option("--minutes", "-m", help="Length of the block (default 20).")
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Where to write the .ics file ('-' for stdout)."),
    ] = Path("goodwill.ics"),
    days: Annotated[
        int, typer.Option(help="List people who become due within this many days.")
    ] = 30,
    date: DateOption = None,
) -> None:
    """Write an iCalendar file: a daily networking block and the next cadence dates."""
    from goodwill.daily import schedule

    day = _day(date)
    with state.session() as s:
        at = schedule.parse_time(daily) if daily else None
        schedule.save_preferences(s, at, minutes)
        data = schedule.calendar_bytes(s, today=day, daily=at, minutes=minutes, days=days)
        at_saved, length = schedule.preferences(s)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from goodwill.store import private_file

    # Names of the people due: private (0600) and whole; it replaces the file it was
    # given (the calendar is meant to be rewritten), never what a symbolic link names.
    private_file.write(output, data, force=True)
    done(
        f"wrote {output}: a daily {length}-minute block at {at_saved:%H:%M}; "
        "import it into your calendar"
    )


def _render_week(item: "BaseModel") -> None:
    from goodwill.cli.output import console
    from goodwill.schemas.agenda import WeekOut

    assert isinstance(item, WeekOut)
    out = console()
    out.print(f"Week {item.start.isoformat()} to {item.end.isoformat()}", style="bold")
    marks = " ".join(
        ("■" if (item.start + dt.timedelta(days=i)) in item.networked_on else "□")
        for i in range((item.end - item.start).days + 1)
    )
    out.print(f"  days networked   {item.days_networked}  {marks}")
    out.print(f"  people touched   {item.people_touched} ({item.interactions} interactions)")
    out.print(f"  gives vs asks    {item.gives} : {item.asks}")
    out.print(f"  new contacts     {item.new_contacts}")
    out.print(f"  actions done     {item.actions_done}")
    out.print(f"  streak           {item.current_streak} days (longest {item.longest_streak})")


def week(
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="The last day of the week (default today).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Your week: days you networked, people touched, gives vs asks, streaks."""
    from goodwill.report import habits

    with state.session() as s:
        item = habits.week(s, _day(date))
    emit_one(item, fmt, _render_week)


@circle_app.command("list")
def circle_list(date: DateOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Each circle's cadence, with how many people are due and overdue."""
    from goodwill.schemas.agenda import CircleOut
    from goodwill.scoring import cadence

    with state.session() as s:
        settings = cadence.circles(s)
        mine = cadence.customised(s)
        counts = cadence.counts(s, _day(date))
    rows = [
        CircleOut(
            circle=c,
            ideal_days=cad.ideal_days,
            max_days=cad.max_days,
            customised=c in mine,
            people=counts[c]["people"],
            due=counts[c][cadence.DUE],
            overdue=counts[c][cadence.OVERDUE],
            dormant=counts[c][cadence.DORMANT],
        )
        for c, cad in settings.items()
    ]
    emit(rows, fmt, CIRCLE_COLUMNS)


@circle_app.command("set")
def circle_set(
    circle: Annotated[str, typer.Argument(help="close, active, network or wider.")],
    ideal: Annotated[int | None, typer.Option(help="Ideal days between contacts.")] = None,
    max_: Annotated[
        int | None, typer.Option("--max", help="Most days between contacts before overdue.")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the default cadence.")] = False,
) -> None:
    """Change how often you want to be in touch with a circle."""
    from goodwill.scoring import cadence

    with state.session() as s:
        cad = cadence.set_circle(s, circle, ideal_days=ideal, max_days=max_, reset=reset)
    done(f"{circle.lower()}: every {cad.ideal_days} days ideally, {cad.max_days} at most")


def undo(
    action: Annotated[
        str, typer.Argument(metavar="ACTION", help="The id printed by done, snooze or skip.")
    ],
) -> None:
    """Undo a done, snooze or skip: the action comes back (a done's interaction is deleted)."""
    from goodwill.daily import undo as undoing

    with state.session() as s:
        status = undoing.undo(s, action)
    done(f"undone: {action} is no longer {status}")


def register(app: typer.Typer) -> None:
    app.command("today")(today)
    app.command("done")(done_)
    app.command("snooze")(snooze)
    app.command("skip")(skip)
    app.command("undo")(undo)
    app.command("schedule")(schedule_)
    app.command("week")(week)
    app.add_typer(circle_app, name="circle")
