"""Human labels of fields and enumeration values, per language, from one data file.

``labels.toml`` beside this module holds remnant's English: ``[LANG.fields.LAYER]`` for
fields, ``[LANG.choices.LIST]`` for the values of an enumeration (the list is named after
its field). ``translations/labels.LANG.toml`` hold the other languages, each marked
``[LANG.meta] draft = …`` while it is a machine draft that a native speaker has not
reviewed. Field forms (:mod:`remnant.forms`) and the GeoPackage's field domains use them;
a programme lays its own languages and wording over them with a file of the same layout
(docs/forms.md).
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["drafts", "label", "load", "words"]


def load(extra: str | Path | None = None) -> dict:
    """The packaged labels, with a programme's laid over them.

    Packaged: English, and the translations in ``translations/``. A programme's: the
    ``labels.*.toml`` files in ``REMNANT_LOCALE_DIR`` (beside its catalogues,
    docs/languages.md), then the file ``extra``.

    >>> load()["en"]["choices"]["kind"]["SHA"]
    'Suspected hazardous area (SHA)'
    >>> load()["uk"]["choices"]["status"]["open"]
    'Відкрита'
    """
    package = resources.files("remnant")
    labels = tomllib.loads(package.joinpath("labels.toml").read_text("utf-8"))
    for translation in sorted(package.joinpath("translations").iterdir(), key=lambda p: p.name):
        if translation.name.startswith("labels.") and translation.name.endswith(".toml"):
            _lay_over(labels, tomllib.loads(translation.read_text("utf-8")))
    folder = os.environ.get("REMNANT_LOCALE_DIR")  # a programme's languages (docs/languages.md)
    for theirs in sorted(Path(folder).glob("labels.*.toml")) if folder else []:
        _lay_over(labels, _read(theirs))
    if extra is not None:
        _lay_over(labels, _read(Path(extra)))
    return labels


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(N_("not a readable labels file: {exc}"), file=path.name, exc=exc) from None


def _lay_over(labels: dict, theirs: dict) -> None:
    for lang, parts in theirs.items():
        for part, groups in parts.items():
            mine = labels.setdefault(lang, {}).setdefault(part, {})
            if part == "meta":
                mine.update(groups)
                continue
            for group, values in groups.items():
                mine.setdefault(group, {}).update(values)


def drafts(labels: dict) -> dict[str, str]:
    """The languages whose labels are drafts, with what their file says of them.

    A draft stays one until a labels file says who reviewed it (``[LANG.meta] reviewed =
    "name, date"``): correcting a few labels does not make the others reviewed.

    >>> sorted(drafts(load()))
    ['ar', 'es', 'fr', 'lo', 'uk', 'vi']
    """
    return {
        lang: meta["draft"]
        for lang, parts in labels.items()
        if isinstance((meta := parts.get("meta", {})).get("draft"), str)
        and not meta.get("reviewed")
    }


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
