"""A QGIS (and QField) project over a store: styled layers, drop-downs, relations.

The project is QGIS's own XML (``.qgs``, or zipped as ``.qgz``), holding what QGIS does
not take from the GeoPackage itself: the layer order and groups, the relations between
layers (a hazard area and its activities, an activity and its items, an accident and its
victims) with relation-reference widgets, English aliases, the fields remnant's workflow
owns shown read-only, the layers' styles (``remnant/styles``, as the GeoPackage's
``layer_styles`` holds them) and the hazard map with its colour ramp. Drop-downs come
from the GeoPackage's field domains.
Paths are relative, so the folder can be copied to a phone (QField) as it is.
"""

from __future__ import annotations

import uuid
import zipfile
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

from remnant import labels
from remnant.entities import ENTITIES
from remnant.errors import InputError
from remnant.mapstyle import hazard_style
from remnant.outputs import refuse_existing
from remnant.translate import N_

__all__ = ["READ_ONLY", "write_project"]

# Fields QGIS shows but does not let a user change: the version remnant counts, the ids
# an import keeps, and an area's status, which the land release workflow moves (and the
# fields remnant sets on every write, such as the admin units: Field.derived).
READ_ONLY = {"*": ("version", "external_id", "external_system"), "hazard_areas": ("status",)}
_GROUPS = {  # layer tree, top to bottom (QGIS draws the top layer last)
    "Records": (
        "accidents",
        "risk_education",
        "evidence",
        "items",
        "strikes",
        "activities",
        "hazard_areas",
    ),
    "Tables": ("victims", "victim_assistance", "nonconformities"),
}
_GEOMETRY = {"POINT": ("Point", "Point"), "MULTIPOLYGON": ("Polygon", "MultiPolygon")}
_WGS84 = "EPSG:4326"


def write_project(
    store: str | Path, out: str | Path, *, hazard: str | Path | None = None, overwrite=False
) -> Path:
    """Write a QGIS project (``.qgs`` or ``.qgz``) over the GeoPackage ``store``.

    ``hazard`` adds a hazard COG (``remnant hazard``) under the records, coloured as the
    PNG map and the web tiles are.
    """
    store, out = Path(store), Path(out)
    if store.suffix.lower() != ".gpkg" or not store.exists():
        raise InputError(N_("a QGIS project is made over an existing GeoPackage store"), file=store)
    if out.suffix.lower() not in (".qgs", ".qgz"):
        raise InputError(N_("a QGIS project is a .qgz or .qgs file"), file=out.name)
    refuse_existing(out, overwrite=overwrite)
    source = _relative(store, out.parent)
    ids = {name: f"{name}_{uuid.uuid4().hex[:12]}" for name in ENTITIES}
    root = ET.Element("qgis", {"projectname": f"remnant: {store.stem}", "version": "3.22.0"})
    ET.SubElement(root, "title").text = f"remnant: {store.stem}"
    _crs(ET.SubElement(root, "projectCrs"))
    tree = ET.SubElement(root, "layer-tree-group")
    layers = ET.SubElement(root, "projectlayers")
    relations = _relations(ET.SubElement(root, "relations"), ids)
    titles = labels.load()["en"].get("fields", {})
    for group, names in _GROUPS.items():
        node = ET.SubElement(tree, "layer-tree-group", {"name": group, "checked": "Qt::Checked"})
        node.set("expanded", "1")
        for name in names:
            datasource = f"{source}|layername={name}"
            ET.SubElement(
                node,
                "layer-tree-layer",
                {
                    "id": ids[name],
                    "name": name.replace("_", " "),
                    "source": datasource,
                    "providerKey": "ogr",
                    "checked": "Qt::Checked",
                    "expanded": "0",
                },
            )
            layers.append(_vector_layer(name, ids[name], datasource, titles, relations))
    if hazard is not None:
        _hazard_layer(tree, layers, Path(hazard), out.parent)
    properties = ET.SubElement(ET.SubElement(root, "properties"), "Paths")
    ET.SubElement(properties, "Absolute", {"type": "bool"}).text = "false"
    text = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
    if out.suffix.lower() == ".qgz":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{out.stem}.qgs", text)
    else:
        out.write_text(text, "utf-8")
    return out


def _relative(path: Path, folder: Path) -> str:
    """``path`` as the project refers to it: relative where it can be (QField copies)."""
    import os

    try:
        return "./" + Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive
        return path.resolve().as_posix()


def _crs(parent: ET.Element) -> None:
    import pyproj

    srs = ET.SubElement(parent, "spatialrefsys")
    ET.SubElement(srs, "wkt").text = pyproj.CRS.from_user_input(_WGS84).to_wkt()
    ET.SubElement(srs, "authid").text = _WGS84


