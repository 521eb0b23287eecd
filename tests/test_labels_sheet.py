"""Labels out to a translator's spreadsheet and back (remnant i18n export / import)."""

from __future__ import annotations

import pandas as pd
import pytest
from pyxform.xls2xform import convert

from remnant.cli import main
from remnant.errors import InputError, InvalidRecordsError
from remnant.labels import drafts, label, load
from remnant.labels_sheet import export_sheet, read_sheet, rows
from remnant.translate import template, translations


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_language_goes_out_and_comes_back_unchanged(tmp_path, suffix):
    sheet = tmp_path / f"uk{suffix}"
    n = export_sheet(sheet, "uk", load())
    assert n == len(rows(load(), "en"))  # every English label, one row each
    back, messages = read_sheet(sheet, load())
    packaged = load()["uk"]
    for part in ("fields", "choices"):
        assert back["uk"][part] == packaged[part]
    assert back["uk"]["meta"] == {"draft": "translated in a sheet, not reviewed"}
    assert messages == translations("uk")  # the report's and dashboard's words too
    assert len(messages) == len(template())


def test_a_sheet_saved_by_a_spreadsheet_as_csv_reads_the_same(tmp_path):
    # Excel's "CSV UTF-8" starts with a byte order mark; in French, Spanish or Ukrainian
    # settings it separates columns with semicolons.
    sheet = tmp_path / "uk.csv"
    export_sheet(sheet, "uk", load())
    saved = tmp_path / "saved.csv"
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    table.to_csv(saved, index=False, sep=";", encoding="utf-8-sig")
    assert read_sheet(saved, load()) == read_sheet(sheet, load())


def test_a_translator_adds_a_language_and_the_forms_speak_it(tmp_path, capsys):
    sheet, out = tmp_path / "km.xlsx", tmp_path / "locale" / "labels.km.toml"
    out.parent.mkdir()
    assert main(["i18n", "export", "km", "--out", str(sheet)]) == 0
    table = pd.read_excel(sheet, sheet_name="labels", dtype=str, keep_default_na=False)
    assert (table["km"] == "").all()  # a new language starts blank
    status = (table["group"] == "status") & (table["key"] == "open")
    table.loc[status, "km"] = "បើក"
    table.loc[(table["group"] == "strikes") & (table["key"] == "date"), "km"] = "កាលបរិច្ឆេទ"
    table.loc[table["key"] == "Casualties", "km"] = "ជនរងគ្រោះ"  # a message of the report
    with pd.ExcelWriter(sheet, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="labels", index=False)
    reviewer = "Sokha Chan, 2026-12-06"
    args = ["i18n", "import", str(sheet), "--out", str(out), "--reviewed", reviewer]
    assert main(args) == 1  # a translated message needs somewhere to go
    assert "the sheet changes 1 messages" in capsys.readouterr().err
    assert not out.exists()
    assert main([*args, "--messages", str(out.parent)]) == 0
    said = capsys.readouterr().out
    assert "2 km labels written" in said
    assert "1 km messages written" in said
    theirs = load(out)
    assert label(theirs, "choices", "status", "open", "km") == "បើក"
    assert label(theirs, "choices", "status", "closed", "km") == "Closed"  # English stays
    assert "km" not in drafts(theirs)  # a native speaker reviewed it
    form = tmp_path / "strikes.xlsx"
    store = tmp_path / "s.gpkg"
    assert main(["init", str(store)]) == 0
    args = ["forms", str(store), "-l", "strikes", "--out", str(form), "--languages", "en,km"]
    assert main([*args, "--labels", str(out)]) == 0
    survey = pd.read_excel(form, sheet_name="survey", dtype=str)
    column = next(c for c in survey.columns if c.startswith("label::") and "(km)" in c)
    assert "កាលបរិច្ឆេទ" in survey[column].tolist()
    warnings: list = []
    xform = convert(xlsform=str(form), warnings=warnings).xform  # pyxform compiles it
    assert "កាលបរិច្ឆេទ" in xform


