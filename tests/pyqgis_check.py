"""Open a remnant GeoPackage, or a QGIS project made by remnant, in QGIS (Debian's PyQGIS,
run by /usr/bin/python3) and say what a GIS officer would see: each layer's validity,
renderer and categories, each field's editor widget, values and whether it is read-only,
the project's relations; then render the map to a PNG. Prints JSON.

    /usr/bin/python3 tests/pyqgis_check.py STORE.gpkg|PROJECT.qgz OUT.png
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
source, png = sys.argv[1], sys.argv[2]
report = {}
if source.endswith((".qgz", ".qgs")):
    project = QgsProject.instance()
    report["_read"] = project.read(source)
    layers = [node.layer() for node in project.layerTreeRoot().findLayers()]
    report["_relations"] = {
        r.id(): {
            "valid": r.isValid(),
            "from": r.referencingLayer().name() if r.referencingLayer() else None,
            "to": r.referencedLayer().name() if r.referencedLayer() else None,
        }
        for r in project.relationManager().relations().values()
    }
else:
    layers = [
        QgsVectorLayer(f"{source}|layername={name}", name, "ogr")
        for name in ("hazard_areas", "activities", "items", "strikes", "accidents", "victims")
    ]
for layer in layers:
    entry = {"valid": layer.isValid(), "type": layer.type()}
    if isinstance(layer, QgsVectorLayer):
        renderer = layer.renderer()
        categories = []
        if renderer is not None and renderer.type() == "categorizedSymbol":
            categories = [c.value() for c in renderer.categories()]
        widgets = {}
        form = layer.editFormConfig()
        for i, field in enumerate(layer.fields()):
            setup = layer.editorWidgetSetup(i)
            values = []
            if setup.type() == "ValueMap":
                for item in setup.config().get("map", []):
                    values += list(item.values())
            widgets[field.name()] = {
                "type": setup.type(),
                "values": values,
                "read_only": form.readOnly(i),
                "alias": field.alias(),
            }
        entry |= {
            "features": layer.featureCount(),
            "renderer": None if renderer is None else renderer.type(),
            "attribute": getattr(renderer, "classAttribute", lambda: None)(),
            "categories": categories,
            "widgets": widgets,
        }
    else:
        entry["renderer"] = layer.renderer().type() if layer.renderer() else None
    report[
        layer.source().split("layername=")[-1] if "layername=" in layer.source() else layer.name()
    ] = entry
settings = QgsMapSettings()
spatial = [layer for layer in layers if layer.isSpatial()]
settings.setLayers(spatial)  # the first on top, as in the layer tree
settings.setDestinationCrs(spatial[0].crs())  # the records' WGS 84
extent = QgsRectangle()
for layer in spatial:
    if isinstance(layer, QgsVectorLayer) and layer.featureCount():
        extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
settings.setExtent(extent)
settings.setOutputSize(QSize(1000, 800))
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererParallelJob(settings)
job.start()
job.waitForFinished()
report["_image_saved"] = job.renderedImage().save(png, "png")
print(json.dumps(report), flush=True)
os._exit(0)  # QGIS 3.22 can crash tearing down layers it still holds; the answer is out
