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
import contextvars
import datetime as dt
import io
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.errors import InvalidInput
from goodwill.report import habits, periods
from goodwill.schemas.reports import DayCount, ReportFigures, Totals, WeekRow
from goodwill.store import private_file
from goodwill.store.models import Meeting

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def figures(session: Session, *, weeks: int = 26, today: dt.date | None = None) -> ReportFigures:
    """Every figure of the report for the `weeks` weeks ending today."""
    end = today or dt.date.today()
    start, end = periods.period(weeks, end)
    daily = periods.interactions_by_day(session, start, end)
    series = {
        "new_contacts": periods.new_contacts_by_day(session, start, end),
        "interviews": periods.interviews_by_day(session, start, end),
        "referrals": periods.referrals_by_day(session, start, end),
        "leads": periods.leads_by_day(session, start, end),
    }
    exchanged, kinds = periods.exchanges_by_day_and_kind(session, start, end)
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
    stages, origins = periods.leads_by(session, start, end)
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
        top_sources=periods.top_sources(session, start, end),
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
    import matplotlib  # deferred: only drawing charts needs it, and it is slow to import

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


# A chart drawn for a phone (about 360 px wide): narrower, so that its text, shown at
# nearly its own size, stays readable instead of being scaled down with the picture.
_NARROW: contextvars.ContextVar[bool] = contextvars.ContextVar("narrow", default=False)
NARROW_INCHES = 4.2


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    if _NARROW.get() and width > NARROW_INCHES:
        width, height = NARROW_INCHES, height * 1.15
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _week_axis(ax: Any, figs: ReportFigures) -> list[float]:
    """x positions for weeks, labelled with their Monday every few weeks."""
    xs = [float(i) for i in range(len(figs.weekly))]
    step = max(1, len(xs) // (4 if _NARROW.get() else 9))
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
    import numpy as np  # deferred with matplotlib: only charts need it

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
    import numpy as np  # deferred with matplotlib: only charts need it

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


def chart_svg(figs: ReportFigures, name: str, *, narrow: bool = False) -> bytes:
    """One chart as SVG, which scales with the page; `narrow` draws it for a phone."""
    draw = CHARTS.get(name)
    if draw is None:
        raise InvalidInput("chart", name, "choose one of " + ", ".join(CHARTS))
    _style()
    token = _NARROW.set(narrow)
    try:
        fig = draw(figs)
        if narrow:  # a title as wide as the desktop chart would run off a phone's
            for ax in fig.axes:
                title = ax.get_title(loc="left")
                if title:
                    ax.set_title(textwrap.fill(title, 34), loc="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        _NARROW.reset(token)
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

TEMPLATE = Path(__file__).parent / "report.html"


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
    if path.expanduser().is_dir() and not path.expanduser().is_symlink():
        raise InvalidInput("output", str(path), "is a folder; name a file such as report.html")
    return private_file.check(path, force)


def write(path: Path, text: str, force: bool = False) -> None:
    """The report holds your network: written 0600, atomically (goodwill.store.private_file)."""
    private_file.write(path, text.encode("utf-8"), force)
