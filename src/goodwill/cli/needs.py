"""need add|list|close|announce, ask, path, knows, request add|list|answer, intro."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done, emit, emit_one

if TYPE_CHECKING:
    import datetime as dt

    from pydantic import BaseModel
    from sqlalchemy.orm import Session

need_app = typer.Typer(
    help="What you are looking for: add, list, close, announce.", no_args_is_help=True
)
request_app = typer.Typer(
    help="What others asked of you: add, list, answer (never a bare no).", no_args_is_help=True
)

AsOf = Annotated[str | None, typer.Option("--as-of", help="Rank as of this date (default now).")]


def _as_of(value: str | None) -> "dt.datetime | None":
    from goodwill import validate

    return validate.datetime(value, "as-of") if value else None


# -- needs --------------------------------------------------------------------------------
@need_app.command("add")
def need_add(
    text: Annotated[str, typer.Argument(help="What you need, e.g. 'a product job in fintech'.")],
    org: Annotated[
        list[str] | None, typer.Option("--org", help="A target organisation (repeatable).")
    ] = None,
    role: Annotated[str | None, typer.Option(help="The role you want.")] = None,
    place: Annotated[str | None, typer.Option(help="Where (a city, a region, remote).")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag people carry (repeatable).")
    ] = None,
) -> None:
    """Record a need: something you are looking for."""
    from goodwill.asking import needs

    with state.session() as s:
        need = needs.add(s, text, orgs_=org or [], role=role, place=place, tags=tag or [])
        done(f"added need #{need.id}: {need.text} (try 'goodwill ask {need.id}')")


@need_app.command("list")
def need_list(
    status: Annotated[str, typer.Option(help="open, closed or all.")] = "open",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List your needs, newest first."""
    from goodwill.asking import needs

    with state.session() as s:
        rows = needs.summaries(s, status=status)
    emit(
        rows,
        fmt,
        ["id", "text", "kind", "organizations", "roles", "places", "status", "interactions"],
        empty="no needs: add one with 'goodwill need add TEXT'",
    )


@need_app.command("close")
def need_close(
    need: Annotated[str, typer.Argument(help="The need's number.")],
    outcome: Annotated[str | None, typer.Option(help="How it ended.")] = None,
) -> None:
    """Close a need (found it, or gave up), with its outcome."""
    from goodwill.asking import needs

    with state.session() as s:
        item = needs.close(s, needs.get(s, need), outcome=outcome)
        done(f"closed need #{item.id}: {item.text}")


