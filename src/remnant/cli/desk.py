"""The desk command: reports and news turned into candidate records for review."""

from __future__ import annotations

import click

from remnant.cli.command import command
from remnant.cli.options import store_argument, user_option
from remnant.translate import N_, _


@command()
@store_argument
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...")
@click.option(
    "--lang",
    type=click.Choice(["en", "uk"]),
    default="en",
    show_default=True,
    help="The reports' language.",
)
@click.option(
    "--published",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The day the reports were published: 'yesterday' and 'last Tuesday' count from it "
    "(default: today).",
)
@click.option(
    "--source",
    default=None,
    metavar="'TITLE, PUBLISHER, URL'",
    help="Who published the reports (default: each report's title and file name).",
)
@user_option
def desk(store, reports, lang, published, source, user) -> None:
    """Find strikes, casualties, finds and contaminated land in REPORT files or folders.

    Reads plain text, HTML articles and PDFs (their text layer). Each event becomes a
    candidate record waiting for review (remnant review): a strike (source class media),
    an accident with its dead and injured, or an evidence point, with the quoted
    sentences, the place as written and every gazetteer place it may be, the days and the
    munition as written in its notes. The same event told by several reports is one
    candidate with every source. Places are looked up in STORE's gazetteer (remnant
    places import). See docs/desk.md.
    """
    from remnant.desk import assess, propose
    from remnant.errors import InputError
    from remnant.store import default_user, open_store

    opened = open_store(store)
    gazetteer = opened.places()
    if gazetteer.empty:
        raise InputError(
            N_(
                "{store} has no places to find the reports' places in: add some first (remnant "
                "places import STORE --geonames COUNTRY, or from a file)"
            ),
            store=store,
        )
    day = published.date() if published else None
    found = assess(reports, gazetteer, lang=lang, published=day, source=source)
    waiting, problems, warnings = propose(opened, found, user=user or default_user())
    for layer, ids in waiting.items():
        for record_id in ids:
            click.echo(
                _("{layer} {record_id}: waiting for review").format(
                    layer=layer, record_id=record_id
                )
            )
    for problem in problems:
        click.echo(_("not queued: {problem}").format(problem=problem.render(_)), err=True)
    for warning in warnings:
        click.echo(_("warning: {warning}").format(warning=warning.render(_)), err=True)
    for e in found.unplaced:
        click.echo(
            _('no known place for a {kind} in {file}: "{quote}"').format(
                kind=e.kind, file=e.files[0], quote=e.quotes[0][:120]
            )
        )
    queued = sum(len(ids) for ids in waiting.values())
    click.echo(
        _(
            "{reports} report(s): {events} event(s), {queued} new candidate(s) for review, "
            "{unplaced} without a known place"
        ).format(
            reports=found.reports,
            events=len(found.events),
            queued=queued,
            unplaced=len(found.unplaced),
        )
    )


COMMANDS = [desk]
