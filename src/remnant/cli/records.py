"""Commands on the record store: init, info, import, export, history, copy, migrate."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument, user_option
from remnant.cli.tables import new_table
from remnant.entities import ENTITIES
from remnant.translate import N_, _


@command()
@store_argument
@overwrite_option
def init(store: str, overwrite: bool) -> None:
    """Create an empty record store (a GeoPackage file STORE.gpkg)."""
    from remnant.store import create_store

    created = create_store(store, overwrite=overwrite)
    click.echo(
        _("created {backend} (schema version {schema_version})").format(
            backend=created.backend, schema_version=created.schema_version()
        )
    )


@command()
@store_argument
def info(store: str) -> None:
    """Show how many records of each kind STORE holds."""
    from remnant.store import open_store

    opened = open_store(store)
    title = f"{opened.backend} (schema version {opened.schema_version()})"
    table = new_table(title, (N_("layer"), N_("records")), right={"records"})
    for layer, count in opened.counts().items():
        table.add_row(layer, f"{count:,}")
    Console().print(table)


@command("import")
@store_argument
@click.argument("file", type=click.Path())
@click.option(
    "--layer",
    "-l",
    type=click.Choice(list(ENTITIES)),
    help="Which kind of record (required unless --profile).",
)
@click.option(
    "--profile",
    default=None,
    metavar="NAME|FILE.toml",
    help="Read another system's layout: every layer it names, from a multi-layer file "
    "(.gdb, .gpkg, .xlsx) or a folder of CSV files or Shapefiles (e.g. imsma-core).",
)
@click.option(
    "--form",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="FORM.xlsx",
    help="FILE is an ODK Central or KoboToolbox export of this form (made by remnant "
    "forms): its submissions wait for review.",
)
@click.option(
    "--media",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="With --form: the folder of the submissions' photos (default: the .zip's media/ "
    "or a media folder beside FILE).",
)
@click.option(
    "--crs",
    default=None,
    help="CRS of the coordinates where the file does not say (e.g. EPSG:32637).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="SRC=FIELD",
    help="Read column SRC as field FIELD (repeatable).",
)
@click.option(
    "--map-values",
    "value_mapping",
    multiple=True,
    metavar="FIELD:LABEL=VALUE,…",
    help="Read these labels of FIELD as these values, case and accents aside (repeatable).",
)
@click.option(
    "--date-format",
    default=None,
    metavar="FORMAT",
    help="How the file writes dates, e.g. %d/%m/%Y (default: ISO, or day-first or "
    "month-first as the file shows).",
)
@click.option(
    "--encoding", default=None, help="Text encoding of a CSV or Shapefile (default UTF-8)."
)
@click.option("--source-layer", default=None, help="Layer to read from a multi-layer file.")
@click.option(
    "--ignore-extra", is_flag=True, help="Ignore columns that are not fields of the layer."
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Write the good rows; put the bad ones in FILE.rejects.csv.",
)
@click.option(
    "--update", is_flag=True, help="Let changed values of stored records replace them (audited)."
)
@overwrite_option
@user_option
def import_(
    store,
    file,
    layer,
    profile,
    form,
    media,
    crs,
    mapping,
    value_mapping,
    date_format,
    encoding,
    source_layer,
    ignore_extra,
    skip_invalid,
    update,
    overwrite,
    user,
):
    """Import records of one LAYER from FILE, an export with --profile, or a form's with --form.

    FILE is CSV, TSV, GeoJSON, GeoPackage, KML, Shapefile, File Geodatabase (.gdb) or
    XLSX; with --profile (e.g. imsma-core) every layer the profile names is read from a
    multi-layer file or a folder of CSV files or Shapefiles. All or nothing: a file with a
    bad row is refused whole, with every problem listed by row and field, unless
    --skip-invalid. Importing the same file again adds nothing. With --form (see remnant
    forms) the submissions of an ODK Central or KoboToolbox export wait for an admin's
    review.
    """
    from remnant import io
    from remnant.store import default_user, open_store

    if form is not None:
        from remnant.forms import import_submissions

        who = user or default_user()
        done = import_submissions(
            open_store(store), file, form, user=who, skip_invalid=skip_invalid, media=media
        )
        for problem in done.problems:
            click.echo(_("refused: {problem}").format(problem=problem.render(_)), err=True)
        for problem in done.photo_problems:
            click.echo(_("warning: {problem}").format(problem=problem), err=True)
        for warning in done.warnings:
            click.echo(_("warning: {warning}").format(warning=warning.render(_)), err=True)
        click.echo(str(done))
        return
    if (layer is None) == (profile is None):
        raise click.UsageError(_("give --layer, or --profile for a whole export"))
    options = {
        "crs": crs,
        "mapping": io.parse_mapping(mapping),
        "value_mapping": io.parse_value_mapping(value_mapping),
        "date_format": date_format,
        "encoding": encoding,
        "ignore_extra": ignore_extra,
        "skip_invalid": skip_invalid,
        "overwrite": overwrite,
        "update": update,
        "user": user,
    }
    with Console(stderr=True).status(_("reading, checking and storing {file}…").format(file=file)):
        if profile is not None:
            reports = io.import_profile(open_store(store), file, profile, **options)
        else:
            reports = [
                io.import_file(open_store(store), file, layer, source_layer=source_layer, **options)
            ]
    for report in reports:
        for warning in report.warnings:
            click.echo(_("warning: {warning}").format(warning=warning.render(_)), err=True)
        click.echo(f"{report.layer}: {report}" if profile else str(report))


@command()
@store_argument
@click.argument("out", type=click.Path())
@click.option(
    "--layer",
    "-l",
    help="Which kind of record (as for import), or a model's output table such as "
    "hazard_area_risk (as CSV); required unless --profile.",
)
@click.option(
    "--profile",
    default=None,
    metavar="NAME|FILE.toml",
    help="Write every layer in another system's layout into the folder OUT (e.g. imsma-core).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gdb", "xlsx", "csv"]),
    default="gdb",
    show_default=True,
    help="With --profile: one File Geodatabase, one workbook, or a CSV file per layer.",
)
@click.option(
    "--crs",
    default=None,
    help="Write geometries in this CRS, e.g. the national UTM zone EPSG:32644 (default "
    "WGS 84; CSV points then come as x/y).",
)
@overwrite_option
def export(store, out, layer, profile, fmt, crs, overwrite) -> None:
    """Export every record of LAYER to OUT, or every layer into the folder OUT with --profile.

    OUT is .csv, .tsv, .geojson, .gpkg, .gdb, .kml, .shp or .dbf; with --profile (e.g.
    imsma-core) the layers are written in that system's layout, as --format says.
    """
    from remnant import io
    from remnant.store import open_store

    if (layer is None) == (profile is None):
        raise click.UsageError(_("give --layer, or --profile for a whole export"))
    if profile is not None:
        if crs is not None:
            raise click.UsageError(_("--profile writes WGS 84, as IMSMA Core stores it"))
        counts = io.export_profile(open_store(store), out, profile, fmt=fmt, overwrite=overwrite)
        for name, count in counts.items():
            click.echo(_("wrote {count} {name} to {out}").format(count=count, name=name, out=out))
        _files_beside(store, Path(out) / "attachments", None, overwrite)
        return
    count = io.export_layer(open_store(store), layer, out, overwrite=overwrite, crs=crs)
    click.echo(_("wrote {count} {layer} to {out}").format(count=count, layer=layer, out=out))
    _files_beside(store, Path(out).with_name(f"{Path(out).stem}_attachments"), layer, overwrite)


def _files_beside(store, folder: Path, layer, overwrite: bool) -> None:
    """Write the records' attachments into ``folder`` beside them, if they have any."""
    from remnant.outputs import refuse_existing
    from remnant.store import open_store
    from remnant.store.attachments import export_folder, listing

    opened = open_store(store)
    if listing(opened, layer).empty:
        return
    refuse_existing(folder, overwrite=overwrite)
    n = export_folder(opened, folder, layer)
    click.echo(
        _("wrote {n} attachment(s) to {folder} (remnant attach import reads them back)").format(
            n=n, folder=folder
        )
    )


