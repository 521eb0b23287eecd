"""The Monitor-style report: its numbers against the records, self-contained HTML, PDF pages."""

import datetime as dt
import subprocess
from io import StringIO

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from matplotlib.image import imread

from remnant.cli import main
from remnant.grid import equal_area_crs
from remnant.io import import_records

CRS = equal_area_crs(35.5, 33.3)
HOSTILE = "<script>alert('x')</script> & «Ҳ»"


def square(km2, x0, y0=0.0):
    side = (km2 * 1e6) ** 0.5
    return shapely.segmentize(shapely.box(x0, y0, x0 + side, y0 + side), 500.0)


def frame(rows, geometry=None):
    data = pd.DataFrame(rows)
    if geometry is None:
        return data
    return gpd.GeoDataFrame(data, geometry=geometry, crs=CRS)


@pytest.fixture
def programme(store):
    """Records built so the Landmine Monitor 2023 land release identity holds for 2022:
    497.34 km² released = 156.92 cancelled + 121.11 reduced + 219.31 cleared; plus
    casualties in 2023 and 2024, items destroyed, a QA finding and an open area."""
    areas = [
        ("H-NTS", "SHA", "Plain north", square(156.92, 0)),
        ("H-TS", "CHA", "River bend", square(121.11, 20_000)),
        ("H-CLR", "CHA", "Orchards", square(219.31, 40_000)),
        ("H-OPEN", "CHA", HOSTILE, square(5.0, 0, 30_000)),
    ]
    import_records(
        store,
        "hazard_areas",
        frame(
            {
                "id": [a[0] for a in areas],
                "kind": [a[1] for a in areas],
                "status": "open",
                "name": [a[2] for a in areas],
                "date": dt.date(2021, 6, 1),
                "beneficiaries": [None, None, 900, None],
                "beneficiaries_women": [None, None, 300, None],
                "beneficiaries_men": [None, None, 280, None],
                "beneficiaries_girls": [None, None, 160, None],
                "beneficiaries_boys": [None, None, 150, None],
            },
            [a[3] for a in areas],
        ),
    )
    d = dt.date(2022, 3, 1)
    acts = [
        ("A-NTS", "NTS", "cancelled", "H-NTS", None, square(156.92, 0)),
        ("A-TS", "TS", "reduced", "H-TS", 20.0, square(121.11, 20_000)),
        ("A-CLR", "clearance", "cleared", "H-CLR", 20.0, square(219.31, 40_000)),
        ("A-QA", "QA", "none", "H-CLR", 20.0, square(0.5, 41_000, 1_000)),
    ]
    import_records(
        store,
        "activities",
        frame(
            {
                "id": [a[0] for a in acts],
                "type": [a[1] for a in acts],
                "outcome": [a[2] for a in acts],
                "hazard_area": [a[3] for a in acts],
                "depth_cm": [a[4] for a in acts],
                "organisation": "Org",
                "start": d,
                "end": d + dt.timedelta(days=200),
            },
            [a[5] for a in acts],
        ),
    )
    import_records(
        store,
        "items",
        frame(
            {
                "id": ["I1", "I2", "I3", "I4"],
                "munition": ["m77_m26", "m77_m26", "bl755", "bl755"],
                "category": "submunition",
                "state": "dud",
                "activity": "A-CLR",
                "destroyed": [True, True, True, False],
                "date": dt.date(2022, 5, 1),
            },
            [shapely.Point(40_100 + 10 * i, 100) for i in range(4)],
        ),
    )
    import_records(
        store,
        "nonconformities",
        frame(
            {
                "id": ["NCR-1"],
                "activity": ["A-QA"],
                "inspected": ["A-CLR"],
                "date": [dt.date(2022, 10, 1)],
                "type": ["insufficient_depth"],
                "severity": ["major"],
            }
        ),
    )
    import_records(
        store,
        "accidents",
        frame(
            {
                "id": ["ACC-1", "ACC-2"],
                "date": [dt.date(2023, 4, 2), dt.date(2024, 8, 9)],
                "killed": [1, 0],
                "injured": [2, 2],
                "context": ["during_use", "remnants"],
            },
            [shapely.Point(0, 30_500), shapely.Point(500, 30_500)],
        ),
    )
    import_records(
        store,
        "victims",
        frame(
            {
                "id": ["V1", "V2", "V3", "V4"],
                "accident": ["ACC-1", "ACC-1", "ACC-1", "ACC-2"],
                "outcome": ["killed", "injured", "injured", "injured"],
                "category": ["civilian", "civilian", "deminer", "civilian"],
                "sex": ["male", "female", "male", "female"],
                "age_group": ["adult", "child", "adult", "child"],
            }
        ),
    )
    import_records(
        store,
        "victim_assistance",
        frame(
            {
                "id": ["VA1", "VA2", "VA3"],
                "victim": ["V2", "V2", "V4"],
                "date": [dt.date(2023, 4, 2), dt.date(2023, 6, 1), dt.date(2024, 8, 9)],
                "type": ["emergency_medical", "rehabilitation", "emergency_medical"],
                "needs": [None, "prosthesis", None],
            }
        ),
    )
    import_records(
        store,
        "risk_education",
        frame(
            {
                "id": ["RE1", "RE2"],
                "date": [dt.date(2023, 2, 1), dt.date(2024, 2, 1)],
                "organisation": "Org",
                "girls_0_12": [10, None],
                "boys_0_12": [12, None],
                "women": [5, None],
                "men": [None, 7],
            },
            [shapely.Point(0, 30_500), shapely.Point(500, 30_500)],
        ),
    )
    return store


