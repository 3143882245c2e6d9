"""The goodwill command line: a thin face on the domain modules.

Each command parses its arguments, calls one domain function in one transaction and
prints the result. Errors meant for the user are one sentence on stderr, exit status 1;
usage errors exit 2; no traceback reaches the user (GOODWILL_DEBUG=1 shows it).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from goodwill import __version__
from goodwill.cli import state

app = typer.Typer(
    name="goodwill",
    help="goodwill: keep in touch, give as good as you get, and know whom to ask.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"goodwill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="GOODWILL_DB",
            metavar="PATH_OR_URL",
            help="SQLite file or database URL (default: goodwill.store.db in your data folder).",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar="GOODWILL_USER",
            metavar="NAME",
            help="On a team database: run the command as this member (name or email).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """goodwill: keep in touch, give as good as you get, and know whom to ask."""
    state.set_db(db, user)


def _register() -> None:
    # Command modules import only typer at load time; domain code loads inside commands.
    from goodwill.cli import (
        agenda,
        demo,
        interviews,
        ledger,
        log,
        needs,
        orgs,
        people,
        report,
        search,
        team,
        transfer,
        web,
    )

    for module in (
        people,
        orgs,
        log,
        search,
        demo,
        ledger,
        needs,
        agenda,
        interviews,
        report,
        transfer,
        team,
        web,
    ):
        module.register(app)


_register()


def _fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)


def _click_exit(exc: Exception) -> None:
    """Exit as click would for its own exceptions (typer vendors click, so match by shape)."""
    name = type(exc).__name__
    if name == "Exit":
        sys.exit(getattr(exc, "exit_code", 0))
    if name == "Abort":
        _fail("aborted", 1)
    show = getattr(exc, "show", None)
    if callable(show) and hasattr(exc, "exit_code"):  # usage errors, bad parameters
        show()
        sys.exit(exc.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one clear sentence."""
    from goodwill.errors import GoodwillError

    try:
        code = app(args=argv, standalone_mode=False, prog_name="goodwill")
        if isinstance(code, int) and code:
            sys.exit(code)
    except GoodwillError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # the last net: never a traceback for the user
        _click_exit(exc)
        if os.environ.get("GOODWILL_DEBUG"):
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (set GOODWILL_DEBUG=1 for details)")
    finally:
        state.close()