def test_an_unreviewed_sheet_is_a_draft_and_its_file_says_so(tmp_path):
    sheet, out = tmp_path / "fr.csv", tmp_path / "labels.fr.toml"
    assert main(["i18n", "export", "fr", "--out", str(sheet)]) == 0
    folder = tmp_path / "locale"
    assert main(["i18n", "import", str(sheet), "--out", str(out)]) == 0  # messages unchanged
    out.unlink()
    assert main(["i18n", "import", str(sheet), "--out", str(out), "--messages", str(folder)]) == 0
    assert out.read_text("utf-8").startswith("# DRAFT (fr):")
    assert "fr" in drafts(load(out))
    catalogue = folder / "fr" / "LC_MESSAGES" / "remnant.po"
    assert catalogue.read_text("utf-8").startswith("# DRAFT: translated in a sheet")


def test_a_wrong_sheet_is_refused_with_every_problem_and_nothing_written(tmp_path, capsys):
    sheet, out = tmp_path / "uk.csv", tmp_path / "labels.uk.toml"
    export_sheet(sheet, "uk", load())
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    table.loc[0, "en"] = "Strike number"  # the English changed
    table.loc[1, "key"] = "no_such_field"
    table = pd.concat([table, table.iloc[[5]]])  # a row twice
    table.to_csv(sheet, index=False)
    with pytest.raises(InputError) as refused:
        read_sheet(sheet, load())
    message = refused.value.report()
    assert "uk.csv, row 2, field 'en': changed; leave it (value 'Strike number')" in message
    assert "uk.csv, row 3: remnant has no label fields/strikes/no_such_field" in message
    assert "given twice" in message
    assert main(["i18n", "import", str(sheet), "--out", str(out)]) == 1
    assert not out.exists()
    assert "error:" in capsys.readouterr().err


def test_a_sheet_without_its_columns_or_in_another_language_is_refused(tmp_path):
    sheet = tmp_path / "uk.csv"
    export_sheet(sheet, "uk", load())
    with pytest.raises(InputError, match="the sheet is in 'uk', not 'ar'"):
        read_sheet(sheet, load(), lang="ar")
    pd.read_csv(sheet).drop(columns=["key"]).to_csv(sheet, index=False)
    with pytest.raises(InputError, match="needs the columns part, group, key, en"):
        read_sheet(sheet, load())
    with pytest.raises(InputError, match="not a language code"):
        export_sheet(tmp_path / "x.csv", "en", load())
    with pytest.raises(InputError, match=r"as \.xlsx or \.csv"):
        export_sheet(tmp_path / "x.ods", "uk", load())


def test_a_programmes_folder_makes_the_report_and_dashboard_speak_its_language(
    programme, tmp_path, monkeypatch
):
    """A new language from a sheet, kept in REMNANT_LOCALE_DIR: offered, spoken, reviewed."""
    from remnant.report import write_report
    from remnant.translate import drafts as message_drafts
    from remnant.translate import negotiated, spoken
    from remnant.web.dashboard import render_dashboard

    folder = tmp_path / "locale"
    folder.mkdir()
    sheet = tmp_path / "km.csv"
    export_sheet(sheet, "km", load())
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    table.loc[table["key"] == "Casualties", "km"] = "ជនរងគ្រោះ"
    table.loc[(table["group"] == "status") & (table["key"] == "open"), "km"] = "បើក"
    table.to_csv(sheet, index=False)
    out = folder / "labels.km.toml"
    assert main(["i18n", "import", str(sheet), "--out", str(out), "--messages", str(folder)]) == 0
    monkeypatch.setenv("REMNANT_LOCALE_DIR", str(folder))
    assert "km" in spoken()
    assert negotiated("km-KH,en;q=0.5") == "km-KH"
    assert "km" in message_drafts()  # read back without --reviewed: a draft
    report = tmp_path / "report.km.html"
    write_report(programme, report, lang="km")
    html = report.read_text("utf-8")
    assert "<h2>ជនរងគ្រោះ</h2>" in html
    assert "Contamination" in html  # not translated: the English stays
    assert 'value="km" lang="km" selected' in render_dashboard("km")


def test_a_message_whose_names_in_braces_changed_is_refused(tmp_path):
    sheet = tmp_path / "uk.csv"
    export_sheet(sheet, "uk", load())
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    table.loc[table["key"] == "Casualties, {scope}", "uk"] = "Жертви, {обсяг}"
    table.to_csv(sheet, index=False)
    with pytest.raises(InvalidRecordsError) as refused:
        read_sheet(sheet, load())
    assert "keep the names in braces as in English ({scope})" in refused.value.report()
