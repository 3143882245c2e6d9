"""The picture of your progress: figures over a period, charts, one self-contained HTML file.

Figures are computed in SQL (one GROUP BY per figure, by day) and bucketed into weeks
(Monday to Sunday) here. Definitions, so that the numbers can be checked by hand:

- days networked: days with at least one interaction that happened (not planned); the
  streaks are the habit's (`habits.streaks`), within the period;
- new contacts: active people (not you) whose first date falls in the week: the day you
  met them, else their first interaction, else the day they were added;
- interviews: informational interviews recorded as done, on the day they were held;
- referrals: people recorded as met through someone, on the day you met them;
- leads: leads added in the week; their origin is "via a referral" when the person who sent
  it was met through someone, "from a contact" when sent by anyone else, else "on your own";
- gave / got: exchanges you gave and received (thank-yous included), per person.

Charts are drawn with matplotlib's Agg backend (no display needed) and inlined in the HTML
as base64 PNGs, so the report is one file you can open, mail or archive.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, bindparam, case, false, func, select
from sqlalchemy.orm import Session

from goodwill import habits, people, vocab
from goodwill.db import raw_rows
from goodwill.errors import InvalidInput
from goodwill.models import Exchange, Interaction, Lead, Meeting, Participant, Person
from goodwill.schemas.reports import DayCount, ReportFigures, SourceCount, Totals, WeekRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_WEEKS = 520
TOP_SOURCES = 8
ORIGINS = ("via a referral", "from a contact", "on your own")


def _day(column: Any) -> Any:
    # date() exists in SQLite and PostgreSQL; typed Date so both return datetime.date.
    return func.date(column, type_=Date)


def period(weeks: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """From the Monday `weeks - 1` weeks before this week's Monday, to today."""
    if weeks < 1 or weeks > MAX_WEEKS:
        raise InvalidInput("weeks", weeks, f"choose between 1 and {MAX_WEEKS}")
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=weeks - 1), today


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time()
    )


def _per_day(session: Session, stmt: Any) -> dict[dt.date, int]:
    return {_as_date(d): int(n) for d, n in session.execute(stmt) if d is not None}


def interactions_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    # Read from the index of the days something happened (migration 0008), whose terms
    # these are (`planned = false`, `date(occurred_at)`): in day order, no date computed
    # per interaction and no sort (14 -> 3 ms over 26 weeks at 250,000 interactions).
    day = func.date(Interaction.occurred_at)
    first, last = (start.isoformat(), end.isoformat()) if _is_sqlite(session) else (start, end)
    return _per_day(
        session,
        select(day, func.count())
        .where(Interaction.planned == false(), day >= first, day <= last)
        .group_by(day),
    )


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"  # its date() is text: compare text


def new_contacts_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """People first met in the period, by day: their meeting date, else their first
    interaction, else the day they were added."""
    # Those with a meeting date: a range of the met_on index (migration 0010), instead of
    # a day computed for everyone.
    by_day = _per_day(
        session,
        select(Person.met_on, func.count(Person.id))
        .where(people.ACTIVE, Person.met_on >= start, Person.met_on <= end)
        .group_by(Person.met_on),
    )
    # The few without one (the same index finds them): their first interaction's day.
    undated = Person.met_on.is_(None)
    first = (
        select(
            Participant.person_id.label("pid"),
            func.min(Interaction.occurred_at).label("first"),
        )
        .join(Interaction, Interaction.id == Participant.interaction_id)
        .where(
            Interaction.planned.is_(False),
            Participant.person_id.in_(select(Person.id).where(undated)),
        )
        .group_by(Participant.person_id)
        .subquery()
    )
    day = func.coalesce(_day(first.c.first), _day(Person.created_at), type_=Date).label("day")
    rest = _per_day(
        session,
        select(day, func.count(Person.id))
        .select_from(Person)
        .outerjoin(first, first.c.pid == Person.id)
        .where(people.ACTIVE, undated, day >= start, day <= end)
        .group_by(day),
    )
    for d, n in rest.items():
        by_day[d] = by_day.get(d, 0) + n
    return by_day


