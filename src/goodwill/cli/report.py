"""report: your networking over time, as charts in one HTML file or figures as JSON."""

from pathlib import Path
from typing import Annotated

import typer

from goodwill.cli import state
from goodwill.cli.output import FormatOption, OutputFormat, done


def report(
    weeks: Annotated[int, typer.Option(help="How many weeks, ending this week (1 to 520).")] = 26,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write the HTML report (default report.html)."
        ),
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option(help="Also save each chart as report-NAME.png in this folder."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The last day of the report (default today).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the report file if it already exists.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Your networking over time: days networked, new contacts, interviews, referrals,
    leads and where they came from, gives vs gets. HTML with charts, or --format json."""
    from goodwill import validate
    from goodwill.career import opportunities
    from goodwill.cli.output import emit, print_json, to_jsonable
    from goodwill.report import reports
    from goodwill.wording import plural

    today = validate.date(as_of, "as-of") if as_of else None
    if output is not None or fmt is OutputFormat.table:
        reports.check_output(output or Path("report.html"), force)
    with state.session() as s:
        figs = reports.figures(s, weeks=weeks, today=today)
        leads = opportunities.list_leads(s)
    if fmt is OutputFormat.json:
        print_json(to_jsonable(figs))
    elif fmt is OutputFormat.csv:
        emit(figs.weekly, fmt, list(figs.weekly[0].model_fields) if figs.weekly else [])
    if fmt is not OutputFormat.table and output is None and charts is None:
        return
    pngs = reports.charts(figs)
    if charts is not None:
        paths = reports.save_charts(pngs, charts)
        done(f"saved {plural(len(paths), 'chart')} in {charts.resolve()}")
    if fmt is OutputFormat.table or output is not None:
        target = output or Path("report.html")
        reports.write(target, reports.html(figs, pngs, leads), force)
        t = figs.totals
        if fmt is OutputFormat.table:
            typer.echo(
                f"{figs.start} to {figs.end}: networked {t.days_networked} of "
                f"{plural(t.days, 'day')}, {plural(t.new_contacts, 'new contact')}, "
                f"{plural(t.interviews, 'informational interview')}, "
                f"{plural(t.referrals, 'referral')}, {plural(t.leads, 'lead')}; "
                f"gave {t.gave}, received {t.got}"
            )
        # Said in full: a report written to the current folder is easy to lose.
        done(f"report written to {target.resolve()}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
