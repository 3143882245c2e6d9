"""The goodwill command line: a thin face on the domain modules.

Each command parses its arguments, calls one domain function in one transaction and
prints the result. Errors meant for the user are one sentence on stderr, exit status 1;
usage errors exit 2; no traceback reaches the user (GOODWILL_DEBUG=1 shows it).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from goodwill import __version__
from goodwill.cli import state

# `log edit ID` and `log remove ID` read as sub-commands of `log`, which itself takes
# people's names: the words after `log` decide which command runs.
LOG_SUBCOMMANDS = {"edit": "log-edit", "remove": "log-remove"}


class _Root(TyperGroup):
    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if len(args) > 1 and args[0] == "log" and args[1] in LOG_SUBCOMMANDS:
            name = LOG_SUBCOMMANDS[args[1]]
            # Named as typed, so that its usage line reads "goodwill log edit ...".
            return f"log {args[1]}", self.get_command(ctx, name), args[2:]
        return super().resolve_command(ctx, args)


def _plain_metavars() -> None:
    """Help shows NAME and EMAIL..., not Typer's `name <str>` and `<list[str]>`."""
    from typer import core

    def option_metavar(self: Any, ctx: Any) -> str:
        if self.metavar is not None:
            return str(self.metavar)
        if self.type_descriptor.is_choice:
            return str(self.display_type(ctx)).strip("<>")
        plain = str(self.name or "value").upper()
        return plain + ("..." if self.multiple or self.nargs != 1 else "")

    def argument_name(self: Any) -> str:
        name = str(self.metavar or str(self.name).upper())
        return name if self.metavar or self.nargs == 1 else name + "..."

    def argument_usage(self: Any) -> str:
        if self.metavar == "":  # said by the argument before it (import's [FORMAT] PATH)
            return ""
        name = argument_name(self)
        return name if self.required else f"[{name}]"

    def short_help(self: Any, limit: int = 45) -> str:
        """The command list's line: the summary up to a phrase's end (a colon, semicolon
        or comma) when the whole does not fit, never cut mid-phrase with '...'."""
        text = " ".join(str(self.short_help or self.help or "").split("\n\n")[0].split())
        text = text.split(". ")[0].rstrip(".")
        if len(text) <= limit:
            return text
        ends = [
            i
            for i, ch in enumerate(text[:limit])
            if (ch in ":;," or text.startswith(" (", i))
            and text[:i].count("(") == text[:i].count(")")  # not inside brackets
        ]
        if ends and ends[-1] > limit // 3:
            return text[: ends[-1]].rstrip()
        return text[: text.rfind(" ", 0, limit)]

    core.TyperCommand.get_short_help_str = short_help  # type: ignore[method-assign]
    core.TyperGroup.get_short_help_str = short_help  # type: ignore[method-assign]
    core.TyperOption.display_type_rich = option_metavar  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
    core.TyperArgument._rich_display_name = argument_name  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = argument_usage  # type: ignore[method-assign]


_plain_metavars()

app = typer.Typer(
    cls=_Root,
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
            help="SQLite file or database URL (default: goodwill.db in your data folder).",
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
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV output (--format csv): write cells exactly as stored. By default a "
            "cell a spreadsheet would run as a formula (= + - @) starts with an apostrophe.",
        ),
    ] = False,
) -> None:
    """goodwill: keep in touch, give as good as you get, and know whom to ask."""
    from goodwill.cli import output

    state.set_db(db, user)
    output.set_raw_csv(raw)


def _register() -> None:
    # Command modules import only typer at load time; domain code loads inside commands.
    # They do not use `from __future__ import annotations`: Typer would eval() every string
    # annotation of every command to build the tree, most of what `--help` cost.
    from goodwill.cli import (
        agenda,
        demo,
        doctor,
        interviews,
        ledger,
        log,
        needs,
        orgs,
        people,
        report,
        search,
        sync,
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
        sync,
        doctor,
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


def _unexpected(exc: Exception) -> str:
    """The last net's sentence: a database error names its cause, never its statement
    or parameters (personal data); a URL's password never shows."""
    from sqlalchemy.exc import DBAPIError

    from goodwill.store.db import mask

    if isinstance(exc, DBAPIError):
        cause = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return mask(f"database error: {cause} (set GOODWILL_DEBUG=1 for details)")
    return mask(f"unexpected {type(exc).__name__}: {exc} (set GOODWILL_DEBUG=1 for details)")


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
        _fail(_unexpected(exc))
    finally:
        state.close()
