"""remnant forms: field forms (XLSForm for ODK and KoboToolbox) made from the store's rules."""

from __future__ import annotations

import click

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument
from remnant.entities import ENTITIES
from remnant.translate import _


@command()
@store_argument
@click.option("--layer", "-l", type=click.Choice(list(ENTITIES)), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="The .xlsx.")
@click.option(
    "--languages",
    default="en",
    show_default=True,
    metavar="CODES",
    help="Label languages, comma-separated (the first is the form's default): en, and the "
    "drafts ar, es, fr, lo, uk, vi, or those of --labels.",
)
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="FILE.toml",
    help="A programme's labels (its languages and wording), laid over remnant's.",
)
@overwrite_option
def forms(store, layer, out, languages, labels, overwrite) -> None:
    """Write an XLSForm for LAYER to OUT, from the rules every record must pass.

    Upload it to ODK Central or KoboToolbox; import the submissions with
    `remnant import STORE EXPORT.csv --form OUT`: they wait for an admin's review.
    """
    from remnant import labels as labels_file
    from remnant.forms import write_form
    from remnant.outputs import refuse_existing
    from remnant.store import open_store

    refuse_existing(out, overwrite=overwrite)
    catalogue = {k: m.name for k, m in open_store(store).catalogue().items()}
    codes = tuple(c.strip() for c in languages.split(",") if c.strip())
    write_form(out, layer, languages=codes, munitions=catalogue, labels=labels)
    click.echo(
        _("wrote {out}: the {layer} form in {languages}").format(
            out=out, layer=layer, languages=", ".join(codes)
        )
    )
    drafts = labels_file.drafts(labels_file.load(labels))
    for code in codes:
        if code in drafts:
            click.echo(
                _(
                    "warning: the {code} labels are a draft ({draft}); have them read before the "
                    "form goes to the field (docs/forms.md)"
                ).format(code=code, draft=drafts[code]),
                err=True,
            )


COMMANDS = [forms]