@command()
@store_argument
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON lines.")
def history(store: str, record_id: str, as_json: bool) -> None:
    """Show every change to record ID: when, who, what, before and after."""
    from remnant.store import open_store

    entries = open_store(store).history(record_id)
    if entries.empty:
        raise click.ClickException(
            _("no history for {record_id!r} in {store}").format(record_id=record_id, store=store)
        )
    if as_json:
        for row in entries.to_dict("records"):
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    table = new_table(
        _("history of {record_id}").format(record_id=record_id),
        (N_("at"), N_("user"), N_("action"), N_("changes")),
    )
    for row in entries.itertuples():
        table.add_row(row.at, row.user, row.action, _changes(row.before, row.after))
    Console().print(table)


def _changes(before: str | None, after: str | None) -> str:
    """Each field changed, and the label the input gave where one was read as a value.

    >>> after = '{"status": "closed", "read_as": {"status": "Fermée"}}'
    >>> print(_changes('{"status": "open"}', after))
    status: 'open' → 'closed' (read as 'Fermée')
    """
    old = json.loads(before) if isinstance(before, str) else {}
    new = json.loads(after) if isinstance(after, str) else {}
    read_as = new.pop("read_as", {})
    old.pop("read_as", None)
    keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
    lines = [
        f"{k}: {old.get(k)!r} → {new.get(k)!r}"
        + (f" (read as {read_as[k]!r})" if k in read_as else "")
        for k in keys
    ]
    return "\n".join(lines) or "(no change)"