def interviews_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    lo, hi = _bounds(start, end)
    day = _day(Interaction.occurred_at)
    return _per_day(
        session,
        select(day, func.count(Meeting.id))
        .join(Interaction, Interaction.id == Meeting.interaction_id)
        .where(
            Meeting.status == "done",
            Interaction.occurred_at >= lo,
            Interaction.occurred_at < hi,
        )
        .group_by(day),
    )


# Referred by someone: `> 0` (ids are positive) is a range of the met_through_id index
# (migration 0010), which SQLite prefers to scanning the active people; IS NOT NULL is not.
_REFERRED = Person.met_through_id > 0


def _referral_day() -> Any:
    return func.coalesce(Person.met_on, _day(Person.created_at), type_=Date)


def referrals_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    day = _referral_day().label("day")
    return _per_day(
        session,
        select(day, func.count(Person.id))
        .where(people.ACTIVE, _REFERRED, day >= start, day <= end)
        .group_by(day),
    )


def leads_by_day(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    lo, hi = _bounds(start, end)
    day = _day(Lead.created_at)
    return _per_day(
        session,
        select(day, func.count(Lead.id))
        .where(Lead.created_at >= lo, Lead.created_at < hi)
        .group_by(day),
    )


# The period's exchanges you gave or got, counted per day and kind: the terms and order
# of their index (migration 0010: date, direction, kind, time), read grouped already and
# from the index alone. Built once; its dates and counts read as the driver gives them.
_exchange_day = func.date(Exchange.occurred_at)
_EXCHANGES_BY_DAY = (
    select(Exchange.direction, _exchange_day, Exchange.kind, func.count())
    .where(
        Exchange.direction.in_(("gave", "got")),
        _exchange_day >= bindparam("first"),
        _exchange_day <= bindparam("last"),
    )
    .group_by(_exchange_day, Exchange.direction, Exchange.kind)
)


def exchanges_by_day_and_kind(
    session: Session, start: dt.date, end: dt.date
) -> tuple[dict[str, dict[dt.date, int]], dict[str, dict[str, int]]]:
    """What you gave and got in the period, per day and per kind (the most frequent kind
    first): one pass over the period's exchanges for both."""
    # SQLite's date() is text: compare text.
    first, last = (start.isoformat(), end.isoformat()) if _is_sqlite(session) else (start, end)
    by_day: dict[str, dict[dt.date, int]] = {"gave": {}, "got": {}}
    kinds: dict[str, Counter[str]] = {"gave": Counter(), "got": Counter()}
    session.flush()  # as a query through the session would
    rows = raw_rows(session, _EXCHANGES_BY_DAY, {"first": first, "last": last})
    for direction, d, kind, n in rows:
        date = _as_date(d)
        by_day[direction][date] = by_day[direction].get(date, 0) + int(n)
        kinds[direction][kind] += int(n)
    by_kind = {
        direction: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        for direction, counts in kinds.items()
    }
    return by_day, by_kind


def leads_by(
    session: Session, start: dt.date, end: dt.date
) -> tuple[dict[str, int], dict[str, int]]:
    """Leads added in the period by stage (in pipeline order) and by origin."""
    lo, hi = _bounds(start, end)
    in_period = (Lead.created_at >= lo, Lead.created_at < hi)
    stages = dict(
        session.execute(
            select(Lead.stage, func.count(Lead.id)).where(*in_period).group_by(Lead.stage)
        ).all()
    )
    origin = case(
        (Lead.from_person_id.is_(None), ORIGINS[2]),
        (Person.met_through_id.is_not(None), ORIGINS[0]),
        else_=ORIGINS[1],
    ).label("origin")
    origins: dict[str, int] = dict(
        session.execute(
            select(origin, func.count(Lead.id))
            .select_from(Lead)
            .outerjoin(Person, Person.id == Lead.from_person_id)
            .where(*in_period)
            .group_by(origin)
        ).all()
    )
    return (
        {s: int(stages.get(s, 0)) for s in vocab.LEAD_STAGES},
        {o: int(origins.get(o, 0)) for o in ORIGINS},
    )


def top_sources(session: Session, start: dt.date, end: dt.date) -> list[SourceCount]:
    """The people who referred you to others or sent you leads in the period."""
    lo, hi = _bounds(start, end)
    day = _referral_day()
    referred = dict(
        session.execute(
            select(Person.met_through_id, func.count(Person.id))
            .where(people.ACTIVE, _REFERRED, day >= start, day <= end)
            .group_by(Person.met_through_id)
        ).all()
    )
    sent = dict(
        session.execute(
            select(Lead.from_person_id, func.count(Lead.id))
            .where(Lead.from_person_id.is_not(None), Lead.created_at >= lo, Lead.created_at < hi)
            .group_by(Lead.from_person_id)
        ).all()
    )
    ids = {int(i) for i in (*referred, *sent) if i is not None}
    names = dict(
        session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids))).all()
    )
    rows = [
        SourceCount(
            person_id=pid,
            name=names.get(pid, "?"),
            referrals=int(referred.get(pid, 0)),
            leads=int(sent.get(pid, 0)),
        )
        for pid in ids
    ]
    rows.sort(key=lambda r: (-(r.referrals + r.leads), -r.leads, r.name.lower()))
    return rows[:TOP_SOURCES]


