"""Languages: every string marked and in every catalogue; reports in Ukrainian, Arabic, Lao.

The report is rendered in a pseudo-language whose catalogue wraps every message in ⟦ ⟧:
any word a reader sees outside the brackets that is not the records' own data is a
string the code forgot to mark. Arabic and Ukrainian PDFs are drawn with pdftoppm
(the pages kept in test-artifacts/ to be looked at) and their fonts read with pdffonts.
"""

import re
import shutil
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

import remnant
from helpers import marked_messages, unmarked, words, write_pseudo_catalogue
from programme import HOSTILE
from remnant.cli import main
from remnant.labels import load
from remnant.report import write_report
from remnant.report.figures import FONTS
from remnant.translate import LANGUAGES, drafts

SRC = Path(remnant.__file__).parent
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def catalogue(lang: str) -> Catalog:
    with (SRC / "locale" / lang / "LC_MESSAGES" / "remnant.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalogue_holds_every_marked_string(lang):
    marked = marked_messages()
    ours = {m.id: m.string for m in catalogue(lang) if m.id}
    assert marked - set(ours) == set(), f"{lang} lacks these strings"
    assert set(ours) - marked == set(), f"{lang} holds strings the code no longer has"
    assert all(ours.values()), [k for k, v in ours.items() if not v]
    placeholders = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}")  # {name}, {name!r}, {n:,}
    for english, translated in ours.items():
        assert sorted(placeholders.findall(translated)) == sorted(placeholders.findall(english)), (
            lang,
            english,
            translated,
        )


def test_template_is_up_to_date():
    with (SRC / "locale" / "remnant.pot").open("rb") as f:
        assert {m.id for m in read_po(f) if m.id} == marked_messages()


def test_machine_drafts_say_so():
    assert sorted(drafts()) == sorted(TRANSLATED)
    for lang in TRANSLATED:
        head = (SRC / "locale" / lang / "LC_MESSAGES" / "remnant.po").read_text().split("\n")[0]
        assert "DRAFT" in head
        assert "native speaker" in head


def _font_chars(family: str) -> set[int]:
    path = font_manager.findfont(family, fallback_to_default=False)
    return set(FT2Font(path).get_charmap())


@pytest.mark.parametrize("lang", TRANSLATED)
def test_fonts_cover_every_character_of_the_translations(lang):
    """No tofu: each character of the catalogue and the labels is in one of the fonts."""
    covered = set().union(*(_font_chars(f) for f in FONTS))
    text = "".join(m.string for m in catalogue(lang) if m.id)
    labels = load()[lang]
    text += "".join(
        str(v)
        for part in labels.values()
        for g in part.values()
        for v in (g.values() if isinstance(g, dict) else [g])
    )
    missing = {c for c in text if ord(c) not in covered and not c.isspace()}
    assert missing == set(), f"{lang}: no glyph for {sorted(missing)}"


