"""Commands of the web front door: serve a store, and manage its API users."""

from __future__ import annotations

import click

from remnant.cli.command import command, group
from remnant.cli.options import store_argument, user_option
from remnant.translate import _


@command()
@store_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (default loopback; 0.0.0.0: all networks).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--hazard",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Hazard map COG (from remnant hazard) to serve as map tiles.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Address clients reach the service at, for links (behind a proxy).",
)
def serve(store, host, port, hazard, base_url) -> None:
    """Serve STORE: the records API, OGC API – Features at /ogc and the dashboard at /."""
    import uvicorn

    from remnant.store import open_store
    from remnant.web.app import create_app

    app = create_app(open_store(store), hazard=hazard, base_url=base_url)
    click.echo(
        _("serving {store} at http://{host}:{port}/ (OGC API: /ogc; API: /openapi.json)").format(
            store=store, host=host, port=port
        )
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


@group()
def users() -> None:
    """Web API users: viewer (read), editor (write records), admin (manage users)."""


@users.command("add")
@store_argument
@click.argument("name")
@click.option("--role", required=True, help="viewer, editor or admin (see remnant users)")
@user_option
def add(store, name, role, user) -> None:
    """Add user NAME with ROLE and print their API key (shown once, stored hashed)."""
    from remnant.store import open_store

    key = open_store(store).add_user(name, role, by=user)
    click.echo(
        _("added {name} ({role}); their API key, shown only now:").format(name=name, role=role)
    )
    click.echo(key)


@users.command("revoke")
@store_argument
@click.argument("name")
@user_option
def revoke(store, name, user) -> None:
    """Revoke user NAME's key at once."""
    from remnant.store import open_store

    open_store(store).revoke_user(name, by=user)
    click.echo(_("revoked {name}").format(name=name))


@users.command("list")
@store_argument
def list_(store) -> None:
    """List users, roles and when they were added or revoked (never keys)."""
    from remnant.store import open_store

    for row in open_store(store).users().itertuples():
        state = f"revoked {row.revoked_at}" if row.revoked_at else "active"
        click.echo(
            _("{name}\t{role}\tadded {created_at}\t{state}").format(
                name=row.name, role=row.role, created_at=row.created_at, state=state
            )
        )


COMMANDS = [serve, users]