def figures(session: Session, *, weeks: int = 26, today: dt.date | None = None) -> ReportFigures:
    """Every figure of the report for the `weeks` weeks ending today."""
    end = today or dt.date.today()
    start, end = period(weeks, end)
    daily = interactions_by_day(session, start, end)
    series = {
        "new_contacts": new_contacts_by_day(session, start, end),
        "interviews": interviews_by_day(session, start, end),
        "referrals": referrals_by_day(session, start, end),
        "leads": leads_by_day(session, start, end),
    }
    exchanged, kinds = exchanges_by_day_and_kind(session, start, end)
    series.update(exchanged)
    rows = [WeekRow(week=start + dt.timedelta(weeks=i)) for i in range(weeks)]
    for d, n in daily.items():
        row = rows[(d - start).days // 7]
        row.interactions += n
        row.days_networked += 1
    for field, per_day in series.items():
        for d, n in per_day.items():
            row = rows[(d - start).days // 7]
            setattr(row, field, getattr(row, field) + n)
    stages, origins = leads_by(session, start, end)
    current, longest = habits.streaks(sorted(daily), end)
    planned = session.scalar(select(func.count(Meeting.id)).where(Meeting.status == "planned"))

    def total(field: str) -> int:
        return sum(int(getattr(r, field)) for r in rows)

    return ReportFigures(
        start=start,
        end=end,
        weeks=weeks,
        totals=Totals(
            days=(end - start).days + 1,
            days_networked=len(daily),
            longest_streak=longest,
            current_streak=current,
            interactions=total("interactions"),
            new_contacts=total("new_contacts"),
            interviews=total("interviews"),
            interviews_planned=int(planned or 0),
            referrals=total("referrals"),
            leads=total("leads"),
            gave=total("gave"),
            got=total("got"),
        ),
        days=[DayCount(date=d, interactions=n) for d, n in sorted(daily.items())],
        weekly=rows,
        leads_by_stage=stages,
        leads_by_origin=origins,
        gave_by_kind=kinds["gave"],
        got_by_kind=kinds["got"],
        top_sources=top_sources(session, start, end),
    )


# -- charts ---------------------------------------------------------------------------

INK = "#1f2328"
MUTED = "#656d76"
GRID = "#d8dee4"
EMPTY = "#ebedf0"
GREENS = ("#9be9a8", "#40c463", "#30a14e", "#216e39")
# Pipeline stages darken as a lead advances; closed ones fade to grey.
STAGE_COLOURS = ["#f2c6de", "#e38fbd", "#cf5c9b", "#a3246d", "#8c959f"]
COLOURS = {
    "contacts": "#0e7c86",
    "interviews": "#5b5fc7",
    "referrals": "#e8833a",
    "leads": "#bf3989",
    "gave": "#2da44e",
    "got": "#0969da",
}


def _style() -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; pyplot is never imported (it is slow to load)
    matplotlib.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.edgecolor": GRID,
            "axes.labelcolor": MUTED,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlecolor": INK,
            "axes.titlelocation": "left",
            "axes.titlepad": 14,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "legend.frameon": False,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
        }
    )


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _week_axis(ax: Any, figs: ReportFigures) -> list[float]:
    """x positions for weeks, labelled with their Monday every few weeks."""
    xs = [float(i) for i in range(len(figs.weekly))]
    step = max(1, len(xs) // 9)
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([f"{r.week:%b} {r.week.day}" for r in figs.weekly[::step]])
    ax.set_xlim(-0.7, len(xs) - 0.3)
    ax.tick_params(axis="both", length=0)
    return xs


def _integer_y(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)


def _levels(values: list[int]) -> list[int]:
    """Thresholds for the four shades: quartiles of the non-zero days, like GitHub."""
    import numpy as np

    nonzero = np.array([v for v in values if v > 0])
    if nonzero.size == 0:
        return [1, 2, 3, 4]
    q = np.quantile(nonzero, [0.25, 0.5, 0.75])
    cuts = [1, *(int(np.ceil(x)) for x in q)]
    for i in range(1, 4):  # strictly increasing, so every shade means more
        cuts[i] = max(cuts[i], cuts[i - 1] + 1)
    return cuts


def heatmap_chart(figs: ReportFigures) -> Figure:
    from matplotlib.patches import FancyBboxPatch

    counts = {d.date: d.interactions for d in figs.days}
    cuts = _levels(list(counts.values()))
    weeks = len(figs.weekly)
    cell = min(0.28, 10.8 / max(weeks, 1))  # inches: the grid fits 12 inches at most
    fig = _figure(1.2 + max(weeks, 8) * cell, 0.75 + 8.6 * cell)
    ax = fig.add_subplot()
    total = figs.totals
    ax.set_title(
        f"Days you networked: {total.days_networked} of {total.days}"
        f"  ·  longest streak {total.longest_streak} days",
        pad=24,
    )
    for w in range(weeks):
        for dow in range(7):
            day = figs.start + dt.timedelta(weeks=w, days=dow)
            if day > figs.end:
                continue
            n = counts.get(day, 0)
            shade = sum(n >= c for c in cuts)
            colour = EMPTY if shade == 0 else GREENS[shade - 1]
            ax.add_patch(
                FancyBboxPatch(
                    (w + 0.1, 6 - dow + 0.1),
                    0.8,
                    0.8,
                    boxstyle="round,pad=0,rounding_size=0.15",
                    linewidth=0,
                    facecolor=colour,
                )
            )
    ax.set_xlim(-0.2, weeks + 0.2)
    ax.set_ylim(-1.5, 7.1)
    ax.set_aspect("equal")
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([6.5 - 0, 6.5 - 2, 6.5 - 4])
    ax.set_yticklabels(["Mon", "Wed", "Fri"])
    ax.tick_params(length=0, labelsize=9)
    # Month names above the first week that starts in each month.
    ticks: list[float] = []
    labels: list[str] = []
    for w in range(weeks):
        monday = figs.start + dt.timedelta(weeks=w)
        if w == 0 or monday.month != (monday - dt.timedelta(weeks=1)).month:
            soon = figs.start + dt.timedelta(weeks=w + 2)
            if (w == 0 and soon.month != monday.month) or (w > weeks - 2 and ticks):
                continue  # a month shown for a week or two would crowd its neighbour
            ticks.append(w + 0.1)
            labels.append(f"{monday:%b}")
    ax.xaxis.tick_top()
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, ha="left")
    # The "Less ... More" legend under the grid, right-aligned, as GitHub draws it.
    x0 = max(weeks - 5.0, 2.5)
    ax.text(x0 - 0.3, -0.9, "Less", ha="right", va="center", fontsize=8, color=MUTED)
    for i, colour in enumerate((EMPTY, *GREENS)):
        ax.add_patch(
            FancyBboxPatch(
                (x0 + i + 0.1, -1.3),
                0.8,
                0.8,
                boxstyle="round,pad=0,rounding_size=0.15",
                linewidth=0,
                facecolor=colour,
            )
        )
    ax.text(x0 + 5.2, -0.9, "More", ha="left", va="center", fontsize=8, color=MUTED)
    return fig


