"""The language remnant speaks: gettext catalogues, and numbers, dates and units by locale.

Strings people read are marked ``_("…")`` where they are used and ``N_("…")`` where
they are only named (a table of them); ``pybabel extract -F babel.cfg`` collects them
into ``locale/remnant.pot`` and each language's ``locale/LANG/LC_MESSAGES/remnant.po``
holds their translation (docs/languages.md). The catalogues are read with Babel as they
are, so a corrected ``.po`` takes effect without a build step; a programme keeps its own
corrections in a folder of the same layout named by ``REMNANT_LOCALE_DIR``, which wins
over the packaged one. A catalogue whose header says ``DRAFT`` is a machine draft not
yet reviewed by a native speaker, and says so wherever it is used.

The language is chosen per call of :func:`language` (a context variable, so two reports
in two languages can be made side by side); :func:`chosen` reads ``--lang``,
``REMNANT_LANG`` and the locale's environment. Numbers, dates and units follow the
Unicode CLDR through Babel: ``1 234,5`` in Ukrainian, ``1,234.5`` in English, Arabic-Indic
digits where the locale writes them (``ar-IQ``), Latin ones where it does not (``ar``).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import functools
import gettext
import io
import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

from remnant.errors import InputError

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "chosen",
    "current",
    "day",
    "direction",
    "drafts",
    "extract_help",
    "language",
    "negotiated",
    "ngettext",
    "number",
    "percent",
    "spoken",
    "template",
    "translations",
    "unit_name",
    "write_catalogue",
    "year",
]

LANGUAGES = {
    "en": "English",
    "uk": "Українська",
    "lo": "ລາວ",
    "vi": "Tiếng Việt",
    "ar": "العربية",
    "fr": "Français",
    "es": "Español",
}
DOMAIN = "remnant"
# Babel writes a numbering system's separators but always Latin digits: these are the
# digits of the systems our languages' regions use (CLDR numberingSystems.xml).
DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹", "laoo": "໐໑໒໓໔໕໖໗໘໙"}
_LANG: ContextVar[str] = ContextVar("remnant_language", default="en")


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for translation where it is only named; :func:`_` translates it.

    >>> N_("hectares")
    'hectares'
    """
    return message


