"""A language's labels and messages as a spreadsheet a translator fills in, and back.

:func:`export_sheet` writes one row per English label of :mod:`remnant.labels` (every
field of every layer, every value of every choice list) and per message of the report
and the dashboard (:mod:`remnant.translate`): ``part`` (``fields``, ``choices`` or
``messages``), ``group``, ``key``, the English text in ``en`` and the language's text in
a column named by its code — the current wording where remnant or the programme has one
(a machine draft is marked so in ``notes``), else blank. A translator corrects or fills
that column in Excel or LibreOffice. :func:`read_sheet` reads it back, refusing with one
line per problem (file, row, column, value) and writing nothing; :func:`write_labels`
saves the labels as a labels file (the layout of ``labels.toml``) and
:func:`remnant.translate.write_catalogue` the messages as a gettext catalogue. Both go
in a programme's ``REMNANT_LOCALE_DIR``; ``remnant forms --labels`` also takes the
labels file. A sheet read back is a draft until ``reviewed`` names who reviewed it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from remnant import csvdialect
from remnant.errors import InputError, InvalidRecordsError, Problem
from remnant.labels import drafts
from remnant.translate import N_, template, translations
from remnant.translate import drafts as message_drafts

__all__ = ["FIXED", "export_sheet", "read_sheet", "rows", "write_labels"]

FIXED = ["part", "group", "key", "en"]  # the columns every sheet has, before the language
PARTS = ("fields", "choices")
MESSAGES = "messages"  # the part of the sheet holding the report's and dashboard's words
READ_ME = [
    "One row per text remnant shows: a field of a layer (part 'fields'), a value of a",
    "choice list (part 'choices'), or a message of the report and the dashboard (part",
    "'messages'; keep each {name} in braces as it is, moved where the language needs it).",
    "Write the text in the language's column; leave a row blank to keep the English.",
    "Do not change part, group, key or en. Then:",
    "remnant i18n import THIS_FILE --out FOLDER/labels.LANG.toml --messages FOLDER",
    "  [--reviewed 'name, date']   and set REMNANT_LOCALE_DIR=FOLDER",
]


def rows(labels: dict, lang: str) -> pd.DataFrame:
    """Every English label with ``lang``'s text for it (blank where there is none).

    >>> from remnant.labels import load
    >>> table = rows(load(), "uk")
    >>> table.loc[(table["group"] == "status") & (table["key"] == "open"), "uk"].item()
    'Відкрита'
    >>> table.loc[table["key"] == "Casualties", "uk"].item()
    'Жертви'
    >>> list(table.columns)
    ['part', 'group', 'key', 'en', 'uk', 'notes']
    """
    english, theirs = labels.get("en", {}), labels.get(lang, {})
    draft = drafts(labels).get(lang)
    out = []
    for part in PARTS:
        for group, entries in english.get(part, {}).items():
            for key, text in entries.items():
                mine = theirs.get(part, {}).get(group, {}).get(key, "")
                note = f"draft: {draft}" if mine and draft else ""
                out.append((part, group, key, text, mine, note))
    said, draft = translations(lang), message_drafts().get(lang)
    for message in template():
        mine = said.get(message, "")
        out.append(
            (MESSAGES, "", message, message, mine, f"draft: {draft}" if mine and draft else "")
        )
    return pd.DataFrame(out, columns=[*FIXED, lang, "notes"])


def export_sheet(path, lang: str, labels: dict) -> int:
    """Write ``lang``'s sheet to ``path`` (``.xlsx``, or ``.csv``); return its rows."""
    if lang == "en" or not lang.isalpha() or len(lang) not in (2, 3):
        raise InputError(
            N_("not a language code to translate into: {lang!r} (e.g. uk, ar, km)"), lang=lang
        )
    table = rows(labels, lang)
    path = Path(path)
    if path.suffix.lower() == ".csv":
        table.to_csv(path, index=False, encoding="utf-8")
    elif path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as out:
            table.to_excel(out, sheet_name="labels", index=False)
            pd.DataFrame({"read me": READ_ME}).to_excel(out, sheet_name="read me", index=False)
            sheet = out.sheets["labels"]
            for column, width in zip("ABCDEF", (9, 22, 22, 60, 60, 40), strict=True):
                sheet.column_dimensions[column].width = width
            sheet.freeze_panes = "E2"
    else:
        raise InputError(N_("{name}: write the sheet as .xlsx or .csv"), name=path.name)
    return len(table)