def contacts_chart(figs: ReportFigures) -> Figure:
    fig = _figure(10.5, 3.4)
    ax = fig.add_subplot()
    xs = _week_axis(ax, figs)
    values = [r.new_contacts for r in figs.weekly]
    ax.bar(xs, values, width=0.72, color=COLOURS["contacts"])
    ax.set_title(f"New contacts per week: {figs.totals.new_contacts} in {figs.weeks} weeks")
    ax.set_ylabel("people")
    _integer_y(ax)
    return fig


def pipeline_chart(figs: ReportFigures) -> Figure:
    """Cumulative informational interviews, referrals and leads: progress adds up."""
    import numpy as np

    fig = _figure(10.5, 3.6)
    ax = fig.add_subplot()
    xs = _week_axis(ax, figs)
    series: tuple[tuple[str, str], ...] = (
        ("interviews", "informational interviews"),
        ("referrals", "referrals gained"),
        ("leads", "leads"),
    )
    ends = []
    for field, label in series:
        cumulative = np.cumsum([getattr(r, field) for r in figs.weekly])
        ax.step(xs, cumulative, where="mid", color=COLOURS[field], linewidth=2.4, label=label)
        ends.append((int(cumulative[-1]), field, label))
    top = max(max(e[0] for e in ends), 4) * 1.15
    # End labels, nudged apart so that equal totals do not print on top of each other.
    gap = top * 0.08
    placed: list[float] = []
    for value, field, label in sorted(ends):
        y = max([float(value), *(p + gap for p in placed)])
        placed.append(y)
        ax.annotate(
            f"{value} {label}",
            (xs[-1] + 0.6, y),
            va="center",
            color=COLOURS[field],
            fontsize=9.5,
            fontweight="bold",
            annotation_clip=False,
        )
    ax.set_xlim(-0.7, len(xs) - 0.3)
    ax.set_ylim(0, max(top, max(placed) + gap))
    ax.set_title("Interviews, referrals and leads, adding up week by week")
    ax.set_ylabel("running total")
    _integer_y(ax)
    return fig


