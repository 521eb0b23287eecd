"""The web server: a thin FastAPI adapter over :mod:`remnant.web.handlers` and ``ogc``.

Every route but the dashboard page, its static files and the API description needs a key
in the header ``X-API-Key``; never in the URL. The map tiles, fetched by the browser as
images, take either the header or a short-lived signed ``?token=`` from ``/tiles/token``
(:mod:`remnant.web.tokens`). Bodies over ``MAX_BODY`` bytes are refused while they stream
in, whether or not they declare their length; CORS is off; every response carries a
content security policy and refuses framing and MIME sniffing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path as FilePath
from typing import Any
from urllib.parse import quote

from fastapi import Body, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from remnant.entities import ENTITIES
from remnant.errors import NotFoundError
from remnant.store import Store
from remnant.translate import N_, negotiated
from remnant.web import handlers, ogc
from remnant.web.handlers import WebError, require
from remnant.web.tokens import LIFETIME, TileTokens

__all__ = ["MAX_BODY", "create_app"]

MAX_BODY = 2 * 2**20  # bytes: about 5,000 features of a typical survey polygon
GEOJSON = "application/geo+json"
# The layer names, so that clients and fuzzers know them from the API description.
LAYER = Path(description="a layer of the store", json_schema_extra={"enum": list(ENTITIES)})
# OpenAPI links: a record listed by /api/{layer} can be read, changed and deleted by its id.
_BY_ID = {"layer": "$request.path.layer", "record_id": "$response.body#/features/0/id"}
RECORD_LINKS = {
    200: {
        "description": "Records of a layer as GeoJSON",
        "links": {
            name: {"operationId": operation, "parameters": _BY_ID}
            for name, operation in [
                ("GetRecord", "get_record"),
                ("UpdateRecord", "update_record"),
                ("DeleteRecord", "delete_record"),
            ]
        },
    }
}
SECURITY_HEADERS = {
    # The dashboard runs only its own scripts; Leaflet's inline styles and the tiles'
    # data: images are the only other sources it needs.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def create_app(
    store: Store, *, hazard: str | FilePath | None = None, base_url: str | None = None
) -> FastAPI:
    """The application serving ``store`` (and the hazard COG ``hazard`` as tiles).

    ``base_url`` is the address clients reach the service at, used in every link; by
    default the address the server listens on. Links never echo a request's Host header.
    """
    app = FastAPI(
        title="remnant",
        description="Records, hazard maps and plans for clearing explosive ordnance. "
        "Send your key as the X-API-Key header.",
        version="1",
        docs_url=None,  # the interactive pages load their scripts from the internet
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)
    static = resources.files("remnant.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    tiles = None
    if hazard is not None:
        from remnant.web.tiles import HazardTiles

        tiles = HazardTiles(hazard)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError):
        message, tag = exc.said(_tag(request))
        return JSONResponse(
            {"detail": message}, status_code=exc.status, headers={"Content-Language": tag}
        )

    signer = TileTokens()

    def caller(request: Request, *, image: bool = False):
        """Who calls, by the X-API-Key header (tiles, fetched as images: also ``?token=``)."""
        key = request.headers.get("x-api-key")
        if key is None and image and "token" in request.query_params:
            found = signer.check(request.query_params["token"])
            if found is None:
                raise WebError(401, N_("this tile token is expired or not ours; ask for a new one"))
            return found
        found = store.authenticate(key)
        if key and found is None:
            raise WebError(401, N_("this API key is unknown or revoked"))
        return found

    def base(request: Request) -> str:
        if base_url:
            return base_url.rstrip("/")
        server = request.scope.get("server") or ("127.0.0.1", 8000)
        return f"{request.url.scheme}://{server[0]}:{server[1]}"

    def geojson(data) -> JSONResponse:
        return JSONResponse(data, media_type=GEOJSON)

    @app.get("/", include_in_schema=False)
    def dashboard(request: Request, lang: str | None = None):
        from remnant.web.dashboard import render_dashboard

        tag = negotiated(request.headers.get("accept-language", ""), lang)
        return HTMLResponse(render_dashboard(tag), headers={"Content-Language": tag})

    @app.get(
        "/api/{layer}",
        summary="Records of a layer as GeoJSON",
        operation_id="list_records",
        responses=RECORD_LINKS,  # type: ignore[arg-type]
    )
    def list_records(
        request: Request,
        layer: str = LAYER,
        bbox: str | None = None,
        datetime: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ):
        require(caller(request), "viewer")
        features, matched = handlers.search(
            store, layer, bbox=bbox, datetime=datetime, status=status, limit=limit, offset=offset
        )
        return geojson(
            {
                "type": "FeatureCollection",
                "features": features,
                "numberMatched": matched,
                "numberReturned": len(features),
            }
        )

    @app.get(
        "/api/{layer}/{record_id}",
        summary="One record as a GeoJSON Feature",
        operation_id="get_record",
    )
    def get_record(record_id: str, request: Request, layer: str = LAYER):
        require(caller(request), "viewer")
        return geojson(handlers.get_one(store, layer, record_id))

    @app.post(
        "/api/{layer}", status_code=201, summary="Add records (an editor's wait for review: 202)"
    )
    def create_records(request: Request, body: Any = Body(...), layer: str = LAYER):  # noqa: B008
        out = handlers.create(store, caller(request), layer, body, _tag(request))
        return JSONResponse(out, status_code=202 if out["pending"] else 201)

    @app.put(
        "/api/{layer}/{record_id}",
        summary="Change a record (editor's: 202, for review)",
        operation_id="update_record",
    )
    def update_record(
        record_id: str,
        request: Request,
        body: Any = Body(...),  # noqa: B008
        layer: str = LAYER,
    ):
        out = handlers.update(store, caller(request), layer, record_id, body)
        return JSONResponse(out, status_code=202) if "pending" in out else geojson(out)

    @app.delete(
        "/api/{layer}/{record_id}",
        status_code=204,
        summary="Delete a record (editor's: 202, for review)",
        operation_id="delete_record",
    )
    def delete_record(
        record_id: str, request: Request, version: int | None = None, layer: str = LAYER
    ):
        done = handlers.delete(store, caller(request), layer, record_id, version)
        return Response(status_code=204 if done else 202)

    @app.get(
        "/api/{layer}/{record_id}/attachments",
        summary="The files kept with a record (photos, sketch maps, certificates)",
    )
    def list_attachments(record_id: str, request: Request, layer: str = LAYER):
        return handlers.attachments(store, caller(request), layer, record_id)

    @app.post(
        "/api/{layer}/{record_id}/attachments",
        status_code=201,
        summary="Keep the body as a file with a record: ?name=…&kind=…&caption=… "
        "(an editor's waits for review: 202)",
    )
    async def add_attachment(record_id: str, request: Request, layer: str = LAYER):
        who = caller(request)
        data = await request.body()
        out = handlers.attach(store, who, layer, record_id, data, request.query_params)
        return JSONResponse(out, status_code=202 if out["pending"] else 201)

    @app.get(
        "/api/{layer}/{record_id}/attachments/{att_id}",
        summary="A kept file, byte for byte",
    )
    def get_attachment(record_id: str, att_id: str, request: Request, layer: str = LAYER):
        meta, data = handlers.attachment(store, caller(request), layer, record_id, att_id)
        name = quote(meta["name"])
        return Response(
            data,
            media_type=meta["media_type"],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    @app.get("/reviews", summary="Records awaiting an admin's approval (admin)")
    def list_reviews(request: Request, state: str | None = "pending"):
        return handlers.reviews(store, caller(request), state, _tag(request))

    @app.post("/reviews/{layer}/{record_id}", summary="Approve or reject a record (admin)")
    def decide(layer: str, record_id: str, request: Request, body: Any = Body(...)):  # noqa: B008
        return handlers.decide(store, caller(request), layer, record_id, body)

    @app.get("/summary", summary="Land release figures and the areas with most items expected")
    def summary(request: Request):
        require(caller(request), "viewer")
        from remnant.landrelease import release_statistics
        from remnant.report.content import by_unit
        from remnant.units import area_unit

        released = release_statistics(store)
        risk = store.read_derived("hazard_area_risk")
        top = risk.sort_values("expected", ascending=False).head(20) if len(risk) else risk

        def unit(areas) -> dict:  # areas stay in m²; the unit people read them in
            name, size = area_unit(float(max(areas, default=0.0)))
            return {"name": name, "m2": size}

        return {
            "land_release": released.to_dict("records"),
            "land_release_unit": unit(released.get("released_m2", [])),
            "priorities": top[["hazard_area", "area_m2", "expected", "p_any"]].to_dict("records")
            if len(top)
            else [],
            "priorities_unit": unit(top.get("area_m2", [])),
            "hazard": tiles.legend() if tiles else None,
            # per province (admin level 1), once the programme's boundaries are in
            "by_unit": by_unit(store, 1).to_dict("records"),
        }

    @app.get("/tiles/token", summary="A short-lived token for fetching map tiles as images")
    def tile_token(request: Request):
        who = caller(request)
        require(who, "viewer")
        return {"token": signer.issue(who), "expires_in": LIFETIME}

    @app.get("/tiles/{z}/{x}/{y}.png", summary="Hazard map tile (Web Mercator)")
    def tile(z: int, x: int, y: int, request: Request):
        require(caller(request, image=True), "viewer")
        if tiles is None:
            raise WebError(404, N_("no hazard map is served (remnant serve --hazard FILE)"))
        try:
            return Response(tiles.tile(z, x, y), media_type="image/png")
        except NotFoundError as exc:
            raise WebError.of(exc) from None

    @app.get("/ogc", summary="OGC API – Features landing page")
    def landing(request: Request):
        return ogc.landing(base(request))

    @app.get("/ogc/conformance", summary="OGC API – Features conformance classes")
    def conformance():
        return ogc.conformance()

    @app.get("/ogc/collections", summary="OGC API – Features collections")
    def collections(request: Request):
        require(caller(request), "viewer")
        return ogc.collections(store, base(request))

    @app.get("/ogc/collections/{cid}", summary="One collection")
    def collection(cid: str, request: Request):
        require(caller(request), "viewer")
        return ogc.collection(store, base(request), cid)

    @app.get("/ogc/collections/{cid}/items", summary="Features of a collection")
    def items(
        cid: str,
        request: Request,
        bbox: str | None = None,
        datetime: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ):
        require(caller(request), "viewer")
        page = ogc.items(
            store, base(request), cid, bbox=bbox, datetime=datetime, limit=limit, offset=offset
        )
        return geojson(page)

    @app.get("/ogc/collections/{cid}/items/{fid}", summary="One feature")
    def item(cid: str, fid: str, request: Request):
        require(caller(request), "viewer")
        return geojson(ogc.item(store, base(request), cid, fid))

    return app


class BodyLimit:
    """ASGI middleware refusing request bodies over ``MAX_BODY`` bytes with a 413.

    An attachment's body may be as large as ``attachments.toml`` allows a file to be. A
    declared Content-Length over the limit is refused before anything is read; a chunked
    body is counted as it arrives and refused as soon as it passes the limit, so no more than
    ``MAX_BODY`` bytes of it are ever held.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        attaching = scope.get("path", "").endswith("/attachments")
        limit = _attachment_limit() if attaching else MAX_BODY
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await self._refuse(scope, receive, send, limit)
        held, size = [], 0
        while True:
            message = await receive()
            held.append(message)
            size += len(message.get("body", b""))
            if size > limit:
                return await self._refuse(scope, receive, send, limit)
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope, receive, send, limit: int):
        response = JSONResponse({"detail": f"body over {limit:,} bytes"}, status_code=413)
        response.headers.update(SECURITY_HEADERS)
        await response(scope, receive, send)


def _tag(request) -> str:
    """The language the request asks for (``Accept-Language``) that remnant speaks."""
    return negotiated(request.headers.get("accept-language", ""))


def _attachment_limit() -> int:
    """The largest attachment ``attachments.toml`` allows: the limit of an attachment's body."""
    from remnant.attachments import rules

    return rules().max_bytes
