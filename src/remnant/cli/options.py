"""Options shared by several commands, defined once so a flag means the same everywhere."""

from __future__ import annotations

import click

store_argument = click.argument("store", metavar="STORE")

overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an output that exists (never done silently)."
)

user_option = click.option(
    "--user",
    "-u",
    default=None,
    metavar="NAME",
    help="Who makes the change, for the audit log (default: the operating-system user).",
)

csv_option = click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the table as CSV.",
)
