"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0), read-only over the store.

Plain functions returning JSON-ready dicts; ``base`` is the URL the service is reached at
(links are absolute, as clients such as GDAL's OAPIF driver follow them).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from remnant import records
from remnant.store import Store
from remnant.translate import N_
from remnant.web.handlers import COLLECTIONS, WebError, search

__all__ = ["CONFORMANCE", "collection", "collections", "conformance", "item", "items", "landing"]

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"


def landing(base: str) -> dict:
    """The landing page: where the API description, conformance and collections are."""
    return {
        "title": "remnant: explosive ordnance records",
        "description": "Strikes, hazard areas, survey and clearance, items and accidents.",
        "links": [
            {"href": f"{base}/ogc", "rel": "self", "type": "application/json"},
            {
                "href": f"{base}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
            },
            {"href": f"{base}/ogc/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/ogc/collections", "rel": "data", "type": "application/json"},
        ],
    }


def conformance() -> dict:
    """The conformance classes this service meets."""
    return {"conformsTo": CONFORMANCE}


RISK = "hazard_area_risk"


def _published(store: Store) -> list[str]:
    """The collections: the record layers, and the hazard map per area once there is one."""
    return [*COLLECTIONS, *([RISK] if len(store.read_derived(RISK)) else [])]


def _describe(store: Store, base: str, cid: str) -> dict:
    ent = records.ENTITIES["hazard_areas" if cid == RISK else cid]
    bbox = list(store.extent(ent.name) or (-180.0, -90.0, 180.0, 90.0))
    return {
        "id": cid,
        "title": cid.replace("_", " "),
        "description": (
            "Expected unexploded items per hazard area, from the last hazard map."
            if cid == RISK
            else ent.doc
        ),
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [bbox]}},
        "links": [
            {"href": f"{base}/ogc/collections/{cid}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/ogc/collections/{cid}/items", "rel": "items", "type": GEOJSON},
        ],
    }


def collections(store: Store, base: str) -> dict:
    """Every published collection."""
    return {
        "links": [{"href": f"{base}/ogc/collections", "rel": "self", "type": "application/json"}],
        "collections": [_describe(store, base, c) for c in _published(store)],
    }


def _known(store: Store, cid: str) -> None:
    published = _published(store)
    if cid not in published:
        raise WebError(
            404,
            N_("no collection {cid!r}; collections: {published}"),
            cid=cid,
            published=", ".join(published),
        )


def collection(store: Store, base: str, cid: str) -> dict:
    """One collection's description."""
    _known(store, cid)
    return _describe(store, base, cid)


def items(
    store: Store, base: str, cid: str, *, bbox=None, datetime=None, limit=10, offset=0
) -> dict:
    """A page of a collection's features, with a ``next`` link while more remain."""
    _known(store, cid)
    layer = "hazard_areas" if cid == RISK else cid
    when = None if cid == RISK else datetime
    features, matched = search(store, layer, bbox=bbox, datetime=when, limit=limit, offset=offset)
    if cid == RISK:
        features = _with_risk(store, features)
    here = f"{base}/ogc/collections/{quote(cid)}/items?"
    query = {"limit": limit, **{k: v for k, v in (("bbox", bbox), ("datetime", datetime)) if v}}
    links = [
        {"href": here + urlencode({**query, "offset": offset}), "rel": "self", "type": GEOJSON}
    ]
    if offset + len(features) < matched:
        links.append(
            {
                "href": here + urlencode({**query, "offset": offset + limit}),
                "rel": "next",
                "type": GEOJSON,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "links": links,
    }


def item(store: Store, base: str, cid: str, fid: str) -> dict:
    """One feature of a collection."""
    from remnant.web.handlers import get_one

    _known(store, cid)
    out = get_one(store, "hazard_areas" if cid == RISK else cid, fid)
    if cid == RISK:
        out = _with_risk(store, [out])[0]
    out["links"] = [
        {"href": f"{base}/ogc/collections/{cid}/items/{fid}", "rel": "self", "type": GEOJSON},
        {"href": f"{base}/ogc/collections/{cid}", "rel": "collection", "type": "application/json"},
    ]
    return out


def _with_risk(store: Store, features: list[dict]) -> list[dict]:
    """Hazard area features with their row of the hazard map's per-area table."""
    risk = store.read_derived(RISK).set_index("hazard_area")
    columns = ["expected", "p_any", "p05", "p50", "p95", "cell_m", "computed_at"]
    out = []
    for f in features:
        props = {"name": f["properties"].get("name"), "kind": f["properties"].get("kind")}
        if f["id"] in risk.index:
            row = risk.loc[f["id"]]
            props |= {c: (None if row[c] != row[c] else row[c]) for c in columns}
            props = {k: (v.item() if hasattr(v, "item") else v) for k, v in props.items()}
        out.append({**f, "properties": props})
    return out
