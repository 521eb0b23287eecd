"""Review that quarantines: an editor's inserts, updates and deletes wait for an admin.

A proposal is judged by the gate when it is made (the editor hears at once what is
wrong, with the same verdict as any write) and stored in the ``reviews`` table with the
record as the gate admitted it — not in the record tables, so nothing pending reaches a
hazard map, a dud-rate fit, a plan, the statistics or a report. On approval the gate
judges it again against the store as it is then, and it is applied in the same
transaction as the decision, under the editor's name; a rejection applies nothing. Each
proposal and decision is audited (entity ``reviews``), so ``remnant history ID`` shows
who proposed what and who decided. One record has at most one pending proposal; the
same insert proposed again (an export imported twice) is left waiting as it is. A
proposed record may refer to one still waiting (a form's victims to their accident);
approving it first needs the other approved. While it waits, :func:`listing` shows the
reviewer what the gate would say of it now: the warnings an approval would be written
with (a point far outside the area it names, outside every admin unit) and the problems
that would refuse it (a record it refers to deleted since).
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import orjson
import pandas as pd
import shapely
import sqlalchemy as sa

from remnant import gate, records
from remnant.errors import ConflictError, InputError, NotFoundError, Problem
from remnant.store import schema
from remnant.store.audit import now
from remnant.store.sql import among
from remnant.translate import N_

__all__ = [
    "ACTIONS",
    "STATES",
    "Queued",
    "decide",
    "listing",
    "propose",
    "propose_inserts",
    "waiting_ids",
]

ACTIONS = ("insert", "update", "delete")
STATES = ("pending", "approved", "rejected")


def propose(
    store,
    layer: str,
    action: str,
    *,
    user: str,
    offered=None,
    record_id=None,
    changes=None,
    expected_version=None,
) -> list[str]:
    """Judge a change at the gate and queue it for an admin; return the ids now waiting.

    An insert identical to one already waiting is not queued twice (its id is returned);
    a different change to a record already waiting is refused.

    ``insert`` takes ``offered`` (a submission or frame); ``update`` takes ``record_id``,
    ``changes`` and ``expected_version``; ``delete`` takes ``record_id`` and
    ``expected_version``. Raises what the same write would raise.
    """
    if action not in ACTIONS:
        raise InputError(
            N_("a proposal is one of {actions}, not {action!r}"),
            actions=", ".join(ACTIONS),
            action=action,
        )
    if action == "insert":
        return propose_inserts(store, [(layer, offered)], user=user).waiting[layer]
    with store.transaction() as conn:
        if action == "update":
            verdict = store._change(conn, layer, record_id, changes, expected_version)
            admitted = verdict.updates
            version = _version(conn, layer, record_id)
        else:
            admitted = store._let_go(conn, layer, record_id, expected_version)
            version = int(admitted.at[0, "version"])
        return _queue(store, conn, layer, action, admitted, version, user)


class Queued(NamedTuple):
    """What a proposal of new records did.

    The ids now waiting, by layer; the problems of the records refused (with
    ``skip_invalid``); the gate's warnings, as a write gets them.
    """

    waiting: dict[str, list[str]]
    problems: list
    warnings: list


def propose_inserts(store, parts, *, user: str, skip_invalid: bool = False) -> Queued:
    """Queue new records of one or more layers for review, in one transaction.

    ``parts`` are ``(layer, submission or frame)`` in order; a record may refer to one
    proposed before it (a victim to its accident, still waiting): on approval the gate
    asks for the referred record to be stored by then. Any problem refuses everything
    unless ``skip_invalid``, which queues the good records and returns the problems.
    """
    done = Queued({}, [], [])
    with store.transaction() as conn:
        for layer, offered in parts:
            if not isinstance(offered, gate.Submission):
                offered = gate.Submission.of(layer, offered)
            verdict = store._admit(conn, layer, offered, partial=skip_invalid, proposing=True)
            done.problems.extend(verdict.problems)
            done.warnings.extend(verdict.warnings)
            queued = _queue(store, conn, layer, "insert", verdict.inserts, None, user)
            done.waiting[layer] = done.waiting.get(layer, []) + queued
    return done


def _queue(store, conn, layer: str, action: str, admitted, version, user: str) -> list[str]:
    """Put the records the gate admitted in the review queue; the ids now waiting."""
    if admitted.empty:
        return []
    plain = gate.plain_columns(records.entity(layer), admitted)
    names = list(plain)
    proposals = [
        orjson.dumps(dict(zip(names, row, strict=True))).decode()
        for row in zip(*plain.values(), strict=True)
    ]
    ids = admitted["id"].tolist()
    every = list(ids)
    if action == "insert":  # the same insert proposed again (a file re-imported) waits once
        waiting = _pending(conn, layer, ids)
        fresh = [waiting.get(i) != p for i, p in zip(ids, proposals, strict=True)]
        ids = [i for i, f in zip(ids, fresh, strict=True) if f]
        proposals = [p for p, f in zip(proposals, fresh, strict=True) if f]
        if not ids:
            return every
    _refuse_pending(conn, layer, ids)
    at = now()
    conn.execute(
        schema.reviews.insert(),
        [
            {
                "layer": layer,
                "record_id": i,
                "state": "pending",
                "submitted_by": user,
                "submitted_at": at,
                "action": action,
                "proposal": None if action == "delete" else p,
                "expected_version": version,
            }
            for i, p in zip(ids, proposals, strict=True)
        ],
    )
    store._audit(conn, at, user, "reviews", f"propose {action}", ids, None, proposals)
    return every


def _version(conn, layer: str, record_id: str) -> int:
    table = schema.record_table(layer)
    return conn.execute(sa.select(table.c.version).where(table.c.id == record_id)).scalar_one()


def _pending(conn, layer: str, ids: list[str]) -> dict[str, str]:
    """The pending proposals (JSON text) for these ids of ``layer``."""
    r = schema.reviews
    query = sa.select(r.c.record_id, r.c.proposal).where(
        r.c.layer == layer, r.c.state == "pending", among(r.c.record_id, ids)
    )
    return dict(conn.execute(query).all())


def _refuse_pending(conn, layer: str, ids: list[str]) -> None:
    r = schema.reviews
    waiting = (
        conn.execute(
            sa.select(r.c.record_id).where(
                r.c.layer == layer, r.c.state == "pending", among(r.c.record_id, ids)
            )
        )
        .scalars()
        .all()
    )
    if waiting:
        raise ConflictError(
            N_(
                "{waiting}: a change is already waiting for review; ask an admin to decide it first"
            ),
            waiting=", ".join(sorted(waiting)[:5]),
        )


def listing(store, state: str | None = None, *, judged: bool = False) -> pd.DataFrame:
    """Proposals, oldest first, optionally of one ``state``.

    ``judged``: each pending proposal of a record comes with the gate's ``problems`` and
    ``warnings`` on it as the store is now (lists of :class:`~remnant.errors.Problem`,
    each naming ``LAYER/ID``), so that the reviewer sees what the editor was told, and
    what changed since; the others have none.
    """
    if state is not None and state not in STATES:
        raise InputError(
            N_("{option} must be one of {states} (or all)"),
            option="state",
            value=repr(state),
            states=", ".join(STATES),
        )
    r = schema.reviews
    columns = [c for c in r.c if c.name != "fid"]
    query = sa.select(*columns).order_by(r.c.fid)
    if state is not None:
        query = query.where(r.c.state == state)
    with store.backend.engine.connect() as conn:
        rows = conn.execute(query).all()
        frame = pd.DataFrame.from_records(rows, columns=[c.name for c in columns])
        if judged:
            frame["problems"], frame["warnings"] = _judged_now(store, conn, frame)
    return frame


def _judged_now(store, conn, frame: pd.DataFrame) -> tuple[list[list], list[list]]:
    """The gate's problems and warnings on each pending proposal of a record, as now.

    Each as approving it alone would find. The proposals of a layer are judged together
    (one gate for a thousand), and again alone those the others could bear on: any found
    refused (a geometry repeated by another proposal is no problem of either alone), and
    every activity (the workflow reads an area as the activities before it left it). An
    update or delete is refused too where its record changed since the editor read it,
    is gone, or (a delete) is referred to now.
    """
    problems: list[list] = [[] for _ in range(len(frame))]
    warnings: list[list] = [[] for _ in range(len(frame))]
    pending = frame[(frame["state"] == "pending") & frame["layer"].isin(list(schema.RECORD_TABLES))]
    for layer, group in pending[pending["proposal"].notna()].groupby("layer", sort=False):
        if layer == "activities":
            said, alone = {}, list(group.index)
        else:
            said = _verdicts(store, conn, layer, group)
            alone = [at for at, (found, _) in said.items() if found] if len(group) > 1 else []
        for at in alone:
            said |= _verdicts(store, conn, layer, group.loc[[at]])
        for at, (found, warned) in said.items():
            problems[at], warnings[at] = found, warned
    for at, row in pending[pending["action"].isin(["update", "delete"])].iterrows():
        version = None if pd.isna(row["expected_version"]) else int(row["expected_version"])
        try:
            if row["action"] == "delete":
                store._let_go(conn, row["layer"], row["record_id"], version)
            else:
                ent, table = records.entity(row["layer"]), schema.record_table(row["layer"])
                store._current(conn, ent, table, row["record_id"], version)
        except (ConflictError, NotFoundError) as exc:
            where = f"{row['layer']}/{row['record_id']}"
            problems[at].insert(
                0, Problem(where, None, None, None, exc.template, tuple(exc.params.items()))
            )
    return problems, warnings


def _verdicts(store, conn, layer: str, group: pd.DataFrame) -> dict:
    """Problems and warnings, by the listing's row, of proposals judged as one write."""
    offered = _submission(layer, f"{layer} proposals", group["proposal"].tolist())
    verdict = store._admit(conn, layer, offered, update=True, partial=True, proposing=True)
    said: dict = {at: ([], []) for at in group.index}
    for k, found in enumerate((verdict.problems, verdict.warnings)):
        for p in found:
            at = group.index[p.row - 1]
            said[at][k].append(replace(p, file=f"{layer}/{group.at[at, 'record_id']}", row=None))
    return said