class _Text(HTMLParser):
    """The text a reader sees: text nodes outside style and script."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_every_string_of_the_report_is_marked(programme, tmp_path, monkeypatch):
    monkeypatch.setenv("REMNANT_LOCALE_DIR", str(write_pseudo_catalogue(tmp_path / "locale")))
    out = tmp_path / "report.html"
    write_report(programme, out, lang="de")
    text = _visible(out.read_text("utf-8"))
    assert "⟦Casualties⟧" in text  # the pseudo-language was spoken
    assert unmarked(text, programme) == [], "words shown but never marked for translation"


def test_report_in_arabic_is_right_to_left_with_mixed_direction_kept(programme, tmp_path):
    out = tmp_path / "report.ar.html"
    write_report(programme, out, lang="ar")
    html = out.read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert "الضحايا" in html
    # The hostile name, Latin and Cyrillic in an Arabic page: escaped and isolated.
    assert "<script>" not in html.split("<style>")[0] + html.split("</style>")[1]
    assert f"<bdi>{escape(HOSTILE)}</bdi>" in html
    assert "Translation: machine draft" not in html  # the notice itself is in Arabic
    assert "مسودة آلية" in html


def test_bilingual_report_sets_the_second_language_under_the_first(programme, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(programme.backend.path), "--out", str(out), "--lang", "uk,en"]) == 0
    html = out.read_text("utf-8")
    assert '<html lang="uk" dir="ltr">' in html
    assert 'Жертви <span class="second" lang="en">Casualties</span>' in html
    assert html.count('id="casualties"') == 1  # the numbers once


def test_language_chosen_by_environment_and_refused_when_unknown(
    programme,
    tmp_path,
    monkeypatch,
    capsys,
):
    out = tmp_path / "report.html"
    path = str(programme.backend.path)
    monkeypatch.setenv("REMNANT_LANG", "fr")
    assert main(["report", path, "--out", str(out)]) == 0
    assert '<html lang="fr"' in out.read_text("utf-8")
    assert main(["report", path, "--out", str(out), "--lang", "xx-nowhere", "--overwrite"]) == 1
    assert "langue inconnue 'xx-nowhere'" in capsys.readouterr().err  # REMNANT_LANG speaks


@pytest.mark.parametrize(
    ("lang", "font", "title"),
    [
        ("ar", "NotoSansArabic", None),
        ("uk", "DejaVuSans", "Залишки касетних боєприпасів"),
    ],
)
def test_pdf_in_arabic_and_ukrainian_embeds_its_fonts_and_renders(
    programme,
    tmp_path,
    pdftoppm,
    lang,
    font,
    title,
):
    html, pdf = tmp_path / "r.html", tmp_path / f"report.{lang}.pdf"
    write_report(programme, html, pdf=pdf, lang=lang)
    fonts = subprocess.run(
        [shutil.which("pdffonts") or "pdffonts", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert font in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # embedded
    if title:
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert title in text
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / f"report-{lang}"
    subprocess.run(
        [pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(prefix)], check=True
    )
    pages = sorted(ARTIFACTS.glob(f"report-{lang}-*.png"))
    assert pages


def _commands(group, path=()):
    """Every command of the ``remnant`` tree with its path of names."""
    import click

    yield path, group
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from _commands(command, (*path, name))


def test_every_command_help_and_option_help_is_in_the_template():
    from remnant.cli import cli
    from remnant.translate import template

    marked = set(template())
    for path, command in _commands(cli):
        texts = [command.help.partition("\f")[0]] if command.help else []
        texts += [p.help for p in command.params if getattr(p, "help", None)]
        assert texts, path
        for text in texts:
            assert re.sub(r"\n\s+", "\n", text.strip()) in {
                re.sub(r"\n\s+", "\n", m) for m in marked
            }, (path, text)


# Calls that show their string arguments to a user of the command line.
SHOWN = {"echo", "print", "status", "add_task", "new_table", "add_row", "_print"}
SHOWN |= {"UsageError", "ClickException", "BadParameter"}


def _worded(node) -> bool:
    import ast

    if isinstance(node, ast.Constant):
        text = node.value if isinstance(node.value, str) else ""
        return text != "remnant" and bool(re.search(r"[^\W\d_]{2}", text))  # its own name
    if isinstance(node, ast.JoinedStr):
        return any(_worded(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _worded(node.value)
    if isinstance(node, ast.BinOp):
        return _worded(node.left) or _worded(node.right)
    if isinstance(node, ast.IfExp):
        return _worded(node.body) or _worded(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_worded(e) for e in node.elts)
    return False


def test_the_command_line_shows_no_unmarked_words():
    """Each string the CLI prints, raises or heads a table with goes through ``_``/``N_``."""
    import ast

    found = []
    for path in sorted((SRC / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            named = None
            if isinstance(node, ast.Call):
                f = node.func
                named = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if named in SHOWN:
                found += [f"{path.name}:{node.lineno}" for a in node.args if _worded(a)]
            columns = (
                isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "columns"
            )
            if columns and _worded(node.value):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_the_worded_check_finds_an_unmarked_message():
    import ast

    shown = ast.parse('click.echo(f"wrote {n} files")').body[0].value.args[0]
    marked = ast.parse('click.echo(_("wrote {n} files").format(n=n))').body[0].value.args[0]
    assert _worded(shown)
    assert not _worded(marked)


def test_command_help_in_the_language_asked_for(capsys, monkeypatch):
    assert main(["--lang", "uk", "hazard", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Використання:" in out
    assert "Розмір комірки в метрах." in out
    monkeypatch.setenv("REMNANT_LANG", "ar")
    assert main(["init", "--help"]) == 0
    out = capsys.readouterr().out
    assert "إنشاء مخزن سجلات فارغ" in out
    assert "الخيارات" in out


def test_every_help_page_in_the_pseudo_language_is_bracketed(tmp_path, capsys, monkeypatch):
    """Every sentence of every --help is a marked message: no word outside ⟦ ⟧ but names."""
    from remnant.cli import cli

    monkeypatch.setenv("REMNANT_LOCALE_DIR", str(write_pseudo_catalogue(tmp_path)))
    for path, command in _commands(cli):
        assert main(["--lang", "de", *path, "--help"]) == 0
        text = capsys.readouterr().out
        while re.search(r"⟦[^⟦⟧]*⟧", text):
            text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        text = re.sub(r"⟦[^⟦⟧\n]*$", " ", text, flags=re.M)  # a help cut short in a list
        text = re.sub(r"[{\[][\w|\s-]*[}\]]", " ", text)  # a list of choices, maybe wrapped
        names = {w for p in command.params for o in [*p.opts, p.name or ""] for w in words(o)}
        names |= {w for p in command.params for w in words(getattr(p, "metavar", "") or "")}
        names |= words(" ".join(getattr(command, "commands", {}))) | words(" ".join(path))
        names |= {"remnant", "OPTIONS", "COMMAND", "ARGS", "TEXT", "INTEGER", "FLOAT", "PATH"}
        names |= {"FILENAME", "DIRECTORY", "FILE", "required", "default", "x", "range", "help"}
        for p in command.params:
            names |= words(" ".join(str(c) for c in getattr(p.type, "choices", ())))
            names |= words(str(p.default)) if p.default is not None else set()
        names |= {w.upper() for w in names}  # an argument's name, as the usage line writes it
        assert words(text) - names == set(), path


def test_an_unknown_language_is_one_clear_line(capsys, monkeypatch):
    monkeypatch.setenv("REMNANT_LANG", "xx-nonsense")
    assert main(["info", "--help"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert err.count("\n") == 1


BAD_STRIKES = (
    "id,munition,carriers,source_class,date,accuracy_m,lon,lat\n"
    "S1,m77_m26,two,surveyed,2024-01-01,10,35.5,33.2\n"
    "S2,m77_m26,-1,surveyed,2091-01-01,10,35.5,33.3\n"
    "S3,m77_m26,2,Nonsense,12/13/14/15,10,35.5,133.2\n"
    "S3,nonsense,2,media,2024-01-01,-5,35.6,33.4\n"
)


def test_a_refused_import_names_every_problem_in_the_language_asked_for(
    tmp_path, capsys, monkeypatch
):
    """The gate's verdict, row by row, is shown in the user's language: every word marked."""
    store, csv = tmp_path / "p.gpkg", tmp_path / "bad.csv"
    csv.write_text(BAD_STRIKES, encoding="utf-8")
    assert main(["init", str(store)]) == 0
    assert main(["--lang", "uk", "import", str(store), str(csv), "-l", "strikes"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv, рядок 2, поле 'carriers': не є числом (значення 'two')" in err
    assert "рядок 3, поле 'date': дата в майбутньому" in err
    assert "нічого не записано" in err
    assert main(["--lang", "ar", "import", str(store), str(csv), "-l", "strikes"]) == 1
    assert "bad.csv، الصف 2، الحقل 'carriers': ليس عددًا" in capsys.readouterr().err
    assert main(["import", str(store), str(csv), "-l", "strikes"]) == 1
    english = capsys.readouterr().err
    assert "bad.csv, row 2, field 'carriers': is not a number (value 'two')" in english
    assert english.count("\n") == err.count("\n") >= 8  # the same problems, one a line

    monkeypatch.setenv("REMNANT_LOCALE_DIR", str(write_pseudo_catalogue(tmp_path / "pseudo")))
    assert main(["--lang", "de", "import", str(store), str(csv), "-l", "strikes"]) == 1
    text = capsys.readouterr().err
    while re.search(r"⟦[^⟦⟧]*⟧", text):
        text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    assert words(text) == set()


# The library's errors and the API's answers: a message is its first argument (WebError's
# second), marked N_ so that it can be said in another language.
ERRORS = {"RemnantError", "InputError", "StoreError", "StoreBusyError", "NotFoundError"}
ERRORS |= {"ConflictError", "ModelError", "WebError"}


def _unmarked_errors(source: str) -> list[int]:
    """Lines of ``source`` that make an error whose message is not marked ``N_("…")``."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS:
            args = node.args[1:] if node.func.id == "WebError" else node.args
            message = args[0] if args else None
            marked = isinstance(message, ast.Call) and getattr(message.func, "id", "") == "N_"
            # A wrapper (WebError) passing on its own caller's message, whose callers are
            # checked in turn: the message a variable, its values forwarded as **params.
            forwarded = isinstance(message, ast.Name) and any(k.arg is None for k in node.keywords)
            if forwarded:
                continue
            if not marked or not isinstance(message.args[0], ast.Constant):
                lines.append(node.lineno)
    return lines


