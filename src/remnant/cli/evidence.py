"""Commands on evidence points: confirmed areas drawn from them, and checks."""

from __future__ import annotations

import click

from remnant.cli.command import group
from remnant.cli.options import store_argument, user_option
from remnant.translate import _


@group()
def evidence() -> None:
    """Evidence points and the confirmed areas they give (CMRS boxes, docs/evidence.md)."""


@evidence.command()
@store_argument
@user_option
def area(store, user) -> None:
    """Propose a confirmed area (CHA) around each group of direct evidence no CHA holds.

    The areas are boxes around the evidence (evidence.toml: side and fade-out); they
    wait for review (remnant review) before they become records.
    """
    from remnant.evidence import new_areas
    from remnant.store import open_store

    opened = open_store(store)
    proposals = new_areas(opened.read("evidence"), opened.read("hazard_areas"))
    if proposals.empty:
        click.echo(_("every piece of direct evidence lies in a confirmed area"))
        return
    waiting = opened.propose("hazard_areas", "insert", user=user, offered=proposals)
    for record_id, why in zip(waiting, proposals["evidence"], strict=True):
        click.echo(_("{record_id}: CHA proposed from {why}").format(record_id=record_id, why=why))


@evidence.command()
@store_argument
def check(store) -> None:
    """Confirmed areas without direct evidence, and evidence outside its area or any CHA.

    Items found inside a CHA count as direct evidence of it.
    """
    from remnant.evidence import unexplained
    from remnant.store import open_store

    opened = open_store(store)
    finds = opened.read("items").geometry
    found = unexplained(opened.read("evidence"), opened.read("hazard_areas"), finds=finds)
    for line in found:
        click.echo(line)
    click.echo(_("{n} finding(s)").format(n=len(found)))


COMMANDS = [evidence]
