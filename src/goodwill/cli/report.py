"""report: your networking over time, as charts in one HTML file or figures as JSON."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
