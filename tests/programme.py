"""A small programme's records, for the report's tests and its languages' tests.

Built so the Landmine Monitor 2023 land release identity holds for 2022, with a hostile
area name (markup, Cyrillic, guillemets) that every page must show as text.
"""

import datetime as dt

import geopandas as gpd
import pandas as pd
import shapely

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


def programme_records(store):
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
