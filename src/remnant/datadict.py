"""The data dictionary: every layer and field of the store, written from :mod:`remnant.records`.

``docs/data-dictionary.md`` is this module's output, checked by a test so it cannot drift
from the rules the gate enforces. Regenerate it with::

    .venv/bin/python -m remnant.datadict > docs/data-dictionary.md
"""

from __future__ import annotations

from remnant import records

__all__ = ["data_dictionary", "field_row"]

GEOMETRY = {
    "POINT": "point, WGS 84 (EPSG:4326) longitude/latitude",
    "MULTIPOLYGON": "polygon or multipolygon, WGS 84 (EPSG:4326)",
    None: "none (a table)",
}


def field_row(f: records.Field) -> str:
    """One field as a Markdown table row: name, type, unit, rule, meaning.

    >>> print(field_row(records.entity("strikes").field("accuracy_m")))  # doctest: +ELLIPSIS
    | `accuracy_m` | real | metres | 0 – 100000 | one standard deviation of the reported ...
    """
    rules = []
    if f.required:
        rules.append("required")
    if f.choices:
        rules.append("one of " + ", ".join(f"`{c}`" for c in f.choices))
    if f.minimum is not None and f.maximum is not None:
        rules.append(f"{f.minimum:g} – {f.maximum:g}")
    elif f.minimum is not None:
        rules.append(f"≥ {f.minimum:g}")
    elif f.maximum is not None:
        rules.append(f"≤ {f.maximum:g}")
    if f.references:
        rules.append(f"an `id` of {f.references}")
    if f.derived:
        rules.append("set by remnant")
    cells = (f"`{f.name}`", f.kind, f.unit, "; ".join(rules), f.doc)
    return "| " + " | ".join(cells) + " |"


def data_dictionary() -> str:
    """The whole dictionary as Markdown, one section per layer."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `src/remnant/records.py` by `python -m remnant.datadict`; a test",
        "checks that this file matches it. Every door (file import, web API, form",
        "submission, library call, GIS edit checked by `remnant verify`) applies these rules",
        "through the one gate (`src/remnant/gate.py`).",
        "",
        "Conventions for every layer: dates are ISO 8601 days (`2024-03-01`); booleans are",
        "`true`/`false` (also `1`/`0`, `yes`/`no` in files); text is at most "
        f"{records.MAX_TEXT:,} characters",
        f"without control characters; an `id` is at most {records.MAX_ID} characters on one line,",
        "and is made from the record's content when not given. Geometries are stored in",
        "WGS 84; models compute in an equal-area projection (docs/hazard-model.md).",
        "",
    ]
    for ent in records.ENTITIES.values():
        lines += [
            f"## {ent.name}",
            "",
            ent.doc,
            "",
            f"Identifier prefix `{ent.prefix}`; geometry: {GEOMETRY[ent.geometry]}.",
            "",
            "| field | type | unit | rule | meaning |",
            "|---|---|---|---|---|",
            *(field_row(f) for f in ent.fields),
            "",
        ]
        across = [f"`{high}` is not less than `{low}`" for low, high in ent.ordered]
        across += [f"`{f}` is needed where `{o}` is `{v}`" for f, o, v in ent.needed_when]
        across += [
            f"`{t}` is not less than {' + '.join(f'`{p}`' for p in parts)}"
            for t, parts in ent.parts
        ]
        if across:
            lines += ["Across fields: " + "; ".join(across) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(data_dictionary(), end="")
