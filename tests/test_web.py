"""The web front door: handlers without a server, then a real server read by GDAL."""

import io
import socket
import subprocess
import threading
import time

import geopandas as gpd
import httpx
import pytest
import shapely

from remnant.errors import InputError
from remnant.web import handlers
from remnant.web.handlers import WebError

HOSTILE = "<img src=x onerror=alert(1)> ' OR 1=1; -- ذخائر"


def box_feature(i=0, **props):
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.box(35 + i, 33, 35.01 + i, 33.01)),
        "properties": {"kind": "SHA", "status": "open", **props},
    }


@pytest.fixture
def keyed(any_store):
    """A store of each backend with a viewer, an editor, an admin and a revoked editor."""
    keys = {r: any_store.add_user(r, r, by="admin") for r in ("viewer", "editor", "admin")}
    keys["revoked"] = any_store.add_user("gone", "editor")
    any_store.revoke_user("gone")
    return any_store, keys


def test_warnings_and_a_bad_geometry_are_said_in_the_callers_language(keyed):
    store, keys = keyed
    admin = store.authenticate(keys["admin"])
    body = box_feature(id="H1", status="Open")  # a label, stored as its value
    out = handlers.create(store, admin, "hazard_areas", body, lang="fr")
    assert out["warnings"] == [
        "request, ligne 1, champ 'status' : enregistré comme 'open' (valeur 'Open')"
    ]
    bad = {**box_feature(id="H2"), "geometry": {"type": "Polygon", "coordinates": "x"}}
    with pytest.raises(WebError) as info:
        handlers.create(
            store, admin, "hazard_areas", {"type": "FeatureCollection", "features": [bad]}
        )
    assert info.value.status == 422
    assert info.value.said("uk") == (
        "request, рядок 1, поле 'geometry': не є геометрією GeoJSON",
        "uk",
    )


def test_roles_and_keys(keyed):
    store, keys = keyed
    assert store.authenticate(keys["viewer"]) == ("viewer", "viewer")
    assert store.authenticate(keys["revoked"]) is None
    assert store.authenticate(keys["editor"][:-1] + "x") is None
    assert store.authenticate("nonsense") is None
    body = box_feature(id="H1")
    with pytest.raises(WebError) as info:
        handlers.create(store, None, "hazard_areas", body)
    assert info.value.status == 401
    with pytest.raises(WebError) as info:
        handlers.create(store, store.authenticate(keys["viewer"]), "hazard_areas", body)
    assert (info.value.status, info.value.message) == (
        403,
        "viewer is a viewer; this needs an editor key",
    )
    assert store.counts()["hazard_areas"] == 0
    out = handlers.create(store, store.authenticate(keys["editor"]), "hazard_areas", body)
    assert (out["inserted"], out["pending"]) == ([], ["H1"])
    assert store.counts()["hazard_areas"] == 0  # quarantined until an admin approves
    assert store.history("H1")[["user", "action"]].values.tolist() == [["editor", "propose insert"]]
    assert "key_hash" not in store.users().columns
    assert store.history("viewer")["after"].str.contains("key").sum() == 1  # key_id only
    assert keys["viewer"].split(".")[1] not in store.history("viewer")["after"].iloc[0]


def test_records_api_validates_versions_and_keeps_hostile_strings(keyed):
    store, keys = keyed
    editor = store.authenticate(keys["admin"])  # an admin's writes apply at once
    bad = box_feature(id="H2", status="done")
    with pytest.raises(WebError) as info:
        handlers.create(
            store, editor, "hazard_areas", {"type": "FeatureCollection", "features": [bad]}
        )
    assert info.value.status == 422
    assert "request, row 1, field 'status'" in info.value.message
    handlers.create(store, editor, "hazard_areas", box_feature(id="H3", notes=HOSTILE))
    got = handlers.get_one(store, "hazard_areas", "H3")
    assert got["properties"]["notes"] == HOSTILE
    version = got["properties"]["version"]
    with pytest.raises(WebError) as info:
        handlers.update(
            store, editor, "hazard_areas", "H3", {"properties": {"status": "worked_on"}}
        )
    assert info.value.status == 428
    change = {"properties": {"status": "worked_on", "version": version}}
    changed = handlers.update(store, editor, "hazard_areas", "H3", change)
    assert changed["properties"]["version"] == version + 1
    with pytest.raises(WebError) as info:  # someone else's edit came first
        handlers.update(
            store,
            editor,
            "hazard_areas",
            "H3",
            {"properties": {"status": "open", "version": version}},
        )
    assert info.value.status == 409
    _, matched = handlers.search(store, "hazard_areas", bbox="34.9,32.9,35.5,33.5")
    assert matched == 1
    with pytest.raises(WebError) as info:
        handlers.search(store, "hazard_areas", bbox="1,2,3")
    assert info.value.status == 400
    with pytest.raises(WebError) as info:
        handlers.delete(store, editor, "hazard_areas", "H3", None)
    assert info.value.status == 428
    handlers.delete(store, editor, "hazard_areas", "H3", version + 1)
    assert store.counts()["hazard_areas"] == 0