def table(html: str, key: str) -> pd.DataFrame:
    return pd.read_html(StringIO(html), attrs={"id": key}, thousands=",")[0]


def report(store, tmp_path, *args):
    out = tmp_path / "report.html"
    assert main(["report", str(store.backend.path), "--out", str(out), *args]) == 0
    return out.read_text("utf-8")


def test_report_numbers_trace_back_to_the_records(programme, tmp_path):
    html = report(programme, tmp_path)

    land = table(html, "land_release").set_index("year")
    assert land.loc[2022, "cancelled km2"] == pytest.approx(156.92, abs=0.005)
    assert land.loc[2022, "reduced km2"] == pytest.approx(121.11, abs=0.005)
    assert land.loc[2022, "cleared km2"] == pytest.approx(219.31, abs=0.005)
    assert land.loc[2022, "released km2"] == pytest.approx(497.34, abs=0.01)

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
    columns = ["sessions", "participants", "girls 0 12", "boys 0 12", "women"]
    assert re.loc[2023, columns].tolist() == [1, 27, 10, 12, 5]
    assert re.loc[2024, ["sessions", "participants", "men", "women"]].tolist() == [1, 7, 7, 0]
    va = table(html, "victim_assistance").set_index("type")
    assert va.loc["emergency_medical", ["services", "people"]].tolist() == [2, 2]
    assert va.loc["rehabilitation", ["services", "people"]].tolist() == [1, 1]
    assert "; 1 people&#x27;s latest assistance record names needs" in html
    ben = table(html, "beneficiaries").set_index("status")
    assert ben.loc["closed", "beneficiaries"] == 900
    assert ben.loc["closed", ["beneficiaries women", "beneficiaries boys"]].tolist() == [300, 150]
    victims = programme.read("victims")
    assert cas["casualties"].sum() == len(victims) + 1

    cont = table(html, "contamination").set_index("kind")
    assert cont.loc["CHA", "remaining km2"] == pytest.approx(5.0, abs=0.005)
    assert cont.loc["SHA", "remaining km2"] == pytest.approx(0.0, abs=0.005)
    assert cont.loc["total", "released km2"] == pytest.approx(497.34, abs=0.01)
    assert cont.loc["total", "open areas"] == 1
    assert "below heavy (under 100 km²)" in html

    destroyed = table(html, "destroyed").set_index("munition")
    assert destroyed.loc["m77_m26", "destroyed"] == 2
    assert destroyed.loc["bl755", "destroyed"] == 1
    ncr = table(html, "nonconformities").set_index("type")
    assert ncr.loc["insufficient_depth", ["major", "total", "still open"]].tolist() == [1, 1, 1]
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
    assert cont.loc["total", "remaining km2"] == pytest.approx(5.0, abs=0.005)
    html = report(programme, tmp_path, "--year", "2021", "--overwrite")
    cont = table(html, "contamination").set_index("kind")  # before any release
    assert cont.loc["total", "remaining km2"] == pytest.approx(502.34, abs=0.01)
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