def leads_chart(figs: ReportFigures) -> Figure:
    fig = _figure(10.5, 3.0)
    left, right = fig.subplots(1, 2, gridspec_kw={"wspace": 0.15})
    origins = list(figs.leads_by_origin.items())
    origin_colours = (COLOURS["referrals"], COLOURS["contacts"], "#8c959f")
    _hbars(left, [k for k, _ in origins], [v for _, v in origins], list(origin_colours))
    left.set_title(f"Where your {figs.totals.leads} leads came from")
    stages = list(figs.leads_by_stage.items())
    _hbars(right, [k.replace("_", " ") for k, _ in stages], [v for _, v in stages], STAGE_COLOURS)
    right.set_title("Where they stand")
    return fig


def _hbars(ax: Any, labels: list[str], values: list[int], colours: list[str]) -> None:
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, values, color=colours, height=0.62)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    top = max(values) if values and max(values) > 0 else 1
    for y, v in zip(ys, values, strict=True):
        ax.text(v + top * 0.02, y, str(v), va="center", color=INK, fontsize=10)
    ax.set_xlim(0, top * 1.15)
    ax.set_xticks([])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def exchange_chart(figs: ReportFigures) -> Figure:
    fig = _figure(10.5, 3.6)
    ax = fig.add_subplot()
    xs = _week_axis(ax, figs)
    gave = [r.gave for r in figs.weekly]
    got = [-r.got for r in figs.weekly]
    ax.bar(xs, gave, width=0.72, color=COLOURS["gave"], label="you gave")
    ax.bar(xs, got, width=0.72, color=COLOURS["got"], label="you received")
    ax.axhline(0, color=MUTED, linewidth=0.8)
    t = figs.totals
    ax.set_title(f"Gives vs gets: you gave {t.gave}, received {t.got}")
    _integer_y(ax)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{abs(int(v))}")
    ax.set_ylabel("received  ·  gave")
    ax.legend(loc="lower right", ncols=2, fontsize=9, bbox_to_anchor=(1, 1.0))
    limit = max([*gave, *(-g for g in got), 1]) * 1.25
    ax.set_ylim(-limit, limit)
    return fig


