"""Confirmed areas from evidence points, the way Cluster Munition Remnants Survey boxes them.

In a Cluster Munition Remnants Survey (CMRS: NPA, HALO Trust and MAG, "Cluster Munition
Remnants Survey: Best practice in South East Asia", 2019) a team records each piece of
direct evidence of cluster munition remnants (a submunition found, a strike mark,
fragments, a container, an accident) as an evidence point, searches square boxes around
it, and keeps going box by box until boxes with no evidence fade out; the confirmed
hazardous area (CHA) is the boxes that hold evidence and the fade-out around them.

remnant draws that area from the evidence points (:func:`boxed_area`) and checks a CHA
against the evidence inside it (:func:`unexplained`). The box size (50 m) and a fade-out
of one box all round are in ``evidence.toml`` with what they rest on; a programme's SOP
sets its own there (docs/evidence.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["BoxRule", "boxed_area", "new_areas", "rule", "unexplained"]


@dataclass(frozen=True)
class BoxRule:
    """How evidence becomes an area: box side (m), fade-out boxes all round, which types."""

    box_m: float
    fade_out_boxes: int
    direct: tuple[str, ...]
    source: str


def rule() -> BoxRule:
    """The box rule of ``evidence.toml``.

    >>> r = rule()
    >>> r.box_m, r.fade_out_boxes, "submunition" in r.direct, "witness" in r.direct
    (50.0, 1, True, False)
    """
    data = tomllib.loads(resources.files("remnant").joinpath("evidence.toml").read_text("utf-8"))
    box = data["box"]
    return BoxRule(
        float(box["side_m"]), int(box["fade_out_boxes"]), tuple(box["direct"]), box["source"]
    )


def boxed_area(points: gpd.GeoSeries, the_rule: BoxRule | None = None) -> gpd.GeoSeries:
    """The confirmed areas the evidence ``points`` give: one polygon per group of boxes.

    Boxes lie on a grid of ``box_m`` squares centred on the first point (in a local
    equal-area projection); each box holding a point, and the ``fade_out_boxes`` rings
    around it, make the area; boxes that touch merge. Returns polygons in the points' CRS,
    largest first.

    Examples
    --------
    >>> from remnant.grid import equal_area_crs
    >>> crs = equal_area_crs(105.0, 16.0)
    >>> near = gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(60, 10)], crs=crs)
    >>> areas = boxed_area(near.to_crs(4326))
    >>> len(areas), round(float(areas.to_crs(crs).area.iloc[0]))  # 3 × 4 boxes of 50 m
    (1, 30000)
    """
    the_rule = the_rule or rule()
    if len(points) == 0:
        return gpd.GeoSeries([], crs=points.crs)
    from remnant.grid import equal_area_crs

    centre = points.to_crs(4326).union_all().centroid
    crs = equal_area_crs(centre.x, centre.y)
    xy = shapely.get_coordinates(points.to_crs(crs).values)
    side, ring = the_rule.box_m, the_rule.fade_out_boxes
    cells = np.floor((xy - xy[0]) / side + 0.5).astype(np.int64)
    around = np.arange(-ring, ring + 1)
    dx, dy = np.meshgrid(around, around)
    boxes = np.unique(
        (cells[:, None, :] + np.c_[dx.ravel(), dy.ravel()][None, :, :]).reshape(-1, 2), axis=0
    )
    squares = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 0] + 1, boxes[:, 1] + 1)
    merged = shapely.get_parts(shapely.union_all(squares))  # exact: on whole box numbers
    merged = shapely.transform(merged, lambda c: xy[0] + (c - 0.5) * side)
    out = gpd.GeoSeries(merged, crs=crs)
    return out.iloc[np.argsort(-out.area.to_numpy(), kind="stable")].to_crs(points.crs)


def new_areas(
    points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, the_rule: BoxRule | None = None
) -> gpd.GeoDataFrame:
    """Confirmed areas to propose: the boxes of direct evidence no CHA holds yet.

    Returns hazard area records (kind CHA, status open) naming their evidence points,
    in EPSG:4326, for review.
    """
    the_rule = the_rule or rule()
    direct = points[points["type"].isin(the_rule.direct)]
    cha = areas[areas["kind"] == "CHA"].geometry
    held = cha.union_all() if len(cha) else shapely.Point()
    loose = direct[~direct.geometry.within(held)] if len(direct) else direct
    boxes = boxed_area(loose.geometry, the_rule) if len(loose) else gpd.GeoSeries(crs=4326)
    names = []
    for box in boxes:
        inside = loose[loose.geometry.within(box)]["id"].tolist()
        names.append(f"{len(inside)} evidence point(s): {', '.join(inside[:20])}")
    return gpd.GeoDataFrame(
        {
            "kind": "CHA",
            "status": "open",
            "evidence": names,
            "source": f"remnant evidence area: {the_rule.source}",
        },
        geometry=boxes.to_crs(4326).values,
        crs=4326,
    )


def unexplained(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    the_rule: BoxRule | None = None,
    finds: gpd.GeoSeries | None = None,
) -> list[str]:
    """What the evidence and the areas say against each other, one line per finding.

    A CHA that holds no direct evidence (neither an evidence point nor one of the
    ``finds``, the items a search recorded); a point that names an area it lies outside
    (benchmarks and reference points lie outside on purpose); direct evidence that lies in
    no CHA.

    >>> area = gpd.GeoDataFrame({"id": ["H1", "H2"], "kind": ["CHA", "CHA"]},
    ...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)], crs=4326)
    >>> points = gpd.GeoDataFrame({"id": ["E1", "E2"], "type": ["submunition", "strike_mark"],
    ...     "hazard_area": ["H1", "H1"]}, geometry=[shapely.Point(0.5, 0.5),
    ...     shapely.Point(3, 3)], crs=4326)
    >>> for line in unexplained(points, area): print(line)
    H2: a confirmed area (CHA) that holds no direct evidence point
    E2 (strike_mark): named H1 but lies outside it
    E2 (strike_mark): direct evidence in no confirmed area (remnant evidence area proposes one)
    """
    the_rule = the_rule or rule()
    out = []
    direct = points[points["type"].isin(the_rule.direct)]
    cha = areas[areas["kind"] == "CHA"]
    found = finds if finds is not None else gpd.GeoSeries([], crs=points.crs)
    for area_id, shape in zip(cha["id"], cha.geometry, strict=True):
        if not (direct.geometry.within(shape).any() or found.within(shape).any()):
            out.append(f"{area_id}: a confirmed area (CHA) that holds no direct evidence point")
    shapes = dict(zip(areas["id"], areas.geometry, strict=True))
    locating = points["type"].isin(("benchmark", "reference_point"))
    for p in points[points["hazard_area"].notna() & ~locating].itertuples():
        shape = shapes.get(p.hazard_area)
        if shape is not None and not p.geometry.within(shape):
            out.append(f"{p.id} ({p.type}): named {p.hazard_area} but lies outside it")
    held = cha.geometry.union_all() if len(cha) else shapely.Point()
    for p in direct[~direct.geometry.within(held)].itertuples():
        out.append(
            f"{p.id} ({p.type}): direct evidence in no confirmed area "
            "(remnant evidence area proposes one)"
        )
    return out
