"""serve: the web app on this machine (localhost unless told otherwise, then with a token)."""

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from goodwill.cli import state


def is_loopback(host: str) -> bool:
    if host.strip("[]") in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on. Anything but localhost needs --token."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="GOODWILL_TOKEN",
            help="A password every browser and API client must give (required beyond "
            "localhost). Prefer the GOODWILL_TOKEN variable: options show in `ps`.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Another name this machine is reached by (Host header), e.g. box.lan; repeatable.",
        ),
    ] = None,
    ssl_certfile: Annotated[
        Path | None,
        typer.Option(
            "--ssl-certfile",
            help="Serve over HTTPS with this certificate (PEM); needs --ssl-keyfile.",
        ),
    ] = None,
    ssl_keyfile: Annotated[
        Path | None,
        typer.Option("--ssl-keyfile", help="The private key (PEM) of --ssl-certfile."),
    ] = None,
    team: Annotated[
        bool,
        typer.Option(
            "--team",
            help="Serve a team database (goodwill team init): members sign in with their "
            "email and password, each sees their own private rows.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="Server processes (with --team, on PostgreSQL)."),
    ] = 1,
) -> None:
    """Open goodwill in your browser: a local web app over the same data."""
    from goodwill.errors import InvalidInput

    if token is not None and len(token) < 8:
        raise InvalidInput("token", "…", "must be at least 8 characters")
    if workers > 1 and not team:
        raise InvalidInput("workers", workers, "several server processes need --team")
    if team:
        _serve_team(host, port, allow_host or [], workers)
        return
    if not is_loopback(host) and not token:
        raise InvalidInput(
            "host",
            host,
            "is reachable from other machines: set a token with --token or GOODWILL_TOKEN",
        )
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InvalidInput(
            "--ssl-certfile" if ssl_certfile is None else "--ssl-keyfile",
            "",
            "HTTPS needs both --ssl-certfile and --ssl-keyfile",
        )
    for option, path in (("--ssl-certfile", ssl_certfile), ("--ssl-keyfile", ssl_keyfile)):
        if path is not None and not path.is_file():
            raise InvalidInput(option, str(path), "is not a readable file")
    tls = ssl_certfile is not None
    if not is_loopback(host) and not tls:
        typer.echo(
            f"warning: serving on {host} without TLS: the token and your network travel in "
            "clear text. Use --ssl-certfile/--ssl-keyfile, or a TLS proxy in front "
            "(see docs/security.md).",
            err=True,
        )
    import uvicorn

    from goodwill.web import create_app

    hosts = [host, *(allow_host or [])]
    if host in ("0.0.0.0", "::"):
        import socket

        hosts += [socket.gethostname(), socket.getfqdn()]
    app = create_app(state.store(), token=token, allowed_hosts=hosts, secure=tls)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    scheme = "https" if tls else "http"
    typer.echo(f"goodwill is at {scheme}://{shown}:{port}/  (Ctrl+C to stop)", err=True)
    uvicorn.run(
        app,
        host=host.strip("[]"),
        port=port,
        log_level="warning",
        proxy_headers=False,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )


def _hosts(host: str, extra: list[str]) -> list[str]:
    hosts = [host, *extra]
    if host in ("0.0.0.0", "::"):
        import socket

        hosts += [socket.gethostname(), socket.getfqdn()]
    return hosts


def _serve_team(host: str, port: int, extra: list[str], workers: int) -> None:
    """A team's server: every member signs in, so it may listen beyond localhost."""
    import os

    import uvicorn

    from goodwill.errors import GoodwillError
    from goodwill.store import policy

    store = state.store()
    if policy.current() is None:
        raise GoodwillError("--team needs a team database: run 'goodwill team init' first")
    policy.set_viewer(None)  # each request names its own member
    hosts = _hosts(host, extra)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    typer.echo(f"goodwill (team) is at http://{shown}:{port}/  (Ctrl+C to stop)", err=True)
    if workers == 1:
        from goodwill.web import create_app

        app = create_app(store, team=True, allowed_hosts=hosts)
        uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
        return
    # Each worker process opens the database itself: nothing is kept in one process that
    # another could contradict (sessions, sign-in failures and data live in the database).
    os.environ["GOODWILL_DB"] = store.url
    os.environ["GOODWILL_ALLOWED_HOSTS"] = ",".join(hosts)
    state.close()
    uvicorn.run(
        "goodwill.web.app:team_app",
        factory=True,
        host=host.strip("[]"),
        port=port,
        workers=workers,
        log_level="warning",
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