def test_editors_records_await_an_admins_decision(keyed):
    store, keys = keyed
    editor, admin = (store.authenticate(keys[r]) for r in ("editor", "admin"))
    handlers.create(store, editor, "hazard_areas", box_feature(0, id="H1"))
    handlers.create(store, editor, "hazard_areas", box_feature(1, id="H2"))
    pending = handlers.reviews(store, admin)
    assert [(r["record_id"], r["action"], r["submitted_by"]) for r in pending] == [
        ("H1", "insert", "editor"),
        ("H2", "insert", "editor"),
    ]
    assert pending[0]["proposal"]["kind"] == "SHA"
    assert store.counts()["hazard_areas"] == 0  # invisible to maps, rates, plans, reports
    with pytest.raises(WebError) as info:
        handlers.reviews(store, editor)
    assert info.value.status == 403
    with pytest.raises(WebError) as info:
        handlers.reviews(store, admin, "maybe")
    assert info.value.status == 400
    again = handlers.create(store, editor, "hazard_areas", box_feature(0, id="H1"))
    assert again["pending"] == ["H1"]  # the same insert again: still waiting, once
    assert len(handlers.reviews(store, admin)) == 2
    with pytest.raises(WebError) as info:  # one pending change per record
        handlers.create(store, editor, "hazard_areas", box_feature(0, id="H1", name="other"))
    assert info.value.status == 409
    handlers.decide(store, admin, "hazard_areas", "H1", {"decision": "approve"})
    handlers.decide(store, admin, "hazard_areas", "H2", {"decision": "reject", "note": "duplicate"})
    assert store.ids("hazard_areas") == {"H1"}
    assert store.history("H1")[["user", "action"]].values.tolist() == [
        ["editor", "propose insert"],
        ["editor", "insert"],
        ["admin", "approve"],
    ]
    assert store.history("H2")["action"].tolist() == ["propose insert", "reject"]
    assert handlers.reviews(store, admin) == []
    decided = handlers.reviews(store, admin, None)
    assert [r["state"] for r in decided] == ["approved", "rejected"]
    with pytest.raises(WebError) as info:
        handlers.decide(store, admin, "hazard_areas", "H1", {"decision": "approve"})
    assert info.value.status == 404
    handlers.create(store, admin, "hazard_areas", box_feature(2, id="H3"))
    assert handlers.reviews(store, admin) == []  # an admin's records need no review
    assert store.ids("hazard_areas") == {"H1", "H3"}

    # An editor's update and delete of a record wait too, and are judged again on approval.
    out = handlers.update(
        store, editor, "hazard_areas", "H3", {"properties": {"status": "worked_on", "version": 1}}
    )
    assert out == {"pending": ["H3"]}
    assert store.get("hazard_areas", "H3")["status"] == "open"
    assert handlers.delete(store, editor, "hazard_areas", "H1", 1) is False
    assert store.ids("hazard_areas") == {"H1", "H3"}
    handlers.decide(store, admin, "hazard_areas", "H3", {"decision": "approve"})
    assert store.get("hazard_areas", "H3")["status"] == "worked_on"
    handlers.update(store, admin, "hazard_areas", "H1", {"properties": {"name": "x", "version": 1}})
    with pytest.raises(WebError) as info:  # changed since the editor read it
        handlers.decide(store, admin, "hazard_areas", "H1", {"decision": "approve"})
    assert info.value.status == 409
    handlers.decide(store, admin, "hazard_areas", "H1", {"decision": "reject"})  # no dead end
    assert store.ids("hazard_areas") == {"H1", "H3"}


