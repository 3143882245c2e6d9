"""team init | lock | user add | invite | list | remove | token | password | audit: members."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit

team_app = typer.Typer(
    help="Team mode: several people sharing one PostgreSQL database (docs/team.md).",
    no_args_is_help=True,
)
user_app = typer.Typer(help="Members of a team database: add, list, remove, tokens.")
intro_app = typer.Typer(
    help="Introductions through a teammate: ask, list, accept, decline, agreed, refused, made.",
    no_args_is_help=True,
)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (its first line), not the command line.",
    ),
]


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        from goodwill.errors import InvalidInput

        raise InvalidInput("password", "", "standard input held no password")
    return line


@team_app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="Your name: the first member, an admin.")],
    email: Annotated[str, typer.Option("--email", help="Your email, to sign in with.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Turn this (PostgreSQL) database into a team's: you become its first admin and own
    everything written so far; private rows are locked to their owner."""
    from goodwill.records import team

    password = _password(password_stdin)
    with state.session() as s:
        member = team.init_team(s, name, email, password)
    done(f"this database is now a team's; {member.name} (#{member.id}) is its admin")


@team_app.command("lock")
def lock() -> None:
    """Apply this goodwill's team policy to the database again (after an upgrade): on
    PostgreSQL the roles, grants, row-level security and the functions that read
    teammates' shared tier. Run as the tables' owner, like init; harmless to repeat."""
    from goodwill.store import policy
    from goodwill.store.db import open_store

    with state.team_session():
        policy.require_admin()
    # As the tables' owner: the team's own connections act as the app role.
    owner = open_store(state.store().url)
    try:
        with owner.session() as s:
            policy.lock_private_rows(s)
    finally:
        owner.dispose()
    done("the team policy is in place")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The member's name.")],
    email: Annotated[str, typer.Option("--email", help="Their email, to sign in with.")],
    role: Annotated[str, typer.Option(help="admin or member.")] = "member",
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a member to the team (an admin's command)."""
    from goodwill.records import team

    password = _password(password_stdin)
    with state.team_session() as s:
        member = team.add_member(s, name, email, role, password)
    done(f"added {member.name} <{member.email}> (#{member.id}, {member.role})")


@user_app.command("invite")
def invite(
    email: Annotated[str, typer.Argument(help="The new member's email, to sign in with.")],
    role: Annotated[str, typer.Option(help="admin or member.")] = "member",
    expires: Annotated[
        str, typer.Option(help="How long the link works: hours, days or weeks (12h, 7d, 2w).")
    ] = "7d",
    name: Annotated[
        str | None, typer.Option(help="Their name (default: the email's part before @).")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="The team server's address (default: GOODWILL_URL, else localhost)."),
    ] = None,
) -> None:
    """Invite a member (an admin's command): prints a link with which they set their
    password once; it stops working when used or when it expires."""
    import os

    from goodwill.records import team

    span = team.parse_span(expires)
    base = (url or os.environ.get("GOODWILL_URL") or "http://127.0.0.1:8765").rstrip("/")
    with state.team_session() as s:
        member, secret = team.invite(s, email, role, span, name)
    typer.echo(f"invited {member.name} <{member.email}> ({member.role}); send them this link, "
               f"which works once, for {expires}:")  # fmt: skip
    typer.echo(f"{base}/invite/{secret}")


@user_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List the team's members."""
    from goodwill.records import team
    from goodwill.schemas.team import MemberOut

    with state.team_session() as s:
        rows = [
            MemberOut(id=m.id, name=m.name, email=m.email, role=m.role, joined=m.created_at.date())
            for m in team.list_members(s)
        ]
    emit(rows, fmt, ["id", "name", "email", "role", "joined"], empty="no members")


@user_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The member's name or email.")]) -> None:
    """Remove a member (an admin's command): their sessions and tokens end at once."""
    from goodwill.records import team

    with state.team_session() as s:
        member = team.remove_member(s, name)
    done(f"removed {member.name}; their sign-ins and tokens no longer work")


@user_app.command("token")
def token(name: Annotated[str, typer.Argument(help="The member's name or email.")]) -> None:
    """Make a token for scripts (Authorization: Bearer TOKEN); it is shown once, last."""
    from goodwill.records import team

    with state.team_session() as s:
        value = team.new_token(s, name)
    typer.echo(f"token for {name} (keep it secret; shown once): {value}")


