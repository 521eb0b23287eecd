// remnant dashboard: the store's layers on a map, land release figures, and a form to
// record an activity. Works offline: Leaflet is served from this package. Every string
// from the store is put on the page as text, never as HTML. The page comes in the
// reader's language (the server renders it); _() translates what this script writes,
// from the messages the server put in the page, and numbers follow the page's language.
"use strict";

const PAGE = JSON.parse(document.getElementById("messages").textContent);
const LANG = document.documentElement.lang;
function _(message, values = {}) {
  const text = PAGE.text[message] || message;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

const state = { key: sessionStorage.getItem("remnant-key") || "", layers: {}, renew: null };
const map = L.map("map").setView([0, 0], 2);
const control = L.control.layers(null, {}, { collapsed: false }).addTo(map);

function say(text, isError) {
  const el = document.getElementById("message");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function api(path, options = {}) {
  const headers = Object.assign({ "X-API-Key": state.key }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : response.statusText;
    throw new Error(`${response.status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return body;
}

function popup(feature, layer) {
  // Fields and values by their labels in the page's language (the forms' labels).
  const fields = PAGE.fields[layer] || {};
  const div = document.createElement("div");
  const title = document.createElement("strong");
  title.textContent = feature.id;
  div.appendChild(title);
  for (const [k, v] of Object.entries(feature.properties)) {
    if (v === null) continue;
    const value = (PAGE.choices[k] || {})[v] || v;
    const line = document.createElement("div");
    line.textContent = `${fields[k] || k}: ${typeof value === "number" ? value.toLocaleString(LANG) : value}`;
    div.appendChild(line);
  }
  return div;
}

const STYLES = {
  hazard_areas: { color: "#d62728", weight: 1.5, fillOpacity: 0.1 },
  strikes: { radius: 3, color: "#2ca02c", weight: 1 },
  items: { radius: 2, color: "#1f77b4", weight: 1 },
};

async function loadLayer(name, title) {
  const data = await api(`/api/${name}?limit=10000`);
  const layer = L.geoJSON(data, {
    style: () => STYLES[name],
    pointToLayer: (f, latlng) => L.circleMarker(latlng, STYLES[name]),
    onEachFeature: (f, l) => l.bindPopup(() => popup(f, name)),
  });
  layer.addTo(map);
  control.addOverlay(layer, title);
  state.layers[name] = layer;
  return layer;
}

function fillTable(id, rows, columns) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const [key, fmt] of columns) {
      const td = document.createElement("td");
      td.textContent = fmt ? fmt(row[key], row) : row[key];
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

// What a proposal is about, for the reviewer: a desk candidate's first quote, and its
// point on the map ("POINT (lon lat)", the proposal's geometry as the gate keeps it).
function quoteOf(proposal) {
  const notes = (proposal && proposal.notes) || "";
  const line = notes.split("\n").find((l) => l.startsWith("quote: "));
  return line ? line.slice(7) : "";
}

function pointOf(proposal) {
  const m = /^POINT \(([-0-9.e]+) ([-0-9.e]+)\)$/.exec((proposal && proposal.geometry) || "");
  return m ? [Number(m[2]), Number(m[1])] : null;
}

const pins = L.layerGroup().addTo(map);

// An admin's decision on one proposal ("approve" or "reject"), as POST /reviews takes it.
function decide(row, decision) {
  return api(`/reviews/${encodeURIComponent(row.layer)}/${encodeURIComponent(row.record_id)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ decision }),
  });
}

// Editors' proposals, for an admin to approve or reject (others are not shown the panel).
async function loadReviews() {
  const panel = document.getElementById("reviews-panel");
  let pending;
  try {
    pending = await api("/reviews?state=pending");
  } catch (error) {
    panel.hidden = true; // not an admin
    return;
  }
  panel.hidden = false;
  const body = document.querySelector("#reviews tbody");
  body.replaceChildren();
  pins.clearLayers();
  for (const row of pending) {
    const tr = document.createElement("tr");
    for (const key of ["layer", "record_id", "action", "submitted_by", "submitted_at"]) {
      const td = document.createElement("td");
      td.textContent = row[key];
      tr.appendChild(td);
    }
    const at = pointOf(row.proposal);
    if (at) {
      const pin = L.marker(at, { title: row.record_id }).addTo(pins);
      pin.bindPopup(() => {
        const div = document.createElement("div");
        div.textContent = `${row.layer} ${row.record_id}: ${quoteOf(row.proposal) || row.action}`;
        return div;
      });
    }
    const td = document.createElement("td");
    for (const decision of ["approve", "reject"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = decision === "approve" ? _("approve") : _("reject");
      button.addEventListener("click", async () => {
        try {
          await decide(row, decision);
          const record = `${row.layer}/${row.record_id}`;
          say(decision === "approve" ? _("Approved {record}.", { record }) : _("Rejected {record}.", { record }), false);
          load();
        } catch (error) {
          say(_("Refused: {why}", { why: error.message }), true);
        }
      });
      td.appendChild(button);
    }
    tr.appendChild(td);
    body.appendChild(tr);
    // What the gate would say of it now: what would refuse it, what it would be written with.
    const said = [
      ...(row.problems || []).map((p) => ["problem", _("refused if approved now: {problem}", { problem: p })]),
      ...(row.warnings || []).map((w) => ["warning", _("warning: {warning}", { warning: w })]),
    ];
    for (const [kind, text] of said) {
      const line = document.createElement("tr");
      line.className = `${kind}-row`;
      line.dataset.record = row.record_id;
      const cell = document.createElement("td");
      cell.className = kind;
      cell.colSpan = 6;
      cell.textContent = text;
      line.appendChild(cell);
      body.appendChild(line);
    }
    const quote = quoteOf(row.proposal);
    if (quote) { // what the report says, on a line of its own under the candidate
      const line = document.createElement("tr");
      line.className = "quote-row";
      line.dataset.record = row.record_id;
      const cell = document.createElement("td");
      cell.className = "quote";
      cell.colSpan = 6;
      cell.textContent = quote;
      line.appendChild(cell);
      body.appendChild(line);
    }
  }
  // Those the gate has nothing to say about, approved one by one as each button would.
  const quiet = pending.filter((row) => !(row.problems || []).length && !(row.warnings || []).length);
  const all = document.getElementById("approve-quiet");
  all.disabled = !quiet.length;
  all.onclick = async () => {
    const refused = [];
    for (const row of quiet) {
      try {
        await decide(row, "approve");
      } catch (error) {
        refused.push(`${row.layer}/${row.record_id}: ${error.message}`);
      }
    }
    const approved = quiet.length - refused.length;
    say(refused.length ? _("Approved {n}; refused: {why}", { n: approved, why: refused.join("; ") })
      : _("Approved {n}.", { n: approved }), refused.length > 0);
    load();
  };
  if (!pending.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 6;
    td.textContent = _("nothing waiting");
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

const whole = (v) => (v === null || v === undefined ? "–" : Math.round(v).toLocaleString(LANG));

async function load() {
  if (!state.key) {
    say(_("Enter your API key to see the records."), false);
    return;
  }
  try {
    for (const layer of Object.values(state.layers)) {
      map.removeLayer(layer);
      control.removeLayer(layer);
    }
    state.layers = {};
    const summary = await api("/summary");
    clearInterval(state.renew);
    if (summary.hazard) {
      // The key stays in the header: tiles, fetched as images, carry a short-lived token.
      const tileUrl = (t) => `/tiles/{z}/{x}/{y}.png?token=${encodeURIComponent(t.token)}`;
      const first = await api("/tiles/token");
      const tiles = L.tileLayer(tileUrl(first), { opacity: 0.8, maxZoom: 19 });
      state.renew = setInterval(async () => {
        tiles.setUrl(tileUrl(await api("/tiles/token")), true);
      }, (first.expires_in * 1000) / 3);
      tiles.addTo(map);
      control.addOverlay(tiles, _("hazard map"));
      state.layers.tiles = tiles;
      document.getElementById("legend").hidden = false;
      const precise = (v) => v.toLocaleString(LANG, { maximumSignificantDigits: 2 });
      document.getElementById("legend-min").textContent = precise(summary.hazard.min);
      document.getElementById("legend-max").textContent = precise(summary.hazard.max);
    }
    const areas = await loadLayer("hazard_areas", _("hazard areas"));
    await loadLayer("strikes", _("strikes"));
    await loadLayer("items", _("items found"));
    if (areas.getLayers().length) map.fitBounds(areas.getBounds());
    const inUnit = (unit) => (v) => (v / unit.m2).toLocaleString(LANG, { maximumFractionDigits: 1 });
    document.querySelectorAll("[data-area-unit]").forEach((cell) => {
      const unit = summary[cell.dataset.areaUnit];
      cell.textContent = `${cell.dataset.label} (${PAGE.units[unit.name]})`;
    });
    const priorityArea = inUnit(summary.priorities_unit);
    fillTable("priorities", summary.priorities, [
      ["hazard_area"], ["area_m2", priorityArea], ["expected", whole],
      ["p_any", (v) => v.toLocaleString(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 })],
    ]);
    const released = inUnit(summary.land_release_unit);
    fillTable("released", summary.land_release, [
      ["year"], ["cancelled_m2", released], ["reduced_m2", released], ["cleared_m2", released],
      ["released_m2", released],
    ]);
    document.getElementById("units-panel").hidden = !summary.by_unit.length;
    const hectares = (v) => v.toLocaleString(LANG, { maximumFractionDigits: 1 });
    fillTable("units", summary.by_unit, [
      ["unit"], ["name", (v, row) => (row.unit === "none" ? _("outside every unit") : v)], ["open_areas", whole], ["remaining_ha", hectares],
      ["released_ha", hectares], ["items_destroyed", whole], ["casualties", whole],
    ]);
    await loadReviews();
    say(_("Layers loaded."), false);
    document.body.dataset.loaded = "yes";
  } catch (error) {
    say(error.message, true);
  }
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = document.getElementById("key").value.trim();
  sessionStorage.setItem("remnant-key", state.key);
  load();
});

document.getElementById("activity-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const properties = {};
  for (const [k, v] of form.entries()) if (k !== "geometry" && v !== "") properties[k] = v;
  let geometry;
  try {
    geometry = JSON.parse(form.get("geometry"));
  } catch (error) {
    say(_("The polygon is not valid GeoJSON."), true);
    return;
  }
  try {
    const result = await api("/api/activities", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "Feature", geometry, properties }),
    });
    if (result.pending.length) {
      const ids = result.pending.join(", ");
      say(_("Submitted {ids} for review: an admin approves it before it counts.", { ids }), false);
    } else {
      say(_("Recorded {ids}.", { ids: result.inserted.concat(result.unchanged).join(", ") }), false);
    }
    load();
  } catch (error) {
    say(_("Refused: {why}", { why: error.message }), true);
  }
});

load();

document.getElementById("lang").addEventListener("change", (event) => {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", event.target.value);
  window.location.assign(url);
});