def test_a_rejected_land_release_activity_never_moved_its_area(keyed):
    store, keys = keyed
    editor, admin = (store.authenticate(keys[r]) for r in ("editor", "admin"))
    handlers.create(store, admin, "hazard_areas", box_feature(0, id="H1"))
    nts = box_feature(
        0,
        id="A1",
        type="NTS",
        organisation="T",
        start="2024-01-01",
        hazard_area="H1",
        outcome="cancelled",
    )
    del nts["properties"]["kind"], nts["properties"]["status"]
    handlers.create(store, editor, "activities", nts)
    assert store.get("hazard_areas", "H1")["status"] == "open"  # not closed by a proposal
    assert store.counts()["activities"] == 0
    handlers.decide(store, admin, "activities", "A1", {"decision": "reject"})
    assert store.get("hazard_areas", "H1")["status"] == "open"
    handlers.create(
        store,
        editor,
        "activities",
        {**nts, "id": "A2"} | {"properties": {**nts["properties"], "id": "A2"}},
    )
    handlers.decide(store, admin, "activities", "A2", {"decision": "approve"})
    assert store.get("hazard_areas", "H1")["status"] == "closed"
    assert store.history("A2")["user"].tolist() == ["editor", "editor", "admin"]


# -- a real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn serving the synthetic demo (with its hazard map) on a free loopback port."""
    import uvicorn

    from remnant.demo import build_demo
    from remnant.mapping import write_hazard
    from remnant.web.app import create_app

    folder = tmp_path_factory.mktemp("web")
    store = build_demo(folder, seed=3, maps=False)["store"]
    write_hazard(store, 100.0, folder / "hazard.tif", samples=0)
    keys = {r: store.add_user(r, r) for r in ("viewer", "editor", "admin")}
    port = free_port()
    config = uvicorn.Config(
        create_app(store, hazard=folder / "hazard.tif"),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(300):
        if running.started:
            break
        time.sleep(0.1)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", store, keys, folder
    running.should_exit = True
    thread.join(10)


def test_gdal_reads_every_collection_over_ogc_api(server, ogrinfo):
    url, store, keys, _ = server
    header = ["--config", "GDAL_HTTP_HEADERS", f"X-API-Key: {keys['viewer']}"]
    polygons = "Multi Polygon"
    kinds = {
        "strikes": "Point",
        "hazard_areas": polygons,
        "activities": polygons,
        "items": "Point",
        "accidents": "Point",
        "evidence": "Point",
        "risk_education": "Point",
        "hazard_area_risk": polygons,
    }
    for layer, kind in kinds.items():
        out = subprocess.run(
            [ogrinfo, "-ro", "-so", *header, f"OAPIF:{url}/ogc", layer],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        count = store.counts()["hazard_areas" if layer == "hazard_area_risk" else layer]
        assert f"Feature Count: {count}" in out, (layer, out)
        assert f"Geometry: {kind}" in out, (layer, out)
    refused = subprocess.run(
        [ogrinfo, "-ro", "-so", f"OAPIF:{url}/ogc", "strikes"], capture_output=True, text=True
    )
    assert refused.returncode != 0


def test_server_refusals_limits_and_tiles(server):
    url, store, keys, _ = server
    assert httpx.get(f"{url}/api/strikes").status_code == 401
    assert httpx.get(f"{url}/api/strikes", headers={"X-API-Key": "a.b"}).status_code == 401
    viewer, editor = ({"X-API-Key": keys[r]} for r in ("viewer", "editor"))
    assert httpx.get(f"{url}/api/strikes?limit=5", headers=viewer).json()["numberReturned"] == 5
    body = {"type": "Feature", "properties": {}, "geometry": None}
    for method, path in [
        ("POST", "/api/victims"),
        ("PUT", "/api/strikes/STR-0001"),
        ("DELETE", "/api/strikes/STR-0001?version=1"),
        ("POST", "/reviews/strikes/STR-0001"),
        ("GET", "/reviews"),
    ]:
        response = httpx.request(method, f"{url}{path}", json=body, headers=viewer)
        assert response.status_code == 403, (method, path, response.text)
        assert "needs an" in response.json()["detail"]
    huge = b'{"type": "Feature", "properties": {"notes": "' + b"x" * (3 * 2**20) + b'"}}'
    response = httpx.post(f"{url}/api/strikes", content=huge, headers=editor)
    assert response.status_code == 413
    bad = {"type": "Feature", "properties": {"id": "S-x", "carriers": "two"}, "geometry": None}
    for language, said in (
        ("uk-UA,uk;q=0.9", "рядок 1, поле 'carriers': не є числом"),
        ("", "row 1, field 'carriers': is not a number"),
    ):
        response = httpx.post(
            f"{url}/api/strikes", json=bad, headers={**editor, "Accept-Language": language}
        )
        assert response.status_code == 422
        assert said in response.json()["detail"]
        assert response.headers["content-language"] == ("uk-UA" if language else "en")
    response = httpx.get(f"{url}/api/strikes", headers={"Accept-Language": "es"})
    assert response.headers["content-language"] == "es"
    assert response.json()["detail"] == (
        "se necesita una clave de API (cabecera X-API-Key); pida una a un administrador"
    )
    response = httpx.get(f"{url}/api/nonsense", headers={**viewer, "Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("aucune couche 'nonsense' ; couches : strikes")

    def chunked():  # no Content-Length: the server must count what arrives
        yield b'{"type": "Feature", "properties": {"notes": "'
        for _ in range(48):
            yield b"x" * 2**16
        yield b'"}}'

    response = httpx.post(f"{url}/api/strikes", content=chunked(), headers=editor)
    assert response.status_code == 413
    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "remnant"
    assert httpx.get(f"{url}/ogc/conformance").json()["conformsTo"]
    legend = httpx.get(f"{url}/summary", headers=viewer).json()["hazard"]
    assert legend["max"] > legend["min"] > 0
    strikes = store.read("strikes")
    lon, lat = strikes.geometry.x.mean(), strikes.geometry.y.mean()
    import math

    z = 10
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    tile = httpx.get(f"{url}/tiles/{z}/{x}/{y}.png", headers=viewer, timeout=60)
    assert tile.status_code == 200, tile.text
    assert tile.content[:4] == b"\x89PNG"
    token = httpx.get(f"{url}/tiles/token", headers=viewer).json()["token"]
    assert keys["viewer"] not in token
    by_token = httpx.get(f"{url}/tiles/{z}/{x}/{y}.png", params={"token": token}, timeout=60)
    assert by_token.content == tile.content
    assert httpx.get(f"{url}/tiles/{z}/{x}/{y}.png").status_code == 401
    altered = token[:-1] + ("1" if token.endswith("0") else "0")  # one signature digit
    for forged in (token.replace("viewer", "admin"), altered, "1.viewer.x.y"):
        answer = httpx.get(f"{url}/tiles/{z}/{x}/{y}.png", params={"token": forged})
        assert answer.status_code == 401, forged
    assert httpx.get(f"{url}/tiles/{z}/{x}/{y}.png?key={keys['viewer']}").status_code == 401
    # the token opens tiles only, not the records
    assert httpx.get(f"{url}/api/strikes", params={"token": token}).status_code == 401


def test_a_chunked_body_is_refused_while_it_streams():
    """The limit holds no more than MAX_BODY bytes of a body that never declares its size."""
    import asyncio

    from remnant.web.app import MAX_BODY, BodyLimit

    chunk, pulled, sent = 2**16, [], []

    async def endless():
        pulled.append(chunk)
        return {"type": "http.request", "body": b"x" * chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):
        raise AssertionError("an oversized body must not reach the application")

    scope = {"type": "http", "method": "POST", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(BodyLimit(app)(scope, endless, send))
    assert sent[0]["status"] == 413
    assert sum(pulled) <= MAX_BODY + chunk


def test_key_only_in_the_header_links_encoded_and_pages_hardened(server):
    url, _, keys, _ = server
    viewer = {"X-API-Key": keys["viewer"]}
    assert httpx.get(f"{url}/api/strikes?key={keys['viewer']}").status_code == 401
    page = httpx.get(f"{url}/", headers={"Host": "evil.example"})
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert httpx.get(f"{url}/docs").status_code == 404  # its scripts would come from the web
    items = httpx.get(
        f"{url}/ogc/collections/strikes/items",
        params={"datetime": "2000-01-01/..", "limit": 2},
        headers={**viewer, "Host": "evil.example"},
    ).json()
    hrefs = [link["href"] for link in items["links"]]
    assert all(h.startswith(url) for h in hrefs)  # not the Host header's
    assert all("datetime=2000-01-01%2F.." in h for h in hrefs)
    sneaky = httpx.get(
        f"{url}/ogc/collections/strikes/items",
        params={"datetime": "2000-01-01&key=x"},
        headers=viewer,
    )
    assert sneaky.status_code == 400


# -- the dashboard in a real browser ---------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (installed by the test setup)."""
    from playwright.sync_api import sync_playwright

    from conftest import debian_tool

    executable = debian_tool("chromium", "chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_dashboard(browser, url, key):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.fill("#key", key)
    page.click("#key-form button")
    page.wait_for_selector("body[data-loaded=yes]", timeout=60_000)
    return page


def test_dashboard_map_layers_toggle_and_record_an_activity(server, browser, request):
    url, store, keys, _ = server
    page = open_dashboard(browser, url, keys["editor"])
    paths = page.locator(".leaflet-overlay-pane path")
    areas = store.counts()["hazard_areas"]
    assert paths.count() >= areas
    assert page.locator(".leaflet-tile-pane img").count() > 0  # the hazard tiles
    assert page.locator("#priorities tbody tr").count() > 0
    assert page.locator("#released tbody tr").count() > 0
    # By province: the same figures as the report's table, one row per unit.
    from remnant.report.content import by_unit

    provinces = by_unit(store, 1)
    rows = page.locator("#units tbody tr")
    assert rows.count() == len(provinces) > 0
    first_row = [rows.first.locator("td").nth(i).inner_text() for i in (0, 2, 5)]
    top = provinces.iloc[0]
    assert first_row == [top["unit"], f"{top['open_areas']:,}", f"{top['items_destroyed']:,}"]
    # Areas in hectares, or km² where large, as the API's summary chose for each table.
    summary = httpx.get(f"{url}/summary", headers={"X-API-Key": keys["editor"]}).json()
    unit = {"ha": "ha", "km2": "km²"}[summary["land_release_unit"]["name"]]
    assert page.locator("#released thead th").nth(1).inner_text() == f"cancelled ({unit})"
    first = summary["land_release"][0]
    shown_area = page.locator("#released tbody tr").first.locator("td").nth(4).inner_text()
    expected = first["released_m2"] / summary["land_release_unit"]["m2"]
    assert float(shown_area.replace(",", "")) == pytest.approx(expected, abs=0.06)
    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "dashboard.png"))
    shown = paths.count()
    page.get_by_label("hazard areas").uncheck()  # the layer toggle
    assert paths.count() == shown - areas
    page.get_by_label("hazard areas").check()
    assert paths.count() == shown
    # An editor records a spot task on a hazard area, from the form.
    area = store.read("hazard_areas").iloc[0]
    spot = shapely.geometry.mapping(area.geometry.representative_point().buffer(0.0005, 1))
    page.select_option("select[name=type]", "EOD_spot")
    page.fill("input[name=hazard_area]", area["id"])
    page.select_option("select[name=outcome]", "none")
    page.fill("input[name=organisation]", HOSTILE)
    page.fill("input[name=start]", "2025-05-05")
    page.fill("textarea[name=geometry]", __import__("json").dumps(spot))
    before = store.ids("activities")
    page.click("#activity-form button")
    page.wait_for_selector("#message:has-text('Submitted')")
    assert store.ids("activities") == before  # waits for an admin
    assert page.locator("#reviews-panel").is_hidden()  # an editor decides nothing
    pending = store.reviews("pending")
    assert pending["layer"].tolist() == ["activities"]
    record_id = pending["record_id"].iloc[0]
    page.close()
    # A find proposed far outside the area it names waits too (lon and lat swapped).
    x, y = area.geometry.representative_point().coords[0]
    finds = gpd.GeoDataFrame(
        {"id": ["E-FAR", "E-IN"], "type": "submunition", "hazard_area": area["id"]},
        geometry=[shapely.Point(y, x), shapely.Point(x, y)],
        crs=4326,
    )
    assert store.propose_inserts([("evidence", finds)], user="editor").warnings
    # The admin sees both waiting in the dashboard, the find with the gate's warning
    # under it; rejects the find and approves the spot task there.
    page = open_dashboard(browser, url, keys["admin"])
    said = page.locator("#reviews tr.warning-row[data-record='E-FAR'] td.warning").all_inner_texts()
    (far,) = [w for w in said if w.startswith("warning: evidence/E-FAR, field 'hazard_area': ")]
    assert f"km outside the area of the hazard_areas record it names (value '{area['id']}')" in far
    assert not page.locator(f"#reviews tr.warning-row[data-record='{record_id}']").count()
    page.locator("#reviews-panel").screenshot(path=str(artifacts / "dashboard-review-warnings.png"))
    row = page.locator("#reviews tbody tr", has_text=record_id)
    assert row.locator("td").nth(2).inner_text() == "insert"
    row.get_by_role("button", name="approve").click()
    page.wait_for_selector(f"#reviews tbody tr:has-text('{record_id}')", state="detached")
    # The find inside its area at once, with every other the gate says nothing of.
    page.get_by_role("button", name="Approve all without warnings").click()
    page.wait_for_selector("#message:has-text('Approved 1.')")
    page.wait_for_selector("#reviews tbody tr:has-text('E-IN')", state="detached")
    assert store.ids("evidence") >= {"E-IN"}
    page.locator("#reviews tbody tr", has_text="E-FAR").get_by_role("button", name="reject").click()
    page.wait_for_selector("#reviews tbody tr:has-text('E-FAR')", state="detached")
    assert page.locator("#reviews tbody").inner_text() == "nothing waiting"
    assert page.get_by_role("button", name="Approve all without warnings").is_disabled()
    assert store.reviews("pending").empty
    record = store.get("activities", record_id)
    assert record["organisation"] == HOSTILE  # verbatim
    assert store.history(record["id"])["user"].tolist() == ["editor", "editor", "admin"]
    page.close()


def test_dashboard_shows_a_desk_candidate_with_its_quote_and_a_pin(
    server, browser, tmp_path, request
):
    import datetime as dt

    import geopandas as gpd

    from remnant.desk import assess, propose

    url, store, keys, _ = server
    near = store.read("hazard_areas").geometry.iloc[0].representative_point()
    town = gpd.GeoDataFrame(
        {"name": ["Testville"], "names": [""], "kind": ["village"], "population": [500]}
        | {"source": ["SYNTHETIC"]},
        geometry=[near],
        crs=4326,
    )
    report = tmp_path / "report.txt"
    report.write_text(f"SYNTHETIC\n\nOn 2 May cluster rockets hit Testville. {HOSTILE}", "utf-8")
    found = assess([report], town, published=dt.date(2025, 5, 3))
    waiting, _, _ = propose(store, found, user="researcher")
    (record_id,) = waiting["strikes"]
    page = open_dashboard(browser, url, keys["admin"])
    row = page.locator("#reviews tbody tr", has_text=record_id)
    quote = page.locator(f"#reviews tr.quote-row[data-record='{record_id}'] td.quote").inner_text()
    assert quote.startswith('"On 2 May cluster rockets hit Testville.')
    assert HOSTILE in quote  # shown as text, never as HTML
    pin = page.locator(f".leaflet-marker-icon[title='{record_id}']")
    assert pin.count() == 1
    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.locator("#reviews-panel").screenshot(path=str(artifacts / "dashboard-desk-review.png"))
    row.get_by_role("button", name="reject").click()
    page.wait_for_selector(f"#reviews tbody tr:has-text('{record_id}')", state="detached")
    assert page.locator(f".leaflet-marker-icon[title='{record_id}']").count() == 0
    page.close()


def test_hostile_strings_are_shown_as_text_in_the_dashboard(server, browser):
    url, _, keys, _ = server
    editor, admin = ({"X-API-Key": keys[r]} for r in ("editor", "admin"))
    body = box_feature(20, id="H-HOSTILE", name=HOSTILE, notes=HOSTILE)
    assert httpx.post(f"{url}/api/hazard_areas", json=body, headers=editor).status_code == 202
    decision = {"decision": "approve"}
    response = httpx.post(f"{url}/reviews/hazard_areas/H-HOSTILE", json=decision, headers=admin)
    assert response.status_code == 200, response.text
    page = open_dashboard(browser, url, keys["viewer"])
    page.evaluate("""() => {
        window.alerted = false;
        window.alert = () => { window.alerted = true; };
        state.layers.hazard_areas.getLayers()
            .find((l) => l.feature.id === "H-HOSTILE").openPopup();
    }""")
    popup = page.locator(".leaflet-popup-content")
    assert HOSTILE in popup.inner_text()
    assert "Status: Open" in popup.inner_text()  # fields and values by their labels
    assert popup.locator("img").count() == 0  # the <img> came out as text, not an element
    assert page.evaluate("window.alerted") is False
    page.goto(f"{url}/?lang=fr")
    page.wait_for_selector("body[data-loaded=yes]", timeout=60_000)
    page.evaluate("""() => state.layers.hazard_areas.getLayers()
        .find((l) => l.feature.id === "H-HOSTILE").openPopup()""")
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "Statut: Ouverte" in text
    assert HOSTILE in text
    page.close()


def test_cors_is_off(server):
    url, _, keys, _ = server
    origin = "https://elsewhere.example"
    response = httpx.get(
        f"{url}/api/strikes?limit=1", headers={"X-API-Key": keys["viewer"], "Origin": origin}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = httpx.options(
        f"{url}/api/strikes", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_dashboard_refuses_a_viewer_and_a_wrong_key(server, browser):
    url, store, keys, _ = server
    page = open_dashboard(browser, url, keys["viewer"])
    before = store.counts()["activities"]
    page.fill("input[name=hazard_area]", "HAZ-001")
    page.fill("input[name=organisation]", "Org")
    page.fill("input[name=start]", "2025-05-05")
    page.fill("textarea[name=geometry]", '{"type": "Point", "coordinates": [0, 0]}')
    page.click("#activity-form button")
    page.wait_for_selector("#message:has-text('Refused')")
    assert "403: viewer is a viewer; this needs an editor key" in page.inner_text("#message")
    assert store.counts()["activities"] == before
    page.fill("#key", "wrong.key")
    page.click("#key-form button")
    page.wait_for_selector("#message:has-text('401')")
    page.close()


# -- the dashboard in the reader's language ---------------------------------------------------


def _in(lang: str, message: str) -> str:
    from remnant.translate import _, language

    with language(lang):
        return _(message)


@pytest.mark.parametrize("lang", ["ar", "lo"])
def test_dashboard_follows_the_browser_language(server, browser, request, lang):
    """Arabic right to left, Lao in its script; the switch changes the language."""
    url, _, keys, _ = server
    context = browser.new_context(locale=lang, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.fill("#key", keys["admin"])
    page.click("#key-form button")
    page.wait_for_selector("body[data-loaded=yes]", timeout=60_000)
    assert page.evaluate("document.documentElement.lang") == lang
    rtl = lang == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")
    assert page.inner_text("#message") == _in(lang, "Layers loaded.")
    assert page.locator("aside h2").first.inner_text() == _in(lang, "Highest expected items")
    aside, map_panel = (
        page.locator("aside").bounding_box(),
        page.locator("#map-panel").bounding_box(),
    )
    assert (aside["x"] < map_panel["x"]) is rtl  # mirrored: the tables on the left in Arabic
    draft = _in(lang, "Translation: machine draft, not yet reviewed by a native speaker.")
    assert page.inner_text("header .draft") == draft
    artifacts = request.config.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"dashboard-{lang}.png"))
    page.select_option("#lang", "uk")
    page.wait_for_url("**lang=uk")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.locator("aside h2").first.inner_text() == _in("uk", "Highest expected items")
    context.close()


def test_every_string_of_the_dashboard_is_marked(server, browser, tmp_path, monkeypatch):
    """In a pseudo-language wrapping every message in ⟦ ⟧, nothing else is left but data."""
    from helpers import unmarked, words, write_pseudo_catalogue
    from remnant.translate import spoken

    url, store, keys, _ = server
    monkeypatch.setenv("REMNANT_LOCALE_DIR", str(write_pseudo_catalogue(tmp_path)))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/?lang=de")
    page.fill("#key", keys["admin"])
    page.click("#key-form button")
    page.wait_for_selector("body[data-loaded=yes]", timeout=60_000)
    text = page.evaluate("document.body.innerText")
    text += " " + " ".join(page.locator("option").all_inner_texts())
    page.close()
    assert "⟦Layers loaded.⟧" in text  # the pseudo-language was spoken, by the script too
    own_names = words(" ".join(spoken().values()))  # the switch names each language in itself
    shown = [w for w in unmarked(text, store) if w not in own_names and w != "Leaflet"]
    assert shown == [], "words shown but never marked for translation"


# -- the API description, fuzzed -------------------------------------------------------------


def test_no_request_the_description_allows_breaks_the_server(server):
    """schemathesis: every operation of /openapi.json, with generated parameters and
    bodies, as an editor; no answer may be a server error (bad input gets a 4xx)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    url, _, keys, _ = server
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(
                base_url=url, headers={"X-API-Key": keys["editor"]}, checks=[not_a_server_error]
            )

        fuzz()


def test_no_sequence_of_linked_requests_breaks_the_server(server):
    """schemathesis's stateful mode: it follows the description's links from a listed record
    to reading, changing and deleting it (as an editor: changes wait for review), and no
    answer may be a server error; the links must be followed, not only declared."""
    import schemathesis
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error

    url, _, keys, _ = server
    # the records' operations; the review routes are fuzzed above
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").include(path_regex="^/api/")
    followed = []

    class Linked(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"base_url": url, "headers": {"X-API-Key": keys["editor"]}}

        def after_call(self, response, case):
            if (
                case.operation.label.endswith("/api/{layer}/{record_id}")
                and response.status_code < 300
            ):
                followed.append(case.operation.label)

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=[not_a_server_error])

    Linked.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert any(label.startswith("GET") for label in followed), followed


def test_attachments_over_http_byte_for_byte_with_the_libraries_verdicts(server):
    from PIL import Image

    from remnant.attachments import rules
    from remnant.store import attachments

    url, store, keys, _ = server
    sketch = attachments.listing(store, "hazard_areas").iloc[0]  # the demo's sketch map
    where = f"{url}/api/hazard_areas/{sketch.record_id}/attachments"
    listed = httpx.get(where, headers={"X-API-Key": keys["viewer"]}).json()
    assert [a["id"] for a in listed] == [sketch.id]
    got = httpx.get(f"{where}/{sketch.id}", headers={"X-API-Key": keys["viewer"]})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "image/png"
    assert got.content == attachments.read(store, sketch.id)[1]
    assert httpx.get(f"{where}/{sketch.id}").status_code == 401
    assert (
        httpx.get(
            f"{url}/api/items/X/attachments/{sketch.id}", headers={"X-API-Key": keys["viewer"]}
        ).status_code
        == 404
    )
    photo = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 10)).save(photo, "JPEG")
    as_editor = {"X-API-Key": keys["editor"]}
    sent = httpx.post(
        f"{where}?name=site.jpg&kind=photo", content=photo.getvalue(), headers=as_editor
    )
    assert sent.status_code == 202, sent.text  # an editor's waits for review
    assert store.reviews("pending")["record_id"].tolist()[-1] == sent.json()["id"]
    as_admin = {"X-API-Key": keys["admin"]}
    for name, data in [("a.png", b"text"), ("site.pdf", photo.getvalue()), ("../a.jpg", b"x")]:
        refused = httpx.post(f"{where}?name={name}", content=data, headers=as_admin)
        with pytest.raises(InputError) as library:
            attachments.add(store, "hazard_areas", sketch.record_id, name, data, user="x")
        assert (refused.status_code, refused.json()["detail"]) == (422, str(library.value))
    big = rules().max_bytes + 1
    too_big = httpx.post(f"{where}?name=big.jpg", content=b"\0" * big, headers=as_admin)
    assert too_big.status_code == 413
    assert (
        httpx.post(
            f"{where}?name=a.jpg", content=photo.getvalue(), headers={"X-API-Key": keys["viewer"]}
        ).status_code
        == 403
    )