def _submission(layer: str, file: str, proposals: list[str]) -> gate.Submission:
    """Proposed records (JSON text, geometry as WKT) as a door offers them to the gate."""
    values = [orjson.loads(p) for p in proposals]
    geometry = None
    if records.entity(layer).geometry:
        wkt = [v.pop("geometry", None) for v in values]
        geometry = np.asarray(shapely.from_wkt(wkt), dtype=object)
    rows = np.arange(1, len(values) + 1)
    return gate.Submission(file, pd.DataFrame(values, dtype=object), geometry, rows)


def decide(
    store, layer: str, record_id: str, approve: bool, *, by: str, note=None, settle=None
) -> None:
    """Apply a pending proposal through the gate, or reject it; record who decided.

    ``settle(store, conn, pending, approve)`` decides a proposal that is not a record's
    (an attached file's), in the same transaction as the decision.
    """
    r = schema.reviews
    with store.transaction() as conn:
        pending = conn.execute(
            sa.select(r).where(
                r.c.layer == layer, r.c.record_id == record_id, r.c.state == "pending"
            )
        ).first()
        if pending is None:
            raise NotFoundError(
                N_("no pending review of {layer}/{record_id}"), layer=layer, record_id=record_id
            )
        if settle is not None:
            settle(store, conn, pending, approve)
        elif pending.proposal is None and pending.action == "insert":
            _settle_applied(store, conn, pending, approve, by)
        elif approve:
            _apply(store, conn, pending)
        at = now()
        conn.execute(
            r.update()
            .where(r.c.fid == pending.fid)
            .values(
                state="approved" if approve else "rejected",
                decided_by=by,
                decided_at=at,
                note=note,
            )
        )
        decision = orjson.dumps({"action": pending.action, "note": note}).decode()
        store._audit(
            conn,
            at,
            by,
            "reviews",
            "approve" if approve else "reject",
            [record_id],
            None,
            [decision],
        )


