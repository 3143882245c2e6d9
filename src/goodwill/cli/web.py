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
) -> None:
    """Open goodwill in your browser: a local web app over the same data."""
    from goodwill.errors import InvalidInput

    if token is not None and len(token) < 8:
        raise InvalidInput("token", "…", "must be at least 8 characters")
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
    app = create_app(
        state.store(), token=token, allowed_hosts=hosts, compute_process=True, secure=tls
    )
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


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
