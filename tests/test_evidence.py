"""Evidence points: CMRS boxes drawn around direct evidence and proposed for review, and
the checks of confirmed areas against the evidence they hold."""

from __future__ import annotations

import geopandas as gpd
import shapely

from remnant import cli
from remnant.evidence import boxed_area, rule
from remnant.grid import equal_area_crs

CRS = equal_area_crs(106.0, 16.5)  # metres about a point in southern Lao PDR


def metres(*xy):
    """Points given in metres about CRS's origin, as WGS 84 geometries."""
    return gpd.GeoSeries([shapely.Point(x, y) for x, y in xy], crs=CRS).to_crs(4326).values


def square(x0, y0, x1, y1):
    """A square given in metres about CRS's origin, as a WGS 84 polygon."""
    return gpd.GeoSeries([shapely.box(x0, y0, x1, y1)], crs=CRS).to_crs(4326).iloc[0]


def test_boxes_hold_the_evidence_and_the_fade_out_around_it():
    the_rule = rule()
    side = the_rule.box_m
    points = gpd.GeoSeries(metres((0, 0), (10, 5), (400, 400)), crs=4326)
    areas = boxed_area(points, the_rule).to_crs(CRS)
    assert len(areas) == 2  # the far point is its own area
    ring = 2 * the_rule.fade_out_boxes + 1
    assert areas.area.round(3).tolist() == [(ring * side) ** 2] * 2
    near = gpd.GeoSeries(shapely.points([(0, 0), (10, 5)]), crs=CRS)
    home = areas[areas.contains(near.iloc[0])].iloc[0]
    inner = home.buffer(-side * the_rule.fade_out_boxes + 1e-6, join_style="mitre")
    assert near.within(inner).all()  # the fade-out lies all round the boxes with evidence
    assert not areas.contains(shapely.Point(200, 200)).any()


def test_direct_evidence_outside_every_cha_becomes_a_proposed_area(store, capsys):
    areas = gpd.GeoDataFrame(
        {"id": ["H-CHA", "H-EMPTY"], "kind": ["CHA", "CHA"], "status": ["open", "open"]},
        geometry=[square(-100, -100, 100, 100), square(2000, 2000, 2100, 2100)],
        crs=4326,
    )
    store.write("hazard_areas", areas)
    evidence = gpd.GeoDataFrame(
        {
            "id": ["E-IN", "E-OUT1", "E-OUT2", "E-WIT", "E-BM"],
            "type": ["submunition", "strike_mark", "fragments", "witness", "benchmark"],
            "hazard_area": ["H-CHA", "H-CHA", None, None, "H-CHA"],
        },
        geometry=metres((0, 0), (800, 800), (820, 790), (3000, 0), (130, 0)),
        crs=4326,
    )
    store.write("evidence", evidence)
    path = str(store.backend.path)
    assert cli.main(["evidence", "check", path]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "H-EMPTY: a confirmed area (CHA) that holds no direct evidence point" in lines
    assert "E-OUT1 (strike_mark): named H-CHA but lies outside it" in lines
    assert sum("direct evidence in no confirmed area" in line for line in lines) == 2
    assert not any(line.startswith(("E-WIT", "E-BM")) for line in lines)  # not direct
    assert cli.main(["evidence", "area", path, "--user", "surveyor"]) == 0
    out = capsys.readouterr().out
    assert "CHA proposed from 2 evidence point(s): E-OUT1, E-OUT2" in out
    pending = store.reviews("pending")
    assert pending["layer"].tolist() == ["hazard_areas"], pending.to_dict("records")
    store.decide("hazard_areas", pending["record_id"].iloc[0], True, by="admin")
    assert cli.main(["evidence", "check", path]) == 0
    assert "direct evidence in no confirmed area" not in capsys.readouterr().out