def test_every_error_a_person_reads_is_marked():
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line in _unmarked_errors(path.read_text())
    ]
    assert found == []


def test_the_error_check_finds_an_unmarked_message():
    assert _unmarked_errors('raise InputError(f"no file {path}")') == [1]
    assert _unmarked_errors('raise WebError(404, "no such record")') == [1]
    assert _unmarked_errors('raise InputError(N_("no file {path}"), path=path)') == []
    assert _unmarked_errors("raise WebError.of(exc)") == []
    assert _unmarked_errors("raise InputError(message)") == [1]
    assert _unmarked_errors("self.error = RemnantError(message, **params)") == []


def test_library_errors_are_said_in_the_language_asked_for(tmp_path, capsys):
    """An error raised by the library (not a refused record) on the command line."""
    missing, store = tmp_path / "missing.csv", tmp_path / "p.gpkg"
    assert main(["init", str(store)]) == 0
    assert main(["--lang", "uk", "import", str(store), str(missing), "-l", "strikes"]) == 1
    assert f"помилка: {missing}: немає такого файлу" in capsys.readouterr().err
    assert main(["--lang", "fr", "init", str(store)]) == 1
    assert f"erreur : {store} existe ; passez --overwrite pour la remplacer" in (
        capsys.readouterr().err
    )
    assert main(["init", str(store)]) == 1
    assert f"error: {store} exists; pass --overwrite to replace it" in capsys.readouterr().err


def test_clicks_own_usage_errors_in_the_language_asked_for(capsys):
    """click's messages (bad usage) go through remnant's catalogue too."""
    assert main(["--lang", "fr", "import", "--nonsense"]) == 2
    err = capsys.readouterr().err
    assert "Utilisation : remnant import [OPTIONS] STORE FILE" in err
    assert "Essayez 'remnant import --help' pour l'aide." in err
    assert "Erreur : Aucune option '--nonsense'." in err
    assert main(["--lang", "uk", "import", "p.gpkg"]) == 2
    assert "Помилка: Бракує аргументу 'FILE'." in capsys.readouterr().err
    assert main(["import", "p.gpkg"]) == 2  # English again once the command is done
    assert "Error: Missing argument 'FILE'." in capsys.readouterr().err
