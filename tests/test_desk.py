"""Desk assessment: reports in, candidate records out, waiting for a reviewer.

The reports are SYNTHETIC (tests/data/desk/synthetic/README.md); the places are GeoNames'
real towns, loaded into a real GeoPackage store.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import geopandas as gpd
import matplotlib
import pytest
import shapely

from remnant.cli import main
from remnant.desk import assess, candidates, propose
from remnant.desk.evaluation import evaluate
from remnant.desk.reading import read_document
from remnant.errors import InputError
from remnant.places import geonames
from remnant.store import create_store

CORPUS = Path(__file__).parent / "data" / "desk" / "synthetic"


@pytest.fixture(scope="module")
def towns():
    return geonames("UA")


@pytest.fixture
def store(tmp_path, towns):
    s = create_store(tmp_path / "desk.gpkg")
    s.add_places(towns, user="researcher")
    return s


def make_pdf(text_file: Path, pdf: Path) -> Path:
    """Draw a text report on an A4 page with TrueType fonts: a PDF with a text layer."""
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    lines = text_file.read_text("utf-8").splitlines()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        figure = plt.figure(figsize=(8.27, 11.69))
        for k, line in enumerate(lines):
            figure.text(0.05, 0.95 - 0.03 * k, line, fontsize=8)
        with PdfPages(pdf, metadata={"Title": lines[0]}) as out:
            out.savefig(figure)
        plt.close(figure)
    return pdf


def test_the_synthetic_corpus_meets_the_issue_targets(towns):
    # Optimistic: the reports and the rules were written by the same people.
    r = evaluate(CORPUS, towns)
    assert r["annotated"] >= 20
    assert r["matched"] / r["found"] >= 0.8  # precision
    assert r["matched"] / r["annotated"] >= 0.7  # recall
    for field in ("place", "munition", "casualties"):
        hits = r["scores"][field]
        assert sum(hits) / len(hits) >= 0.8, field


def test_a_pdf_tells_the_same_events_as_its_text(tmp_path, towns):
    pdf = make_pdf(CORPUS / "r08-kherson.txt", tmp_path / "r08-kherson.pdf")
    day = dt.date(2022, 11, 22)
    seen = []
    for path in (CORPUS / "r08-kherson.txt", pdf):
        found = assess([path], towns, published=day)
        seen.append([(e.kind, e.place.name, e.first) for e in found.events])
    assert seen[0] == seen[1]
    assert ("strike", "Kherson", dt.date(2022, 11, 21)) in seen[0]


def test_an_html_article_is_read_without_its_menus_and_dated_by_its_metadata(towns):
    doc = read_document(CORPUS / "r09-chuhuiv-uk.html")
    assert "Реклама" not in doc.text
    assert "Удар по Чугуєву" in doc.title
    assert doc.published == dt.date(2023, 5, 10)
    found = assess([doc.path], towns, lang="uk")
    strike = next(e for e in found.events if e.kind == "strike")
    assert strike.first == dt.date(2023, 5, 9)  # "у вівторок" before Wednesday 10 May
    assert strike.munition_keys == ("9n210_9m27k",)  # "Ураган", named later in the report


def test_an_undated_casualty_takes_the_day_its_own_report_was_published(tmp_path, towns):
    page = tmp_path / "p.html"
    page.write_text(
        '<html><head><title>SYNTHETIC</title><meta name="date" content="2023-05-10"></head>'
        "<body><article><p>Three people were injured by a cluster munition in Kherson, "
        "the police said.</p></article></body></html>",
        "utf-8",
    )
    accident = candidates(assess([page], towns))["accidents"].iloc[0]
    assert accident["date"] == dt.date(2023, 5, 10)  # the page's day, not today's
    assert "the day the report was published, 2023-05-10" in accident["notes"]


def test_the_same_event_told_twice_is_one_candidate_with_both_sources(tmp_path, towns):
    text = (CORPUS / "r08-kherson.txt").read_text("utf-8")
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(text, "utf-8")
    found = assess([tmp_path], towns, published=dt.date(2022, 11, 22))
    strikes = [e for e in found.events if e.kind == "strike"]
    assert len(strikes) == 1
    assert len(strikes[0].sources) == 2
    assert len(strikes[0].files) == 2


def test_an_ambiguous_place_keeps_every_match_and_lowers_confidence(tmp_path):
    twins = gpd.GeoDataFrame(
        {
            "name": ["Mykolaivka", "Mykolaivka"],
            "names": ["", ""],
            "kind": ["village", "village"],
            "population": [900, 1200],
            "source": ["SYNTHETIC", "SYNTHETIC"],
        },
        geometry=[shapely.Point(37.1, 48.6), shapely.Point(33.9, 46.9)],
        crs=4326,
    )
    report = tmp_path / "r.txt"
    report.write_text("Title\n\nOn 4 May cluster rockets hit Mykolaivka.", "utf-8")
    found = assess([report], twins, published=dt.date(2023, 5, 6))
    (event,) = found.events
    assert event.place.alternatives  # the other Mykolaivka, with its coordinates
    strike = candidates(found)["strikes"].iloc[0]
    assert strike["confidence"] == "low"
    assert "also matches: Mykolaivka (" in strike["notes"]
    assert strike["accuracy_m"] == 1000.0  # a village


def test_desk_command_queues_candidates_a_reviewer_approves(store, tmp_path, capsys):
    folder = tmp_path / "reports"
    shutil.copytree(CORPUS, folder)
    path = str(tmp_path / "desk.gpkg")
    assert (
        main(["desk", path, str(folder / "r01-kramatorsk.txt"), "--published", "2023-03-14"]) == 0
    )
    out = capsys.readouterr().out
    assert "3 new candidate(s) for review" in out
    pending = store.reviews("pending")
    assert set(pending["layer"]) == {"strikes", "accidents", "evidence"}
    assert store.read("strikes").empty  # nothing reaches the maps before review
    strike_id = pending.loc[pending["layer"] == "strikes", "record_id"].iloc[0]
    accident_id = pending.loc[pending["layer"] == "accidents", "record_id"].iloc[0]
    store.decide("strikes", strike_id, True, by="admin")
    store.decide("accidents", accident_id, True, by="admin")
    strike = store.read("strikes").iloc[0]
    assert strike["source_class"] == "media"
    assert strike["munition"] == "9n210_9m27k"
    assert 'quote: "Rockets carrying cluster submunitions struck' in strike["notes"]
    accident = store.read("accidents").iloc[0]
    assert (accident["killed"], accident["injured"], accident["strike"]) == (2, 7, strike_id)
    assert str(accident["date"])[:10] == "2023-03-12"  # "on Sunday", told before
    # The same report again adds nothing: approved, waiting and rejected ones are known.
    store.decide(
        "evidence", pending.loc[pending["layer"] == "evidence", "record_id"].iloc[0], False, by="a"
    )
    assert (
        main(["desk", path, str(folder / "r01-kramatorsk.txt"), "--published", "2023-03-14"]) == 0
    )
    assert "0 new candidate(s)" in capsys.readouterr().out
    assert main(["review", "list", path, "--state", "all", "--details"]) == 0
    assert "| quote:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.txt", b"", "no text in it"),
        ("blank.txt", b"Title only\n", "no text in it"),
        ("binary.txt", b"\x00\x01\x02 not text", "binary data, not text"),
        ("letter.docx", b"PK\x03\x04", "not a report remnant reads"),
        ("fake.pdf", b"%PDF-1.7 this is no PDF", "not a PDF remnant can read"),
        ("scan.pdf", None, "no text in it (a scan without a text layer?)"),
    ],
)
def test_a_report_remnant_cannot_read_is_refused_in_one_line(tmp_path, store, name, content, says):
    path = tmp_path / name
    if content is None:  # a page with a picture and no text: what a scanner gives
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        figure = plt.figure()
        figure.figimage([[0.0, 1.0], [1.0, 0.0]])
        figure.savefig(path)
        plt.close(figure)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError) as refused:
        read_document(path)
    message = str(refused.value)
    assert says in message
    assert name in message
    assert "\n" not in message
    assert main(["desk", str(tmp_path / "desk.gpkg"), str(path)]) == 1
    assert store.reviews().empty


def test_a_missing_report_or_an_empty_gazetteer_is_refused(tmp_path, capsys):
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "absent.txt")
    create_store(tmp_path / "empty.gpkg")
    assert main(["desk", str(tmp_path / "empty.gpkg"), str(CORPUS / "r04-lyman.txt")]) == 1
    assert "no places" in capsys.readouterr().err


def test_propose_leaves_what_the_store_already_holds(store):
    found = assess([CORPUS / "r04-lyman.txt"], store.places(), published=dt.date(2022, 10, 10))
    waiting, problems, _ = propose(store, found, user="researcher")
    assert problems == []
    assert list(waiting) == ["strikes"]
    strike = store.reviews("pending").iloc[0]
    assert strike["record_id"].startswith("DESK-")
    assert propose(store, found, user="researcher") == ({}, [], [])