@user_app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="The member's name or email.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a member's password (your own, or anyone's as an admin); ends their sign-ins."""
    from goodwill.errors import InvalidInput
    from goodwill.records import team

    value = _password(password_stdin)
    if value is None:
        raise InvalidInput("password", "", "give it on standard input with --password-stdin")
    with state.team_session() as s:
        team.set_password(s, name, value)
    done(f"password set for {name}")


@user_app.command("audit")
def audit(
    limit: Annotated[int, typer.Option(min=1, max=10000, help="How many lines.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The audit log of admin actions, newest first (an admin's command)."""
    from goodwill.records import team
    from goodwill.schemas.team import AuditOut

    with state.team_session() as s:
        rows = [
            AuditOut(at=a.at, actor=a.actor, action=a.action, subject=a.subject)
            for a in team.audit_log(s, limit)
        ]
    emit(rows, fmt, ["at", "actor", "action", "subject"], empty="nothing logged")


@team_app.command("share")
def share(
    fields: Annotated[
        list[str], typer.Argument(help="What to show: date, channel, subject, or none.")
    ],
    interaction: Annotated[
        int | None, typer.Option(help="Only this interaction of yours (its number).")
    ] = None,
) -> None:
    """What teammates see of your interactions besides that they happened (default:
    nothing more), for all of them or for one."""
    from goodwill.asking import team as team_ask

    with state.team_session() as s:
        shown = team_ask.share(s, fields, interaction)
    which = f"interaction #{interaction}" if interaction is not None else "your interactions"
    done(f"teammates now see of {which}: {shown}")


@intro_app.command("ask")
def intro_ask(
    member: Annotated[str, typer.Argument(help="The teammate who knows them.")],
    person: Annotated[str, typer.Argument(help="Whom you want to meet (id, email or name).")],
    why: Annotated[str | None, typer.Option(help="Why, in a sentence, for your teammate.")] = None,
) -> None:
    """Ask a teammate to introduce you to someone they know (they see it in Today)."""
    from goodwill.asking import team as team_ask

    with state.team_session() as s:
        intro = team_ask.request_intro(s, member, person, why)
    done(f"asked {intro.to_member} to introduce you to {intro.person} (#{intro.id})")


@intro_app.command("list")
def intro_list(fmt: FormatOption = OutputFormat.table) -> None:
    """Introduction requests to and from you."""
    from goodwill.asking import team as team_ask

    with state.team_session() as s:
        rows = team_ask.intros(s)
    emit(rows, fmt, ["id", "from_member", "to_member", "person", "why", "status"],
         empty="no introduction requests")  # fmt: skip


def _answer(intro_id: int, accept: bool) -> None:
    from goodwill.asking import team as team_ask

    with state.team_session() as s:
        intro = team_ask.answer(s, intro_id, accept)
    if accept:
        done(
            f"accepted: ask {intro.person} whether they would like to meet {intro.from_member}, "
            "then introduce them ('goodwill intro')"
        )
    else:
        done(f"declined {intro.from_member}'s request to meet {intro.person}")


@intro_app.command("accept")
def intro_accept(intro_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """Accept a teammate's request: you will ask the person, then introduce them."""
    _answer(intro_id, True)


@intro_app.command("decline")
def intro_decline(intro_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """Decline a teammate's request for an introduction."""
    _answer(intro_id, False)


def _step(intro_id: int, what: str) -> None:
    from goodwill.asking import team as team_ask

    with state.team_session() as s:
        intro = team_ask.step(s, intro_id, what)
    said = {
        "agreed": f"{intro.person} agreed: now introduce them to {intro.from_member} "
        f"('goodwill team intro made {intro.id}')",
        "refused": f"{intro.person} would rather not: {intro.from_member} sees it was refused",
        "made": f"introduced {intro.from_member} to {intro.person}",
    }[what]
    done(said)


@intro_app.command("agreed")
def intro_agreed(intro_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """The person you asked agreed to be introduced (after you accepted the request)."""
    _step(intro_id, "agreed")


@intro_app.command("refused")
def intro_refused(intro_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """The person you asked would rather not be introduced."""
    _step(intro_id, "refused")


@intro_app.command("made")
def intro_made(intro_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """You made the introduction (after the person agreed)."""
    _step(intro_id, "made")


def register(app: typer.Typer) -> None:
    team_app.add_typer(intro_app, name="intro")
    app.add_typer(team_app, name="team")
    app.add_typer(user_app, name="user")
