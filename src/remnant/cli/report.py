"""The report command: a Monitor-style HTML (and PDF) report on a store."""

from __future__ import annotations

import click

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument
from remnant.translate import _


@command()
@store_argument
@click.option("--year", type=int, default=None, help="Report on this year (default: all).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--pdf", default=None, type=click.Path(dir_okay=False), help="Also write a PDF.")
@click.option(
    "--hazard",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="A hazard map GeoTIFF (from remnant hazard) to draw on the map.",
)
@click.option(
    "--lang",
    default=None,
    metavar="LANG[,SECOND]",
    help="The report's language (uk, lo, vi, ar, fr, es, en; a region too: ar-IQ); a second "
    "one after a comma makes the HTML bilingual. Default: the language remnant speaks.",
)
@overwrite_option
def report(store, year, out, pdf, hazard, lang, overwrite) -> None:
    """Write a Monitor-style report on STORE, as HTML and optionally PDF.

    Casualties, contamination, land release, items destroyed, field dud rates, quality
    management and CCM Article 7 tables, with a map and plots. The HTML is self-contained
    (it opens offline); the PDF has the same content, in the first language.
    """
    from rich.console import Console

    from remnant.report import write_report
    from remnant.store import open_store
    from remnant.translate import current

    first, _sep, second = (lang or current()).partition(",")
    with Console(stderr=True).status(_("computing the report's tables and figures…")):
        write_report(
            open_store(store),
            out,
            pdf=pdf,
            year=year,
            hazard=hazard,
            overwrite=overwrite,
            lang=first,
            second=second or None,
        )
    wrote = _("wrote {out} and {pdf}") if pdf else _("wrote {out}")
    click.echo(wrote.format(out=out, pdf=pdf))


COMMANDS = [report]