@command()
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
@overwrite_option
def copy(source: str, target: str, overwrite: bool) -> None:
    """Copy the whole store SRC into a new store DST, either backend to either.

    Records, catalogue, derived tables and the audit log are copied in one transaction
    and verified table by table (row counts and SHA-256 digests) before it commits.
    """
    from remnant.store import create_store, open_store
    from remnant.store.copy import copy_tables

    origin = open_store(source)
    created = create_store(target, overwrite=overwrite)
    with Console(stderr=True).status(
        _("copying {origin} to {target}…").format(origin=origin.backend, target=created.backend)
    ):
        copied = copy_tables(origin, created)
    title = f"copied {origin.backend} → {created.backend} (verified)"
    table = new_table(title, (N_("table"), N_("rows"), N_("sha256")), right={"rows"})
    for c in copied:
        table.add_row(c.name, f"{c.rows:,}", c.sha256[:16] + "…")
    Console().print(table)


@command()
@store_argument
@user_option
def migrate(store: str, user: str | None) -> None:
    """Bring STORE's schema up to this version of remnant (forward only, in one transaction)."""
    from remnant.store import migrate_store

    steps = migrate_store(store, user=user)
    click.echo(
        _("applied migrations {steps}").format(steps=steps) if steps else _("already up to date")
    )


@command()
@store_argument
def verify(store: str) -> None:
    """Check STORE against its audit log: triggers, the hash chain, every record's values.

    Exits 1 if anything was altered, deleted or written past the audit; edits made in
    QGIS or with GDAL are audited as user 'external' and listed, not counted as errors
    unless they break a rule.
    """
    from remnant.store import open_store
    from remnant.store.verify import verify as check

    findings = check(open_store(store))
    for finding in findings:
        click.echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    if errors:
        raise click.ClickException(
            _("{errors} problem(s): {store} is not what its audit says").format(
                errors=errors, store=store
            )
        )
    click.echo(_("ok: {store} is what its audit log says it is").format(store=store))


COMMANDS = [init, info, import_, export, history, copy, migrate, verify]