def _settle_applied(store, conn, pending, approve: bool, by: str) -> None:
    """Settle a review from schema version 4, whose record was written when entered.

    Approval keeps the record; rejection deletes it, if the gate lets it go.
    """
    if not approve:
        before = store._let_go(conn, pending.layer, pending.record_id, None)
        store._remove(conn, pending.layer, before, by)


def _apply(store, conn, pending) -> None:
    """Apply an approved proposal as its author, judged by the gate as the store is now."""
    layer, action, user = pending.layer, pending.action, pending.submitted_by
    if action == "delete":
        before = store._let_go(conn, layer, pending.record_id, pending.expected_version)
        store._remove(conn, layer, before, user)
        return
    if action == "update":
        values = orjson.loads(pending.proposal)
        values.pop("id")
        if records.entity(layer).geometry:
            values["geometry"] = shapely.from_wkt(values["geometry"])
        verdict = store._change(conn, layer, pending.record_id, values, pending.expected_version)
    else:
        file = f"{layer}/{pending.record_id} (proposed by {user})"
        verdict = store._admit(conn, layer, _submission(layer, file, [pending.proposal]))
    store._apply(conn, layer, verdict, user)


def waiting_ids(conn, layer: str, ids: list[str]) -> set[str]:
    """Those of ``ids`` that a pending insert of ``layer`` proposes."""
    r = schema.reviews
    query = sa.select(r.c.record_id).where(
        r.c.layer == layer,
        r.c.state == "pending",
        r.c.action == "insert",
        among(r.c.record_id, ids),
    )
    return set(conn.execute(query).scalars())
