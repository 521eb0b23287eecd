"""Human labels of fields and enumeration values, per language, from one data file.

``labels.toml`` beside this module holds remnant's English: ``[LANG.fields.LAYER]`` for
fields, ``[LANG.choices.LIST]`` for the values of an enumeration (the list is named after
its field). Field forms (:mod:`remnant.forms`) and the GeoPackage's field domains use
them; a programme lays its own languages and wording over them with a file of the same
layout (docs/forms.md).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from remnant.errors import InputError

__all__ = ["label", "load", "words"]


def load(extra: str | Path | None = None) -> dict:
    """The packaged labels, with a programme's file (``extra``) laid over them.

    >>> load()["en"]["choices"]["kind"]["SHA"]
    'Suspected hazardous area (SHA)'
    """
    text = resources.files("remnant").joinpath("labels.toml").read_text("utf-8")
    labels = tomllib.loads(text)
    if extra is not None:
        try:
            theirs = tomllib.loads(Path(extra).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"not a readable labels file: {exc}", file=Path(extra).name) from None
        for lang, parts in theirs.items():
            for part, groups in parts.items():
                for group, values in groups.items():
                    mine = labels.setdefault(lang, {}).setdefault(part, {})
                    mine.setdefault(group, {}).update(values)
    return labels


def words(name: str) -> str:
    """A value or field name as words, where no label is given.

    >>> words("eod_report"), words("carriers_min")
    ('Eod report', 'Carriers min')
    """
    return name.replace("_", " ").capitalize()


def label(labels: dict, part: str, group: str, name: str, lang: str = "en") -> str:
    """The label of ``name`` in ``lang``, else in English, else ``name`` in words.

    ``part`` is ``fields`` (``group`` a layer, ``name`` one of its fields) or ``choices``
    (``group`` an enumeration, ``name`` one of its values).

    >>> label(load(), "choices", "status", "worked_on"), label(load(), "fields", "x", "a_b")
    ('Worked on', 'A b')
    """
    for language in (lang, "en"):
        text = labels.get(language, {}).get(part, {}).get(group, {}).get(name)
        if isinstance(text, str) and text:
            return text
    return words(name)