CHARTS = {
    "networked": heatmap_chart,
    "contacts": contacts_chart,
    "pipeline": pipeline_chart,
    "leads": leads_chart,
    "exchanges": exchange_chart,
}


def chart(figs: ReportFigures, name: str) -> bytes:
    """One chart (a name of CHARTS) as PNG bytes."""
    draw = CHARTS.get(name)
    if draw is None:
        raise InvalidInput("chart", name, "choose one of " + ", ".join(CHARTS))
    _style()
    buf = io.BytesIO()
    draw(figs).savefig(buf, format="png")
    return buf.getvalue()


def charts(figs: ReportFigures) -> dict[str, bytes]:
    """Each chart as PNG bytes, by name."""
    return {name: chart(figs, name) for name in CHARTS}


def save_charts(pngs: dict[str, bytes], folder: Path) -> list[Path]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in pngs.items():
            path = folder / f"report-{name}.png"
            path.write_bytes(data)
            paths.append(path)
    except OSError as exc:
        raise InvalidInput("charts", str(folder), f"cannot be written ({exc.strerror})") from exc
    return paths


# -- HTML -----------------------------------------------------------------------------

TEMPLATE = Path(__file__).parent / "data" / "report.html"


def html(figs: ReportFigures, pngs: dict[str, bytes], leads: list[Any]) -> str:
    """The whole report in one HTML file: no external file, script or font."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    images = {k: base64.b64encode(v).decode("ascii") for k, v in pngs.items()}
    giving = figs.totals.gave / figs.totals.got if figs.totals.got else None
    return template.render(
        f=figs,
        t=figs.totals,
        img=images,
        leads=leads,
        giving=giving,
        kinds=_kind_rows(figs),
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def _kind_rows(figs: ReportFigures) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for k, n in figs.gave_by_kind.items():
        totals[k][0] = n
    for k, n in figs.got_by_kind.items():
        totals[k][1] = n
    order = {k: i for i, k in enumerate(vocab.EXCHANGE_KINDS)}
    return [(k, g, r) for k, (g, r) in sorted(totals.items(), key=lambda i: order.get(i[0], 99))]


def check_output(path: Path, force: bool = False) -> Path:
    """Refuse an output path whose folder is missing, or that exists (without `force`),
    before any work is done."""
    from goodwill import private_file

    if path.expanduser().is_dir() and not path.expanduser().is_symlink():
        raise InvalidInput("output", str(path), "is a folder; name a file such as report.html")
    return private_file.check(path, force)


def write(path: Path, text: str, force: bool = False) -> None:
    """The report holds your network: written 0600, atomically (goodwill.private_file)."""
    from goodwill import private_file

    private_file.write(path, text.encode("utf-8"), force)