def read_sheet(
    path, labels: dict, *, lang: str | None = None, reviewed: str | None = None
) -> tuple[dict, dict[str, str]]:
    """What a filled sheet gives: its labels, and its messages.

    The labels as ``{lang: {part: {group: {key: text}}}}``, marked a draft unless
    ``reviewed`` says who reviewed it ("name, date"); the messages as ``{English: text}``.
    Rows left blank are left out (the English stays).

    Raises
    ------
    InputError
        Naming every problem: a missing column, a row whose part, group or key remnant
        does not have (or whose English was changed), a key given twice, a message whose
        ``{names}`` differ from the English one's.
    """
    path = Path(path)
    table = _read(path)
    extra = [c for c in table.columns if c not in (*FIXED, "notes")]
    missing = [c for c in FIXED if c not in table.columns]
    if missing or len(extra) != 1:
        raise InputError(
            N_(
                "{name}: the sheet needs the columns {needed} and one language column; it has "
                "{columns}"
            ),
            name=path.name,
            needed=", ".join(FIXED),
            columns=", ".join(map(str, table.columns)),
        )
    code = extra[0]
    if lang is not None and lang != code:
        raise InputError(
            N_("{name}: the sheet is in {code!r}, not {lang!r}"),
            name=path.name,
            code=code,
            lang=lang,
        )
    english = labels.get("en", {})
    problems: list[Problem] = []
    seen: set[tuple] = set()
    out: dict[str, dict[str, dict[str, str]]] = {}
    messages: dict[str, str] = {}
    marked = set(template())
    for number, row in enumerate(table.to_dict("records"), start=2):  # row 1: the header
        part, group, key = row["part"], row["group"], row["key"]
        label = (("label", f"{part}/{group}/{key}"),)
        if part == MESSAGES:
            found = _message(row, code, marked, messages)
        elif part not in PARTS or key not in english.get(part, {}).get(group, {}):
            found = (None, None, N_("remnant has no label {label}"), label)
        elif row["en"] != english[part][group][key]:
            found = ("en", row["en"], N_("changed; leave it"), ())
        elif (part, group, key) in seen:
            found = (None, None, N_("{label} given twice"), label)
        else:
            found = None
        if found is not None:
            problems.append(Problem(path.name, number, *found))
        elif part != MESSAGES:
            seen.add((part, group, key))
            if text := row[code].strip():
                out.setdefault(part, {}).setdefault(group, {})[key] = text
    if problems:
        raise InvalidRecordsError(path.name, problems)
    meta = {"reviewed": reviewed} if reviewed else {"draft": "translated in a sheet, not reviewed"}
    return {code: {"meta": meta, **out}}, messages


def _message(row: dict, code: str, marked: set[str], messages: dict[str, str]):
    """Take one message row into ``messages``; what is wrong with it, if anything.

    What is wrong is a :class:`~remnant.errors.Problem`'s field, value, message and
    parameters.

    >>> got = {}
    >>> row = {"key": "Casualties, {scope}", "en": "Casualties, {scope}", "uk": "Жертви, {обсяг}"}
    >>> _message(row, "uk", {"Casualties, {scope}"}, got)[3]
    (('names', '{scope}'), ('theirs', '{обсяг}'))
    """
    key = row["key"]
    if key not in marked:
        return None, None, N_("remnant has no message {key!r}"), (("key", key),)
    if row["en"] != key:
        return "en", row["en"], N_("changed; leave it"), ()
    if key in messages:
        return None, None, N_("message {key!r} given twice"), (("key", key),)
    text = row[code].strip()
    names = sorted(re.findall(r"\{\w*\}", key))
    if text and sorted(re.findall(r"\{\w*\}", text)) != names:
        theirs = ", ".join(sorted(re.findall(r"\{[^}]*\}", text))) or "none"
        braces = N_("keep the names in braces as in English ({names}), not {theirs}")
        return code, text, braces, (("names", ", ".join(names)), ("theirs", theirs))
    if text:
        messages[key] = text
    return None


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(N_("{path}: no such file"), path=path)
    try:
        if path.suffix.lower() == ".csv":  # as a spreadsheet saves it: BOM, ";" or ","
            with open(path, encoding="utf-8-sig") as fh:
                sep = csvdialect.separator(fh.readline())
            table = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep
            )
        elif path.suffix.lower() == ".xlsx":
            table = pd.read_excel(path, sheet_name="labels", dtype=str, keep_default_na=False)
        else:
            raise InputError(N_("{name}: read a sheet from .xlsx or .csv"), name=path.name)
    except (ValueError, KeyError, UnicodeDecodeError, OSError) as exc:
        raise InputError(
            N_("{name}: not a labels sheet remnant can read ({exc})"), name=path.name, exc=exc
        ) from None
    return table.fillna("")


def write_labels(path, labels: dict) -> None:
    """Save labels as a labels file (the layout of ``labels.toml``).

    >>> import pathlib, tempfile, tomllib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels.uk.toml"
    >>> write_labels(p, {"uk": {"meta": {"draft": "x"}, "choices": {"status": {"open": "В"}}}})
    >>> tomllib.loads(p.read_text("utf-8"))["uk"]["choices"]["status"]["open"]
    'В'
    """
    import tomli_w

    head = "".join(
        f"# DRAFT ({lang}): {parts['meta']['draft']}; needs review by a native speaker.\n"
        for lang, parts in labels.items()
        if "draft" in parts.get("meta", {})
    )
    Path(path).write_text(head + ("\n" if head else "") + tomli_w.dumps(labels), "utf-8")
