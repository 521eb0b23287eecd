"""The dashboard page in the reader's language: a Jinja2 template rendered per request.

The language is the page's ``?lang=`` (the page's language switch sets it), else the
browser's ``Accept-Language``, else English; :func:`remnant.translate.negotiated` picks.
The template's words come from the gettext catalogues (``{{ _("…") }}``), field and value
labels from the labels files the forms use, and the messages ``dashboard.js`` writes
(``_("…")``) are put in the page for the script, translated. Arabic is laid out right to
left (``dir="rtl"``).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from remnant import records
from remnant.labels import drafts as label_drafts
from remnant.labels import label
from remnant.labels import load as load_labels
from remnant.translate import _, direction, drafts, language, spoken, unit_name

__all__ = ["render_dashboard", "script_messages"]


@functools.cache
def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("remnant.web", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(
        gettext=_, ngettext=lambda s, p, n: _(s) if n == 1 else _(p), newstyle=True
    )
    return env.get_template("dashboard.html")


@functools.cache
def script_messages() -> tuple[str, ...]:
    """The messages ``dashboard.js`` translates with ``_("…")``, as Babel extracts them.

    >>> "Layers loaded." in script_messages()
    True
    """
    from babel.messages.extract import extract_javascript

    script = resources.files("remnant.web").joinpath("static", "dashboard.js")
    with script.open("rb") as f:
        found = extract_javascript(f, {"_": None}, [], {})
        messages: set[str] = set()
        for _line, _function, message, _comments in found:
            if isinstance(message, str):  # a plural form would come as a tuple: none here
                messages.add(message)
    return tuple(sorted(messages))


def render_dashboard(tag: str) -> str:
    """The dashboard page in the language ``tag``.

    >>> page = render_dashboard("ar")
    >>> '<html lang="ar" dir="rtl">' in page, "لوحة" in page
    (True, True)
    """
    labels = load_labels()
    base = tag.split("-")[0]
    with language(tag):
        page = {
            "text": {m: _(m) for m in script_messages()},
            "units": {"ha": unit_name("ha", short=True), "km2": unit_name("km2")},
            **_popup_labels(labels, base),
        }
        return _template().render(
            lang=tag,
            base=base,
            direction=direction(tag),
            languages=spoken(),
            draft=base in drafts() or base in label_drafts(labels),
            hectare=unit_name("ha", short=True),
            messages=page,
            field=lambda layer, name: label(labels, "fields", layer, name, base),
            choice=lambda group, value: label(labels, "choices", group, value, base),
        )


MAP_LAYERS = ("hazard_areas", "strikes", "items")  # the layers the script puts on the map


def _popup_labels(labels: dict, lang: str) -> dict:
    """What a map popup names fields and values by, in ``lang``: the forms' labels.

    A field's label is the form's without its hint in brackets (``Number of carriers``).

    >>> popup = _popup_labels(load_labels(), "en")
    >>> popup["fields"]["strikes"]["carriers"], popup["choices"]["status"]["worked_on"]
    ('Number of carriers', 'Worked on')
    """
    fields: dict[str, dict[str, str]] = {}
    choices: dict[str, dict[str, str]] = {}
    for layer in MAP_LAYERS:
        fields[layer] = {}
        for f in records.entity(layer).fields:
            text = label(labels, "fields", layer, f.name, lang)
            fields[layer][f.name] = re.split(r"\s*[(（]", text, maxsplit=1)[0] or text
            if f.choices:
                choices[f.name] = {c: label(labels, "choices", f.name, c, lang) for c in f.choices}
    return {"fields": fields, "choices": choices}
