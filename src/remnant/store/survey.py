"""A programme's own survey figures: detection, location and carrier spread, with sources.

The shipped ``survey.toml`` holds figures from the public record and judgement; a
programme that knows better (its clearance finds 90 %, its informants place strikes within
100 m) sets its own, each with its source. Every model that reads survey figures — the
hazard map, the dud-rate fit, plans and inspection sampling — reads them from here.
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa

from remnant.catalogue import SurveyFigures, default_survey
from remnant.store import audit, schema

__all__ = ["read", "set_figures"]


def read(store) -> SurveyFigures:
    """The shipped survey figures with the store's own in their place."""
    s = schema.survey
    with store.backend.engine.connect() as conn:
        rows = conn.execute(sa.select(s.c.key, s.c.value, s.c.source)).all()
    return default_survey().overridden({key: (value, source) for key, value, source in rows})


def set_figures(store, figures: dict[str, tuple[float, str]], *, user: str):
    """Set figures ``{"table.name": (value, source)}`` in the store, each change audited.

    Returns the keys inserted, updated and unchanged.
    """
    s = schema.survey
    at = audit.now()
    inserted, updated, unchanged = [], [], []
    with store.transaction() as conn:
        stored = {
            k: (v, src) for k, v, src in conn.execute(sa.select(s.c.key, s.c.value, s.c.source))
        }
        for key, (value, source) in figures.items():
            if stored.get(key) == (value, source):
                unchanged.append(key)
                continue
            after = orjson.dumps({"value": value, "source": source}).decode()
            if key in stored:
                before = orjson.dumps(dict(zip(("value", "source"), stored[key], strict=True)))
                conn.execute(
                    s.update()
                    .where(s.c.key == key)
                    .values(value=value, source=source, version=s.c.version + 1)
                )
                audit.append(conn, at, user, "survey", "update", [key], [before.decode()], [after])
                updated.append(key)
            else:
                conn.execute(s.insert().values(key=key, value=value, source=source))
                audit.append(conn, at, user, "survey", "insert", [key], None, [after])
                inserted.append(key)
        store.backend.touch(conn, "survey")
    return inserted, updated, unchanged
