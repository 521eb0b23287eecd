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
            "Approve the pending proposal for record ID of LAYER: it is judged again and applied."
        )
        if approve
        else N_("Reject the pending proposal for record ID of LAYER: nothing is applied."),
    )
    @store_argument
    @click.argument("layer", type=click.Choice([*ENTITIES, "attachments"]))
    @click.argument("record_id", metavar="ID")
    @click.option("--note", default=None, help="Why, for the record.")
    @user_option
    def decide(store: str, layer: str, record_id: str, note: str | None, user: str | None):
        from remnant.store import default_user, open_store

        opened = open_store(store)
        opened.decide(layer, record_id, approve, by=user or default_user(), note=note)
        done = _("approved {layer}/{record_id}") if approve else _("rejected {layer}/{record_id}")
        click.echo(done.format(layer=layer, record_id=record_id))

    return decide


review.add_command(_decision(True))
review.add_command(_decision(False))

COMMANDS = [review]
