"""The Monitor-style report: its numbers against the records, self-contained HTML, PDF pages."""

import subprocess
from io import StringIO

import pandas as pd
import pytest
from matplotlib.image import imread

from programme import HOSTILE
from remnant.cli import main


def table(html: str, key: str) -> pd.DataFrame:
    return pd.read_html(StringIO(html), attrs={"id": key}, thousands=",")[0]


def report(store, tmp_path, *args):
    out = tmp_path / "report.html"
    assert main(["report", str(store.backend.path), "--out", str(out), *args]) == 0
    return out.read_text("utf-8")


def test_report_numbers_trace_back_to_the_records(programme, tmp_path):
    html = report(programme, tmp_path)

    land = table(html, "land_release").set_index("year")
    assert land.loc[2022, "cancelled (km²)"] == pytest.approx(156.92, abs=0.005)
    assert land.loc[2022, "reduced (km²)"] == pytest.approx(121.11, abs=0.005)
    assert land.loc[2022, "cleared (km²)"] == pytest.approx(219.31, abs=0.005)
    assert land.loc[2022, "released (km²)"] == pytest.approx(497.34, abs=0.01)

    # Casualties: 2023 has three victim records; 2024's accident counts two injured but
    # only one victim record, so one casualty of unknown status, age and sex.
    # The Monitor's split: ACC-1 (2023) during an attack, ACC-2 (2024) from remnants.
    cas = table(html, "casualties").set_index("year")
    assert cas.loc[2023, ["casualties", "killed", "injured"]].tolist() == [3, 1, 2]
    assert cas.loc[2023, ["during use", "remnants", "when unknown"]].tolist() == [3, 0, 0]
    assert cas.loc[2024, ["casualties", "killed", "injured"]].tolist() == [2, 0, 2]
    assert cas.loc[2024, ["during use", "remnants", "when unknown"]].tolist() == [0, 2, 0]
    assert cas.loc[2023, ["civilian share", "child share"]].tolist() == ["67%", "33%"]
    assert cas.loc[2024, ["civilian share", "child share"]].tolist() == ["50%", "50%"]
    groups = table(html, "casualty_groups").set_index("year")
    assert groups.loc[2023].tolist() == [2, 1, 0, 0, 1, 2, 0, 1, 2, 0]
    assert groups.loc[2024].tolist() == [1, 0, 0, 1, 1, 0, 1, 1, 0, 1]
    assert list(groups.columns) == [
        "civilians", "deminers", "security forces", "category unknown",
        "children", "adults", "age unknown", "female", "male", "sex unknown",
    ]  # fmt: skip
    assert "Categories as in Cluster Munition Monitor 2023" in html
    re = table(html, "risk_education").set_index("year")
    columns = ["sessions", "participants", "girls under 13", "boys under 13", "women"]
    assert re.loc[2023, columns].tolist() == [1, 27, 10, 12, 5]
    assert re.loc[2024, ["sessions", "participants", "men", "women"]].tolist() == [1, 7, 7, 0]
    va = table(html, "victim_assistance").set_index("type")
    assert va.loc["Emergency medical care", ["services", "people"]].tolist() == [2, 2]
    assert va.loc["Physical rehabilitation", ["services", "people"]].tolist() == [1, 1]
    assert "; 1 people&#x27;s latest assistance record names needs" in html
    ben = table(html, "beneficiaries").set_index("status")
    assert ben.loc["Closed", "beneficiaries"] == 900
    assert ben.loc["Closed", ["of whom women", "of whom boys"]].tolist() == [300, 150]
    victims = programme.read("victims")
    assert cas["casualties"].sum() == len(victims) + 1

    cont = table(html, "contamination").set_index("kind")
    assert cont.loc["CHA", "remaining (km²)"] == pytest.approx(5.0, abs=0.005)
    assert cont.loc["SHA", "remaining (km²)"] == pytest.approx(0.0, abs=0.005)
    assert cont.loc["total", "released (km²)"] == pytest.approx(497.34, abs=0.01)
    assert cont.loc["total", "open areas"] == 1
    assert "below heavy (under 100 km²)" in html

    destroyed = table(html, "destroyed").set_index("munition")
    assert destroyed.loc["m77_m26", "destroyed"] == 2
    assert destroyed.loc["bl755", "destroyed"] == 1
    ncr = table(html, "nonconformities").set_index("type")
    assert ncr.loc["Insufficient depth", ["major", "total", "still open"]].tolist() == [1, 1, 1]
    assert "1 quality assurance visits" in html

    art7 = table(html, "article7")
    assert art7["hazard area"].tolist() == ["H-OPEN"]
    assert art7["name"].iloc[0] == HOSTILE  # stored verbatim, shown as text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script" not in html

    assert "Not available:" in html  # no strikes: no field dud rates
    prov = table(html, "provenance").set_index("item")["value"]
    assert prov["victims records"] == "4"
    assert len(prov["store SHA-256 (at report time)"]) == 64


def test_report_is_self_contained(programme, tmp_path):
    html = report(programme, tmp_path)
    for fetched in ("http://", "https://", "<link", "<script"):
        assert fetched not in html
    assert html.count('src="data:image/png;base64,') >= 3  # casualties, map, land release


def test_report_for_one_year(programme, tmp_path):
    html = report(programme, tmp_path, "--year", "2023")
    assert table(html, "casualties")["year"].tolist() == [2023]
    assert "no records" in html  # nothing released in 2023
    cont = table(html, "contamination").set_index("kind")  # at the end of 2023
    assert cont.loc["total", "remaining (km²)"] == pytest.approx(5.0, abs=0.005)
    html = report(programme, tmp_path, "--year", "2021", "--overwrite")
    cont = table(html, "contamination").set_index("kind")  # before any release
    assert cont.loc["total", "remaining (km²)"] == pytest.approx(502.34, abs=0.01)
    assert "heavy (100–1,000 km²)" in html


def test_pdf_pages_render(programme, tmp_path, pdftoppm):
    report(programme, tmp_path, "--pdf", str(tmp_path / "report.pdf"))
    subprocess.run(
        [pdftoppm, "-r", "40", "-png", tmp_path / "report.pdf", tmp_path / "page"], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    for page in pages:
        pixels = imread(page)[..., :3]
        dark = (pixels.mean(axis=2) < 0.5).mean()
        assert 0.002 < dark < 0.5, (page.name, dark)  # text or figures, not blank


def test_report_never_overwrites_silently(programme, tmp_path, capsys):
    report(programme, tmp_path)
    out = str(tmp_path / "report.html")
    assert main(["report", str(programme.backend.path), "--out", out]) == 1
    assert "exists" in capsys.readouterr().err