def _relations(parent: ET.Element, ids: dict[str, str]) -> dict[tuple[str, str], str]:
    """A QGIS relation per reference between layers; (layer, field) → relation id."""
    found = {}
    for ent in ENTITIES.values():
        for f in ent.fields:
            if f.references is None:
                continue
            rid = f"{ent.name}_{f.name}"
            named = f"{ent.name} of the {f.references[:-1]}".replace("_", " ")
            relation = ET.SubElement(
                parent,
                "relation",
                {
                    "id": rid,
                    "name": named,
                    "referencingLayer": ids[ent.name],
                    "referencedLayer": ids[f.references],
                    "strength": "Association",
                },
            )
            ET.SubElement(
                relation, "fieldRef", {"referencingField": f.name, "referencedField": "id"}
            )
            found[(ent.name, f.name)] = rid
    return found


def _vector_layer(name, layer_id, datasource, titles, relations) -> ET.Element:
    ent = ENTITIES[name]
    attrs = {"type": "vector", "styleCategories": "AllStyleCategories", "readOnly": "0"}
    if ent.geometry:
        attrs["geometry"], attrs["wkbType"] = _GEOMETRY[ent.geometry]
    else:
        attrs["geometry"], attrs["wkbType"] = "No geometry", "NoGeometry"
    layer = ET.Element("maplayer", attrs)
    ET.SubElement(layer, "id").text = layer_id
    ET.SubElement(layer, "datasource").text = datasource
    ET.SubElement(layer, "layername").text = name.replace("_", " ")
    _crs(ET.SubElement(layer, "srs"))
    ET.SubElement(layer, "provider", {"encoding": "UTF-8"}).text = "ogr"
    style = resources.files("remnant").joinpath("styles", f"{name}.qml")
    if style.is_file():  # the layer's style, as the GeoPackage's layer_styles holds it
        for child in ET.fromstring(style.read_text("utf-8").split("\n", 1)[1]):
            layer.append(child)
    fields = ET.SubElement(layer, "fieldConfiguration")
    for f in ent.fields:
        if (name, f.name) in relations:  # pick the record it names, follow it in forms
            field = ET.SubElement(fields, "field", {"name": f.name, "configurationFlags": "None"})
            widget = ET.SubElement(field, "editWidget", {"type": "RelationReference"})
            option = ET.SubElement(ET.SubElement(widget, "config"), "Option", {"type": "Map"})
            for key, kind, value in (
                ("Relation", "QString", relations[(name, f.name)]),
                ("AllowNULL", "bool", "true"),
                ("ShowForm", "bool", "false"),
                ("OpenFormButton", "bool", "true"),
            ):
                ET.SubElement(option, "Option", {"name": key, "type": kind, "value": value})
    aliases = ET.SubElement(layer, "aliases")
    for index, f in enumerate(ent.fields):
        title = titles.get(name, {}).get(f.name, labels.words(f.name))
        ET.SubElement(aliases, "alias", {"field": f.name, "index": str(index), "name": title})
    editable = ET.SubElement(layer, "editable")
    derived = [f.name for f in ent.fields if f.derived]
    for locked in (*READ_ONLY["*"], *READ_ONLY.get(name, ()), *derived):
        ET.SubElement(editable, "field", {"name": locked, "editable": "0"})
    return layer


def _hazard_layer(tree: ET.Element, layers: ET.Element, path: Path, folder: Path) -> None:
    from remnant.hazard.output import colour_top

    if not path.exists():
        raise InputError(N_("no such hazard map (remnant hazard writes one)"), file=path)
    layer_id = f"hazard_{uuid.uuid4().hex[:12]}"
    datasource = _relative(path, folder)
    ET.SubElement(
        tree,
        "layer-tree-layer",
        {
            "id": layer_id,
            "name": "hazard: expected unexploded submunitions per cell",
            "source": datasource,
            "providerKey": "gdal",
            "checked": "Qt::Checked",
            "expanded": "1",
        },
    )
    style = ET.fromstring(hazard_style(colour_top(path)).split("\n", 1)[1])
    layer = ET.SubElement(
        layers, "maplayer", {"type": "raster", "styleCategories": "AllStyleCategories"}
    )
    ET.SubElement(layer, "id").text = layer_id
    ET.SubElement(layer, "datasource").text = datasource
    ET.SubElement(layer, "layername").text = "hazard"
    ET.SubElement(layer, "provider").text = "gdal"
    for child in style:
        layer.append(child)
