"""Commands on editors' proposals: list them, approve or reject one."""

from __future__ import annotations

import json

import click
from rich.console import Console

from remnant.cli.command import command, group
from remnant.cli.options import store_argument, user_option
from remnant.cli.tables import new_table
from remnant.entities import ENTITIES
from remnant.translate import N_, _


@group()
def review() -> None:
    """Editors' inserts, updates and deletes waiting for an admin (quarantined until then)."""


@review.command("list")
@store_argument
@click.option(
    "--state", default="pending", show_default=True, help="pending, approved, rejected or all"
)
@click.option(
    "--details",
    is_flag=True,
    help="Also print each proposed record, its notes in full (a desk candidate's quotes).",
)
def list_(store: str, state: str, details: bool) -> None:
    """List proposals: layer, record, action, who proposed it and when, and the decision.

    Under the table, what the gate would say of each pending proposal now: the problems
    that would refuse it and the warnings it would be written with.
    """
    from remnant.store import open_store

    frame = open_store(store).reviews(None if state == "all" else state, judged=True)
    if frame.empty:
        click.echo(
            _("no proposals") if state == "all" else _("no {state} proposals").format(state=state)
        )
        return
    columns = [
        N_("layer"),
        N_("record_id"),
        N_("action"),
        N_("submitted_by"),
        N_("submitted_at"),
        N_("state"),
        N_("decided_by"),
        N_("note"),
    ]
    table = new_table(
        _("{state} proposals in {store}").format(state=state, store=store),
        [c.replace("_", " ") for c in columns],
    )
    for row in frame[columns].itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)
    for found, said in zip(frame["problems"], frame["warnings"], strict=True):  # as of now
        for problem in found:
            click.echo(_("refused if approved now: {problem}").format(problem=problem.render(_)))
        for warning in said:
            click.echo(_("warning: {warning}").format(warning=warning.render(_)))
    if details:
        for row in frame.itertuples(index=False):
            click.echo(f"\n{row.layer} {row.record_id} ({row.action})")
            proposed = json.loads(row.proposal) if row.proposal else {}
            notes = proposed.pop("notes", None)
            for key, value in proposed.items():
                if value is not None and key != "geometry":
                    click.echo(f"  {key}: {value}")
            if proposed.get("geometry"):
                click.echo("  " + _("geometry: {geometry}").format(geometry=proposed["geometry"]))
            for line in (notes or "").splitlines():
                click.echo(f"  | {line}")


def _decision(approve: bool):
    @command(
        "approve" if approve else "reject",
        help=N_(
            "Approve the pending proposals for records ID… of LAYER: each is judged again and "
            "applied, or refused and left pending."
        )
        if approve
        else N_("Reject the pending proposals for records ID… of LAYER: nothing is applied."),
    )
    @store_argument
    @click.argument("layer", type=click.Choice([*ENTITIES, "attachments"]))
    @click.argument("record_ids", metavar="ID…", nargs=-1)
    @click.option("--all", "every", is_flag=True, help="Every pending proposal of LAYER.")
    @click.option(
        "--without-warnings",
        is_flag=True,
        hidden=not approve,
        help="With --all: only those the gate has nothing to say about now, as review list "
        "shows them; the others stay pending.",
    )
    @click.option("--note", default=None, help="Why, for the record.")
    @user_option
    def decide(
        store: str,
        layer: str,
        record_ids: tuple[str, ...],
        every: bool,
        without_warnings: bool,
        note: str | None,
        user: str | None,
    ):
        from remnant.errors import InputError, InvalidRecordsError, RemnantError
        from remnant.store import default_user, open_store

        opened = open_store(store)
        ids = list(dict.fromkeys(record_ids))
        if every:
            pending = opened.reviews("pending", judged=without_warnings)
            pending = pending[pending["layer"] == layer]
            if without_warnings:
                quiet = [
                    not p and not w
                    for p, w in zip(pending["problems"], pending["warnings"], strict=True)
                ]
                pending = pending[quiet]
            ids = list(dict.fromkeys([*ids, *pending["record_id"]]))
        elif not ids:
            raise InputError(N_("name the proposals' IDs, or give {option}"), option="all")
        refused = 0
        for record_id in ids:  # each decided on its own: one refused leaves the others be
            try:
                opened.decide(layer, record_id, approve, by=user or default_user(), note=note)
            except InvalidRecordsError as exc:  # the gate refuses it now: why, row by row
                refused += 1
                said = _("{where}: {problem}").format(where=exc.file, problem=exc.summary(_))
                click.echo(_("error: {problem}").format(problem=said), err=True)
                click.echo(exc.report(_), err=True)
                continue
            except RemnantError as exc:  # changed since, gone, not pending: each names it
                refused += 1
                click.echo(_("error: {problem}").format(problem=exc.render(None, _)), err=True)
                continue
            done = (
                _("approved {layer}/{record_id}") if approve else _("rejected {layer}/{record_id}")
            )
            click.echo(done.format(layer=layer, record_id=record_id))
        if refused:
            raise click.ClickException(
                _("{refused} of {n} proposal(s) not decided; the others were").format(
                    refused=refused, n=len(ids)
                )
            )

    return decide


review.add_command(_decision(True))
review.add_command(_decision(False))

COMMANDS = [review]
