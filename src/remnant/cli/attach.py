"""Commands on attachments: photos, sketch maps and certificates kept with records."""

from __future__ import annotations

from pathlib import Path

import click

from remnant.cli.command import group
from remnant.cli.options import overwrite_option, store_argument, user_option
from remnant.cli.tables import new_table
from remnant.entities import ENTITIES
from remnant.translate import N_, _, number


@group()
def attach() -> None:
    """Files kept with records: photos, sketch maps, certificates (docs/attachments.md)."""


@attach.command()
@store_argument
@click.argument("layer", type=click.Choice(list(ENTITIES)))
@click.argument("record_id", metavar="ID")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", default="other", show_default=True, help="photo, sketch_map, …")
@click.option("--caption", default=None, help="What the file shows.")
@user_option
def add(store, layer, record_id, files, kind, caption, user) -> None:
    """Keep FILES with the record ID of LAYER (checked: type from content, size).

    Every file is checked first: one refused file keeps none.
    """
    from remnant.attachments import inspect
    from remnant.store import default_user, open_store
    from remnant.store.attachments import add as add_file

    opened = open_store(store)
    for file in files:  # every file checked before any is kept
        inspect(Path(file).name, Path(file).read_bytes())
    for file in files:
        path = Path(file)
        att_id = add_file(
            opened,
            layer,
            record_id,
            path.name,
            path.read_bytes(),
            user=user or default_user(),
            kind=kind,
            caption=caption,
        )
        click.echo(
            _("{att_id}: {name} with {layer}/{record_id}").format(
                att_id=att_id, name=path.name, layer=layer, record_id=record_id
            )
        )


@attach.command("list")
@store_argument
@click.option("--layer", type=click.Choice(list(ENTITIES)), default=None)
@click.option("--id", "record_id", default=None, help="Only this record's.")
def list_(store, layer, record_id) -> None:
    """The attachments kept: record, file, kind, type, size and SHA-256."""
    from rich.console import Console

    from remnant.store import open_store
    from remnant.store.attachments import listing

    kept = listing(open_store(store), layer, record_id)
    table = new_table(
        _("Attachments"),
        [N_("id"), N_("record"), N_("name"), N_("kind"), N_("type"), N_("bytes"), N_("sha256")],
        right=("bytes",),
        whole=("id",),
    )
    for row in kept.itertuples():
        table.add_row(
            row.id,
            f"{row.layer}/{row.record_id}",
            row.name,
            row.kind,
            row.media_type,
            f"{row.size:,}",
            row.sha256[:16] + "…",
        )
    Console().print(table)
    click.echo(_("{n} attachment(s)").format(n=len(kept)))


@attach.command()
@store_argument
@click.argument("att_id", metavar="ATTACHMENT")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: its name.")
@overwrite_option
def get(store, att_id, out, overwrite) -> None:
    """Write ATTACHMENT's file, byte for byte as it was given."""
    from remnant.outputs import refuse_existing
    from remnant.store import open_store
    from remnant.store.attachments import read

    meta, data = read(open_store(store), att_id)
    path = Path(out or meta["name"])
    refuse_existing(path, overwrite=overwrite)
    path.write_bytes(data)
    click.echo(
        _("wrote {path} ({size} bytes, sha256 {sha256})").format(
            path=path, size=number(meta["size"]), sha256=meta["sha256"]
        )
    )


@attach.command()
@store_argument
@click.argument("att_id", metavar="ATTACHMENT")
@user_option
def remove(store, att_id, user) -> None:
    """Remove ATTACHMENT (audited under its record)."""
    from remnant.store import default_user, open_store
    from remnant.store.attachments import remove as remove_file

    meta = remove_file(open_store(store), att_id, user=user or default_user())
    click.echo(
        _("removed {name} from {layer}/{record_id}").format(
            name=meta["name"], layer=meta["layer"], record_id=meta["record_id"]
        )
    )


@attach.command("export")
@store_argument
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--layer", type=click.Choice(list(ENTITIES)), default=None)
def export_(store, folder, layer) -> None:
    """Write the attachments into FOLDER (LAYER/ID/NAME, and attachments.csv)."""
    from remnant.store import open_store
    from remnant.store.attachments import export_folder

    n = export_folder(open_store(store), folder, layer)
    click.echo(_("wrote {n} attachment(s) to {folder}").format(n=n, folder=folder))


@attach.command("import")
@store_argument
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@user_option
def import_(store, folder, user) -> None:
    """Attach the files of FOLDER, as remnant export wrote them (hashes checked)."""
    from remnant.store import default_user, open_store
    from remnant.store.attachments import import_folder

    added, same = import_folder(open_store(store), folder, user=user or default_user())
    click.echo(
        _("{folder}: {added} attachment(s) added, {same} already kept").format(
            folder=folder, added=added, same=same
        )
    )


COMMANDS = [attach]