@need_app.command("announce")
def need_announce(
    need: Annotated[str, typer.Argument(help="The need's number.")],
    channel: Annotated[str, typer.Option(help="linkedin (a post) or email.")] = "linkedin",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Draft a post or an email that tells your network what you need (nothing is sent)."""
    from goodwill.asking import announce, needs

    with state.session() as s:
        draft = announce.draft(s, needs.get(s, need), channel)

    def render(item: "BaseModel") -> None:
        from goodwill.schemas.needs import Announcement

        assert isinstance(item, Announcement)
        if item.subject:
            typer.echo(f"Subject: {item.subject}\n")
        typer.echo(item.body)

    emit_one(draft, fmt, render)


# -- ask and path ---------------------------------------------------------------------------
def ask(
    need: Annotated[
        str, typer.Argument(metavar="NEED_OR_TEXT", help="A need's number, or what you need.")
    ],
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many people.")] = 10,
    as_of: AsOf = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Whom to ask: people ranked by how likely and willing they are to help, with reasons."""
    from goodwill.asking import ask as ask_mod

    with state.session() as s:
        rows = ask_mod.ask(s, need, limit=limit, as_of=_as_of(as_of))
        mates = _team_routes(s, need=need)
    if fmt is not OutputFormat.table:
        emit(rows, fmt, [])
        return
    _print_team(mates)
    if not rows:
        typer.echo(
            "nobody matches yet: add targets (--org, --role, --place, --tag) to the need, "
            "or notes and tags to people"
        )
        return
    for i, r in enumerate(rows, 1):
        where = f" ({r.person.organization})" if r.person.organization else ""
        typer.echo(
            f"{i}. {r.person.name}{where}  score {r.score:.2f} ({ask_mod.score_words(r.score)})"
        )
        for reason in r.reasons:
            typer.echo(f"   - {reason}")
        if r.path and len(r.path.steps) > 1:
            typer.echo("   path: you -> " + " -> ".join(st.name for st in r.path.steps))
    typer.echo("")
    typer.echo(ask_mod.SCORE_MEANS)
    if any(ask_mod.cites_weak_ties(r.reasons) for r in rows):
        typer.echo(ask_mod.WEAK_TIES_SOURCE)


def _team_routes(
    s: "Session", *, to: str | None = None, need: str | None = None
) -> list[Any]:
    """On a team database, teammates' ties to the target (shown before your own paths)."""
    from goodwill.store import policy

    if policy.current() is None:
        return []
    from goodwill.asking import team as team_ask

    ids = (
        team_ask.target_people(s, to)[1] if to is not None else team_ask.need_people(s, need or "")
    )
    return team_ask.routes(s, ids)[:10]


def _print_team(mates: list[Any]) -> None:
    if not mates:
        return
    from goodwill.asking import team as team_ask

    typer.echo("Through your team:")
    for m in mates:
        typer.echo(
            f"  - {team_ask.sentence(m)}  (goodwill team intro ask {m.member!r} {m.person_id})"
        )
        for d in m.shared:
            typer.echo(f"      {team_ask.detail(d)}")
    typer.echo("")


def path(
    to: Annotated[
        str, typer.Option("--to", metavar="ORG_OR_PERSON", help="An organisation or a person.")
    ],
    more: Annotated[
        list[str] | None,
        typer.Argument(hidden=True, metavar="", help="The rest of the name, typed without quotes."),
    ] = None,
    max_hops: Annotated[
        int, typer.Option("--max-hops", help="At most this many links (1 to 4).")
    ] = 3,
    limit: Annotated[int, typer.Option(min=1, max=50, help="How many paths.")] = 5,
    as_of: AsOf = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Warm introduction paths to a person or an organisation, strongest first."""
    from goodwill.asking import paths

    # `path --to Cobalt Climate`: the words after --to are one name.
    to = " ".join([to, *(more or [])])
    with state.session() as s:
        rows = paths.paths_to(s, to, max_hops=max_hops, limit=limit, as_of=_as_of(as_of))
        mates = _team_routes(s, to=to)
    if fmt is not OutputFormat.table:
        emit(rows, fmt, [])
        return
    _print_team(mates)
    if not rows:
        typer.echo(f"no warm path to {to} within {max_hops} links")
        return
    typer.echo(f"Warm paths to {rows[0].target}, strongest first (one per person you know):")
    for i, p in enumerate(rows, 1):
        chain = " -> ".join(
            st.name
            + (f" ({st.organization})" if st.organization else "")
            + f" [{st.strength:.2f} {st.via}]"
            for st in p.steps
        )
        typer.echo(f"{i}. score {p.score:.3f}: you -> {chain}")


def knows(
    a: Annotated[str, typer.Argument(help="A person (id, email or name).")],
    b: Annotated[
        str | None, typer.Argument(help="Whom they know; leave out to list whom A knows.")
    ] = None,
    how: Annotated[
        str | None,
        typer.Option(
            help="How they know each other: free text, or introduction, referral, "
            "employer, meeting, import, manual."
        ),
    ] = None,
    confidence: Annotated[
        float, typer.Option(help="How sure you are, more than 0 and at most 1.")
    ] = 1.0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Record that A knows B, or list whom A knows (entered and derived)."""
    from goodwill.asking import paths
    from goodwill.records import knows as knows_mod
    from goodwill.records import people

    with state.session() as s:
        pa = people.resolve(s, a)
        if b is None:
            rows = paths.edges_of(s, pa)
        else:
            pb = people.resolve(s, b)
            edge = knows_mod.add(s, pa, pb, how=how, confidence=confidence)
            done(f"{pa.display_name} knows {pb.display_name} ({edge.how})")
            return
    emit(rows, fmt, ["b_id", "b", "how", "strength", "derived", "note"], empty="no one known yet")


# -- requests -----------------------------------------------------------------------------
@request_app.command("add")
def request_add(
    person: Annotated[str, typer.Argument(help="Who asked (id, email or name).")],
    text: Annotated[str, typer.Argument(help="What they asked for.")],
    due: Annotated[str | None, typer.Option(help="When they need it (a date).")] = None,
) -> None:
    """Record something someone asked of you (it stays open until you answer)."""
    from goodwill import validate
    from goodwill.records import people, requests

    with state.session() as s:
        who = people.resolve(s, person)
        when = validate.date(due, "due") if due else None
        item = requests.add(s, who, text, due=when)
        done(f"request #{item.id} from {who.display_name}: {item.text}")


@request_app.command("list")
def request_list(
    status: Annotated[str, typer.Option(help="open, answered or all.")] = "open",
    person: Annotated[str | None, typer.Option(help="Only this person's requests.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List requests, due first."""
    from goodwill.records import people, requests

    with state.session() as s:
        who = people.resolve(s, person) if person else None
        rows = requests.list_(s, status=status, person=who)
    emit(
        rows,
        fmt,
        ["id", "person", "text", "asked_on", "due", "status", "answer", "answer_text"],
        empty="no requests",
    )


@request_app.command("answer")
def request_answer(
    request: Annotated[str, typer.Argument(help="The request's number.")],
    helped: Annotated[bool, typer.Option("--helped", help="You did what they asked.")] = False,
    offered: Annotated[str | None, typer.Option(help="Another way you offered to help.")] = None,
    referred: Annotated[str | None, typer.Option(help="The person you referred them to.")] = None,
    note: Annotated[str | None, typer.Option(help="A note about your answer.")] = None,
) -> None:
    """Answer a request: --helped, --offered TEXT or --referred PERSON (never a bare no)."""
    from goodwill.records import people, requests

    with state.session() as s:
        to = people.resolve(s, referred) if referred else None
        item = requests.answer(s, request, helped=helped, offered=offered, referred=to, note=note)
        done(f"answered request #{item.id} ({item.answer})")


# -- introductions ---------------------------------------------------------------------------
def intro(
    a: Annotated[str | None, typer.Argument(help="One person (id, email or name).")] = None,
    b: Annotated[str | None, typer.Argument(help="The other person.")] = None,
    why: Annotated[str | None, typer.Option(help="Why they should meet.")] = None,
    step: Annotated[
        str | None,
        typer.Option(
            help="Move it on: asked_a (A agreed), asked_b (B agreed), made, followed_up, declined."
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="List finished introductions too.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Introduce A to B (double opt-in), or list the introductions in progress."""
    from goodwill.errors import InvalidInput
    from goodwill.records import introductions, people

    if a is None or b is None:
        if a is not None:
            raise InvalidInput("person", a, "an introduction needs two people")
        with state.session() as s:
            rows = introductions.summaries(s, open_only=not all_)
        emit(
            rows,
            fmt,
            ["id", "a", "b", "why", "stage", "next_step"],
            empty="no introductions in progress",
        )
        return
    with state.session() as s:
        pa, pb = people.resolve(s, a), people.resolve(s, b)
        item = introductions.find_open(s, pa, pb)
        if item is None:
            if why is None:
                raise InvalidInput("why", "", "say why they should meet (--why TEXT)")
            item = introductions.propose(s, pa, pb, why)
        elif why is not None and step is None:
            raise InvalidInput(
                "introduction",
                f"{pa.display_name} and {pb.display_name}",
                "is already in progress; move it on with --step",
            )
        if step is not None:
            introductions.advance(s, item, step)
        [row] = introductions.summaries(s, open_only=False, ids=[item.id])
        nxt = f"; next: {row.next_step}" if row.next_step else ""
        done(f"introduction #{row.id} of {row.a} and {row.b}: {row.stage}{nxt}")


def register(app: typer.Typer) -> None:
    app.add_typer(need_app, name="need")
    app.add_typer(request_app, name="request")
    app.command("ask")(ask)
    app.command("path")(path)
    app.command("knows")(knows)
    app.command("intro")(intro)