def _(message: str) -> str:
    """``message`` in the current language (itself where the catalogue lacks it).

    >>> with language("uk"):
    ...     _("Casualties")
    'Жертви'
    >>> _("Casualties")
    'Casualties'
    """
    return _catalogue(_base(_LANG.get()), os.environ.get("REMNANT_LOCALE_DIR", "")).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` (``n`` is 1) or ``plural``, in the current language.

    The catalogues hold the two as two messages, each worded to read right for every
    count it stands for: Ukrainian and Arabic have more plural forms than English.

    >>> with language("fr"):
    ...     ngettext("Option {name!r} requires an argument.",
    ...              "Option {name!r} requires {nargs} arguments.", 2)
    "L'option {name!r} demande {nargs} arguments."
    """
    return _(singular if n == 1 else plural)


def current() -> str:
    """The language tag in use (``en`` unless :func:`language` set another).

    >>> with language("ar-IQ"):
    ...     current()
    'ar-IQ'
    """
    return _LANG.get()


@contextlib.contextmanager
def language(tag: str) -> Iterator[str]:
    r"""Speak ``tag`` (``uk``, ``ar``, ``ar-IQ`` …) inside the ``with`` block.

    >>> with language("fr"):
    ...     number(1234.5, 1)
    '1\u202f234,5'
    """
    _locale(tag)  # refuse a tag Babel does not know before anything is written in it
    token = _LANG.set(tag)
    try:
        yield tag
    finally:
        _LANG.reset(token)


def chosen(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language asked for: ``flag``, else ``REMNANT_LANG``, else the locale, else English.

    The locale is read as gettext reads it (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``); a locale remnant has no catalogue for falls through to the next.

    >>> chosen(None, {"LANG": "uk_UA.UTF-8"}), chosen("ar", {"LANG": "uk_UA.UTF-8"})
    ('uk-UA', 'ar')
    >>> chosen(None, {"LC_ALL": "C", "LANG": "de_DE.UTF-8"})
    'en'
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    if flag:
        return flag
    if env.get("REMNANT_LANG"):
        return env["REMNANT_LANG"]
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for value in env.get(variable, "").split(":"):
            tag = value.split(".")[0].split("@")[0].replace("_", "-")
            if _base(tag) in spoken():
                return tag
    return "en"


def spoken() -> dict[str, str]:
    """The languages remnant speaks, by tag, each named in itself: ours and the programme's.

    A programme's are the catalogues in ``REMNANT_LOCALE_DIR`` (a new language, Khmer
    say, is a ``km/LC_MESSAGES/remnant.po`` there).

    >>> list(spoken())
    ['en', 'uk', 'lo', 'vi', 'ar', 'fr', 'es']
    """
    out = dict(LANGUAGES)
    extra = os.environ.get("REMNANT_LOCALE_DIR", "")
    if extra and Path(extra).is_dir():
        for folder in sorted(Path(extra).iterdir()):
            if folder.name not in out and _po(folder.name, extra) is not None:
                try:
                    out[folder.name] = _locale(folder.name).get_display_name(folder.name)
                except InputError:
                    continue  # a folder that is no language
    return out


def negotiated(accept_language: str, asked: str | None = None) -> str:
    """A web page's language: ``asked`` (``?lang=``), else the browser's, else English.

    The browser's is the first language of its ``Accept-Language`` remnant speaks.

    >>> negotiated("ar-IQ,ar;q=0.9,en;q=0.8"), negotiated("de-DE,uk;q=0.5,en;q=0.4")
    ('ar-IQ', 'uk')
    >>> negotiated("de, fr-CH;q=oops"), negotiated("", asked="lo"), negotiated("", "xx")
    ('en', 'lo', 'en')
    """
    tags = [asked] if asked else []
    ranked = []
    for order, part in enumerate(accept_language.split(",")):
        tag, _sep, weight = part.strip().partition(";q=")
        try:
            ranked.append((-float(weight or 1), order, tag.strip()))
        except ValueError:
            continue  # a malformed weight: that entry is skipped
    tags += [tag for _weight, _order, tag in sorted(ranked)]
    languages = spoken()
    for tag in tags:
        if _base(tag) in languages:
            try:
                _locale(tag)
            except InputError:  # a region Babel does not know: the language alone
                return _base(tag)
            return tag
    return "en"


def direction(tag: str | None = None) -> str:
    """``rtl`` for a language written right to left, else ``ltr``.

    >>> direction("ar"), direction("uk")
    ('rtl', 'ltr')
    """
    order = _locale(tag or _LANG.get()).character_order
    return "rtl" if order == "right-to-left" else "ltr"


def drafts() -> dict[str, str]:
    """Languages whose catalogue is a machine draft, with the first line of its header.

    >>> sorted(drafts())
    ['ar', 'es', 'fr', 'lo', 'uk', 'vi']
    """
    out = {}
    for lang in spoken():
        path = _po(lang, os.environ.get("REMNANT_LOCALE_DIR", ""))
        if path is not None:
            head = path.read_text("utf-8").split("\n", 1)[0]
            if "DRAFT" in head:
                out[lang] = head.lstrip("# ")
    return out


def number(value: float | int, digits: int = 0) -> str:
    r"""``value`` with ``digits`` decimals and the locale's grouping and digits.

    >>> number(1234567), number(0.5, 2)
    ('1,234,567', '0.50')
    >>> with language("uk"):
    ...     number(1234.5, 1)
    '1\xa0234,5'
    >>> with language("ar-IQ"):
    ...     number(1234.5, 1)
    '١٬٢٣٤٫٥'
    """
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return _digits(format_decimal(value, pattern, locale=_locale(), numbering_system="default"))


def percent(value: float, digits: int = 0) -> str:
    r"""``value`` (a share, 0.25) as a percentage in the locale's way.

    >>> percent(0.25), percent(0.0625, 1)
    ('25%', '6.2%')
    >>> with language("fr"):
    ...     percent(0.25)
    '25\xa0%'
    """
    from babel.numbers import format_percent

    pattern = _locale().percent_formats[None].pattern.split(";")[0]
    if digits:  # after the pattern's last digit
        pattern = re.sub(r"0(?=[^0]*$)", "0." + "0" * digits, pattern, count=1)
    return _digits(format_percent(value, pattern, locale=_locale(), numbering_system="default"))


def year(value: int) -> str:
    """A year: no grouping, the locale's digits.

    >>> year(2024)
    '2024'
    >>> with language("ar-IQ"):
    ...     year(2024)
    '٢٠٢٤'
    """
    return _digits(str(int(value)))


def day(date: dt.date) -> str:
    r"""A date as the locale writes it in prose.

    >>> day(dt.date(2024, 3, 25))
    'March 25, 2024'
    >>> with language("uk"):
    ...     day(dt.date(2024, 3, 25))
    '25 березня 2024\u202fр.'
    """
    from babel.dates import format_date

    return _digits(format_date(date, "long", locale=_locale()))


def unit_name(unit: str, short: bool = False) -> str:
    """How a title (or, ``short``, a column) names the area unit ``ha`` or ``km2``.

    >>> unit_name("ha"), unit_name("km2"), unit_name("ha", short=True)
    ('hectares', 'km²', 'ha')
    >>> with language("uk"):
    ...     unit_name("ha"), unit_name("ha", short=True)
    ('гектари', 'га')
    """
    from babel.units import format_unit, get_unit_name

    key = "area-hectare" if unit == "ha" else "area-square-kilometer"
    if short or unit == "km2":  # the unit as written after a number, the number taken off
        written = format_unit(0, key, length="short", locale=_locale())
        return written.replace("0", "", 1).strip(" \u00a0\u202f\u200e\u200f\u061c")
    return get_unit_name(key, length="long", locale=_locale()) or unit


def _digits(text: str) -> str:
    """``text`` with the Latin digits Babel wrote in the locale's own digits."""
    system = _locale().default_numbering_system
    if system not in DIGITS:
        return text
    return text.translate(str.maketrans("0123456789", DIGITS[system]))


def template() -> list[str]:
    """Every message remnant marks, in the order of its template (``locale/remnant.pot``).

    >>> "Casualties" in template()
    True
    """
    from babel.messages.pofile import read_po

    path = Path(str(resources.files("remnant").joinpath("locale", f"{DOMAIN}.pot")))
    with path.open("rb") as f:
        return [m.id for m in read_po(f) if m.id and isinstance(m.id, str)]


def translations(lang: str) -> dict[str, str]:
    """``lang``'s translation of each message it has (the programme's catalogue first).

    >>> translations("uk")["Casualties"]
    'Жертви'
    >>> translations("km")
    {}
    """
    from babel.messages.pofile import read_po

    path = _po(lang, os.environ.get("REMNANT_LOCALE_DIR", ""))
    if path is None:
        return {}
    with path.open("rb") as f:
        return {
            m.id: m.string
            for m in read_po(f)
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        }


def write_catalogue(
    folder: str | Path, lang: str, messages: dict[str, str], reviewed: str | None = None
) -> Path:
    """Save ``messages`` as ``folder/LANG/LC_MESSAGES/remnant.po`` (a ``REMNANT_LOCALE_DIR``).

    Unless ``reviewed`` names who reviewed it ("name, date"), its first line says DRAFT.

    >>> import tempfile
    >>> path = write_catalogue(tempfile.mkdtemp(), "km", {"Casualties": "ជនរងគ្រោះ"})
    >>> path.read_text("utf-8").splitlines()[0]
    '# DRAFT: translated in a sheet, needs review by a native speaker (km).'
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    head = (
        f"# Reviewed by {reviewed}."
        if reviewed
        else f"# DRAFT: translated in a sheet, needs review by a native speaker ({lang})."
    )
    catalogue = Catalog(
        locale=lang,
        domain=DOMAIN,
        project="remnant",
        header_comment=f"{head}\n# remnant's messages, REMNANT_LOCALE_DIR (docs/languages.md).\n#",
        last_translator=reviewed or "translated in a sheet, not reviewed",
        fuzzy=False,
    )
    for message, text in messages.items():
        catalogue.add(message, text)
    path = Path(folder) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalogue, width=88, sort_output=True)
    return path


def _base(tag: str) -> str:
    """The language of a tag: ``ar-IQ`` → ``ar``."""
    return tag.replace("_", "-").split("-")[0].lower()


def _locale(tag: str | None = None):
    from babel import UnknownLocaleError

    tag = tag or _LANG.get()
    try:
        return _parsed(tag)
    except (UnknownLocaleError, ValueError):
        raise InputError(
            N_(
                "unknown language {tag!r}: give a language tag such as uk, ar, ar-IQ, lo "
                "(translated: {languages})"
            ),
            option="--lang",
            tag=tag,
            languages=", ".join(LANGUAGES),
        ) from None


@functools.cache
def _parsed(tag: str):
    from babel import Locale

    return Locale.parse(tag, sep="-" if "-" in tag else "_")


def _po(lang: str, extra: str) -> Path | None:
    """The catalogue of ``lang``: the programme's (``REMNANT_LOCALE_DIR``), else ours."""
    packaged = Path(str(resources.files("remnant").joinpath("locale")))
    for folder in (Path(extra) if extra else None, packaged):
        if (
            folder is not None
            and (path := folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        ):
            return path
    return None


@functools.cache
def _catalogue(lang: str, extra: str) -> gettext.NullTranslations:
    """``lang``'s catalogue read with Babel and compiled in memory (English: none needed)."""
    path = _po(lang, extra) if lang != "en" else None
    if path is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalogue = read_po(f, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def extract_help(fileobj, keywords, comment_tags, options):
    r"""Babel's Python extractor, and the help of click commands: docstrings, ``help=``.

    click shows a command's docstring, cleaned and cut at a form feed, as its help, and
    an option's ``help=``; ``babel.cfg`` names this function for ``cli/`` so that both
    are in the catalogue without a mark (:mod:`remnant.cli.command` translates them).

    >>> source = (
    ...     b'@click.option("--out", help="To here.")\n@click.command()\n'
    ...     b'def init(out):\n    "Create a store."\n    _("done")\n'
    ... )
    >>> [m[2] for m in extract_help(io.BytesIO(source), {"_": None}, [], {})]
    ['done', 'Create a store.', 'To here.']
    """
    from babel.messages.extract import extract_python

    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        value = node.value if isinstance(node, ast.keyword) and node.arg == "help" else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            yield value.lineno, None, value.value, []
        if isinstance(node, ast.FunctionDef) and any(map(_declares_command, node.decorator_list)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, None, doc.partition("\f")[0], []


def _declares_command(decorator) -> bool:
    """Whether a decorator is ``command(…)``/``group(…)`` (``click.`` or a group's)."""
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
    return name in ("command", "group")
